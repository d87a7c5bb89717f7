"""The benchmark's arithmetic: ratios per round against that round's bare view."""

from bench.run import combine


def row(name, requests, seconds=5.0, p95=10.0, status=200, queries="5"):
    return {
        "name": name,
        "status": status,
        "requests": requests,
        "seconds": seconds,
        "rps": requests / seconds,
        "p50_ms": p95 / 2,
        "p95_ms": p95,
        "p99_ms": p95 * 2,
        "errors": 0,
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
