"""The story at a glance, in real headless Chromium at 1280 and 375 px: the state of play
and the latest key development inside the first screen, the embed short and sizing its
own frame, the digest of what changed."""

import pytest

from .conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def inside_first_screen(page, locator):
    box = locator.bounding_box()
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= page.viewport_size["height"]
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_the_demo_story_is_told_above_the_fold(tab, site, viewport):
    reader = tab(viewport=viewport)
    page = reader.open(site["negotiation"].get_absolute_url())
    state = page.locator(".state-of-play-text")
    latest = page.locator(".developments li").first
    assert "demanded $500 billion" in state.inner_text()
    assert "off the table" in state.inner_text()  # withdrawn
    assert "refused" in state.inner_text()
    assert "expects a deal" in state.inner_text()  # what comes next
    assert inside_first_screen(page, page.get_by_role("heading", name="State of play"))
    assert inside_first_screen(page, latest), latest.bounding_box()
    assert "23 Feb 2025" in latest.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"story-first-screen-{viewport['width']}.png")
    assert reader.errors == [] and reader.outside_requests == []


@pytest.mark.parametrize("width", [375, 640])
def test_the_embed_is_short_and_starts_at_the_state_of_play(tab, site, width):
    reader = tab(viewport={"width": width, "height": 900})
    page = reader.open(f"/embed/negotiations/{site['negotiation'].slug}/")
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height <= 900 or width < 600, height
    assert page.locator(".state-of-play").bounding_box()["y"] < 200
    page.screenshot(path=SCREENSHOTS / f"embed-{width}.png", full_page=True)
    assert reader.errors == [] and reader.outside_requests == []


def test_the_embed_sizes_its_frame_with_the_documented_snippet(tab, site):
    reader = tab()
    page = reader.open(site["negotiation"].get_absolute_url())
    snippets = page.locator(".embed-code code").all_inner_texts()
    frame_html, script = snippets[0], snippets[1]
    host = tab()
    # A host page on another origin: the frame and the listener, as published.
    host.page.set_content(f"<!doctype html><body>{frame_html}{script}</body>")
    frame = host.page.locator("iframe[data-parley-embed]")
    host.page.wait_for_function(
        "() => document.querySelector('iframe[data-parley-embed]').style.height !== ''"
    )
    inner = host.page.frames[1].evaluate("() => document.documentElement.scrollHeight")
    assert abs(frame.bounding_box()["height"] - inner) <= 4  # the frame's own 2 px borders


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_what_changed_is_a_digest(tab, site, viewport):
    reader = tab(viewport=viewport)
    page = reader.open(f"/negotiations/{site['negotiation'].slug}/changes/?since=2025-02-20")
    happened = page.locator("#changes-happened + p + ol li")
    assert happened.count() >= 5
    assert "23 Feb 2025 — " in happened.first.inner_text()
    assert page.locator("article.entry").count() == 0  # lines, not cards
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    page.screenshot(path=SCREENSHOTS / f"changes-digest-{viewport['width']}.png", full_page=True)
    assert reader.errors == [] and reader.outside_requests == []
