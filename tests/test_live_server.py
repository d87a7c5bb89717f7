"""The live server the browser tests drive answers requests that arrive together."""

import threading
import urllib.request


def test_requests_sent_together_all_succeed(live_server, transactional_db):
    statuses, errors = [], []
    sign_in_page = live_server.url + "/admin/login/"

    def read_the_sign_in_page():
        for _ in range(10):
            try:
                with urllib.request.urlopen(sign_in_page, timeout=10) as response:
                    statuses.append(response.status)
            except OSError as error:  # an HTTPError (a 503) is one
                errors.append(repr(error))

    browsers = [threading.Thread(target=read_the_sign_in_page) for _ in range(6)]
    for browser in browsers:
        browser.start()
    for browser in browsers:
        browser.join()
    assert errors == []
    assert statuses == [200] * 60
