"""The benchmark's arithmetic (ratios per round against that round's bare view), and
the header that lets it measure behind the cache (bench settings only)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.run import AT_ONCE, LATER, combine, errors, render_first_reads, render_preview_looks
from tracker.cache import caches_on


def row(name, requests, seconds=5.0, p95=10.0, status=200, queries="5", timeouts=0):
    return {
        "name": name,
        "status": status,
        "requests": requests,
        "seconds": seconds,
        "rps": requests / seconds,
        "p50_ms": p95 / 2,
        "p95_ms": p95,
        "p99_ms": p95 * 2,
        "errors": timeouts,
        "error_kinds": {"non-2xx": 0, "socket": 0, "timeouts": timeouts},
        "queries": queries,
    }


def test_each_round_is_compared_with_its_own_bare_view():
    # The machine halves its speed in the second round: the ratio does not move.
    rounds = [
        [row("bare", 10_000, queries="0"), row("api", 3_000, p95=20.0)],
        [row("bare", 5_000, queries="0"), row("api", 1_500, p95=40.0)],
        [row("bare", 10_000, queries="0"), row("api", 2_000, p95=30.0)],
    ]
    bare, api = combine(rounds)
    assert bare["ratio"] == 1.0
    assert api["ratio"] == 0.3
    assert api["ratio_range"] == (0.2, 0.3)
    assert api["rps"] == 6_500 / 15
    assert api["p95_ms"] == 30.0
    assert api["queries"] == "5"


def test_a_status_or_query_count_that_changes_between_rounds_shows():
    rounds = [[row("api", 100, status=304, queries="1")], [row("api", 100, queries="5")]]
    (api,) = combine(rounds)
    assert api["status"] == "200/304"
    assert api["queries"] == "1/5"


def test_errors_say_of_which_kind_they_are():
    """A write row's errors: wrk's timeouts, or answers that were not 2xx (409, 412, 429)."""
    rounds = [[row("write", 10, timeouts=3)], [row("write", 10, timeouts=2)]]
    (write,) = combine(rounds)
    assert errors(write) == "5 (5 timeouts)"
    assert errors(combine([[row("api", 100)]])[0]) == "0"


def test_first_reads_after_publications_are_compared_with_steady_reads_by_median():
    reads = {
        LATER: [(80.0, 30.0, "1", 20.0), (95.0, 90.0, "1", 10.0), (70.0, 45.0, "1", 15.0)],
        AT_ONCE: [(110.0, 120.0, "20", 40.0), (90.0, 60.0, "1", 40.0)],
    }
    line = render_first_reads(reads)
    assert "5 statements published" in line
    assert "median 90.0 ms, 70.0–110.0" in line
    assert "later **45.0 ms** (30.0–90.0; queries: 1) against 15.0 ms steady: **3.00 ×**" in line
    assert "at once **90.0 ms** (60.0–120.0; queries: 20/1) against 40.0 ms steady: **2.25 ×**" in (
        line
    )


def test_an_editor_s_looks_after_a_write_are_told_apart_by_page_and_wait():
    looks = {
        ("HTML", AT_ONCE): [(230.0, "26", 11.0), (250.0, "26", 13.0)],
        ("HTML", LATER): [(7.0, "2", 12.0)],
        ("API", AT_ONCE): [],
        ("API", LATER): [(12.0, "2", 9.0), (10.0, "1", 8.0), (11.0, "2", 7.0)],
    }
    line = render_preview_looks(looks)
    assert "6 drafts written" in line
    assert "HTML at once: **240.0 ms** (230.0–250.0; queries: 26; stored: 12.0 ms)" in line
    assert "HTML later: **7.0 ms** (7.0–7.0; queries: 2; stored: 12.0 ms)" in line
    assert "API later: **11.0 ms** (10.0–12.0; queries: 2/1; stored: 8.0 ms)" in line
    assert "API at once" not in line


@pytest.mark.django_db
def test_the_bench_header_reaches_behind_the_stored_page_or_behind_everything(
    client, settings, demo, redis_server
):
    """Only under the bench settings' cache and middleware: ``1`` skips the stored
    response; ``unbuilt`` (a publication's first read before the worker's build) also
    what every page of the negotiation shares and the newest entry (the rest of the
    entries are found), ``quiet`` what each address gets (the pages kept whole too: put
    together again from the entries' fragments, they ask what the stored page's miss
    asks), ``all`` everything (the cold row)."""
    settings.CACHES = {
        **caches_on(redis_server.url),
        "default": {**caches_on(redis_server.url)["default"], "BACKEND": "bench.cache.BenchCache"},
    }
    settings.MIDDLEWARE = ["bench.middleware.BypassCacheMiddleware", *settings.MIDDLEWARE]
    url = demo.get_absolute_url()
    client.get(url)  # stored, and what all its pages share kept
    client.get(url)  # and its reader version read into the shared cache

    def queries(**headers):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, **headers).status_code == 200
        return len(captured)

    stored, behind_page = queries(), queries(HTTP_X_BENCH_BYPASS_CACHE="1")
    after_quiet = queries(HTTP_X_BENCH_BYPASS_CACHE="quiet")
    before_the_build = queries(HTTP_X_BENCH_BYPASS_CACHE="unbuilt")
    behind_all = queries(HTTP_X_BENCH_BYPASS_CACHE="all")
    assert stored <= 1 and stored < behind_page == after_quiet < before_the_build < behind_all
    # Nothing was bypassed for the request after: the stored page again. Its reader version
    # lives VERSION_SECONDS in Redis, so on a slow run it is read again (one query).
    assert queries() <= 1
