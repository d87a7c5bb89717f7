"""Browser tests: real headless Chromium (Debian's), driven by Playwright's sync API.

One browser for all of them; each test gets a fresh context. Requests to anywhere
but the live server are recorded (nothing may come from a CDN), and so are console
errors and warnings: tests assert both lists are empty. Run only these with
``pytest -m browser``; ``scripts/ensure-chromium.sh`` installs Chromium.
"""

from pathlib import Path

import pytest

from tests.chromium import launched_chromium

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="package")
def browser():
    """One Chromium for all the browser tests (they live in this package, and run
    together); closed when they are done, so no event loop outlives them."""
    with launched_chromium() as browser:
        yield browser


class Tab:
    """A page in a fresh browser context, with what went wrong recorded."""

    def __init__(self, browser, base_url, *, viewport=DESKTOP, javascript=True):
        self.base_url = base_url
        self.context = browser.new_context(
            viewport=viewport, java_script_enabled=javascript, locale="en-GB"
        )
        self.errors = []
        self.outside_requests = []
        self.context.on("request", self._request)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _request(self, request):
        # Watched, not intercepted (interception turns the HTTP cache off and slows
        # every request); this machine has no way out anyway.
        url = request.url
        if not url.startswith((self.base_url + "/", "data:", "about:")):
            self.outside_requests.append(url)

    def _console(self, message):
        if message.type in {"error", "warning"}:
            self.errors.append(f"console {message.type}: {message.text}")

    def open(self, path):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        return self.page

    def close(self):
        # A route handler still answering a late request must not outlive the page.
        self.page.unroute_all(behavior="ignoreErrors")
        self.context.close()


@pytest.fixture
def site(live_server, transactional_db):
    """The demo story, served by a live server on 127.0.0.1."""
    from django.core.cache import cache

    from negotiations.models import Negotiation
    from negotiations.newsroom.demo import NEGOTIATION_SLUG, load_demo

    cache.clear()  # rendered pages are kept under their validators
    load_demo()
    negotiation = Negotiation.objects.get(slug=NEGOTIATION_SLUG)
    return {"url": live_server.url, "negotiation": negotiation}


@pytest.fixture
def tab(browser, site):
    opened = []

    def open_tab(**kwargs):
        new = Tab(browser, site["url"], **kwargs)
        opened.append(new)
        return new

    yield open_tab
    for each in opened:
        each.close()
