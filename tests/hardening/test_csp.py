"""Django's Content Security Policy, enforced without 'unsafe-inline' scripts.

The headers are checked on every kind of page; then real headless Chromium loads the
reader pages, the admin (signed in, with its widgets used), the browsable API and the
API docs under the policy the server sends and reports no violation, and a page may
frame the embed but not the timeline.
"""

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.utils.csp import CSP, build_policy

from negotiations.models import Proposal
from tests import factories
from tests.chromium import launched_chromium

from .test_security_headers import directives

STRICT = build_policy(settings.SECURE_CSP)


class ScriptTags(HTMLParser):
    """Every <script> of a page: (attributes, inline text)."""

    def __init__(self):
        super().__init__()
        self.scripts = []
        self._open = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._open = [dict(attrs), ""]
            self.scripts.append(self._open)
        elif any(name.startswith("on") for name, _ in attrs):
            self.scripts.append([dict(attrs), f"<{tag}> event handler"])

    def handle_data(self, data):
        if self._open is not None:
            self._open[1] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._open = None


def inline_scripts(html):
    """Scripts the browser would run from the page itself (JSON data blocks don't run)."""
    parser = ScriptTags()
    parser.feed(html)
    return [
        (attrs, text)
        for attrs, text in parser.scripts
        if "src" not in attrs
        and attrs.get("type") not in {"application/json", "application/ld+json"}
    ]


def test_the_policy_allows_no_inline_script_and_no_framing():
    policy = settings.SECURE_CSP
    assert policy["script-src"] == [CSP.SELF]
    assert policy["style-src"] == [CSP.SELF]
    assert policy["object-src"] == [CSP.NONE]
    assert policy["frame-ancestors"] == [CSP.NONE]
    assert settings.SECURE_CSP_API["script-src"] == [CSP.SELF]
    for config in (settings.SECURE_CSP, settings.SECURE_CSP_API):
        assert all(CSP.UNSAFE_EVAL not in sources for sources in config.values())
    assert "django.middleware.csp.ContentSecurityPolicyMiddleware" not in settings.MIDDLEWARE
    assert "tracker.security.ContentSecurityPolicyMiddleware" in settings.MIDDLEWARE


@pytest.mark.django_db
def test_reader_pages_get_the_strict_policy_and_have_no_inline_script(client, demo):
    proposal = Proposal.objects.filter(negotiation=demo).first()
    for path in [
        "/",
        demo.get_absolute_url(),
        f"{demo.get_absolute_url()}changes/",
        f"{demo.get_absolute_url()}next/",
        f"{demo.get_absolute_url()}positions/",
        f"{demo.get_absolute_url()}proposals/{proposal.pk}/",
        "/actors/volodymyr-zelenskyy/",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Security-Policy"] == STRICT, path
        assert inline_scripts(response.content.decode()) == [], path


@pytest.mark.django_db
def test_the_embed_may_be_framed_and_is_otherwise_as_strict(client, demo):
    response = client.get(f"/embed/negotiations/{demo.slug}/")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    policy = directives(response["Content-Security-Policy"])
    assert "frame-ancestors" not in policy
    assert policy == {k: v for k, v in directives(STRICT).items() if k != "frame-ancestors"}
    # Repeat reads (answered from the anonymous cache) and 304s keep the embed's policy.
    again = client.get(f"/embed/negotiations/{demo.slug}/")
    assert again["Content-Security-Policy"] == response["Content-Security-Policy"]
    assert "X-Frame-Options" not in again
    revalidated = client.get(f"/embed/negotiations/{demo.slug}/", HTTP_IF_NONE_MATCH=again["ETag"])
    assert revalidated.status_code == 304
    assert "frame-ancestors" not in revalidated["Content-Security-Policy"]
    # The embed's data (read by other sites' scripts, not framed) keeps the strict header.
    data = client.get(f"/embed/negotiations/{demo.slug}/timeline.json")
    assert directives(data["Content-Security-Policy"])["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_admin_pages_have_no_inline_script(client, superuser, demo):
    client.force_login(superuser)
    proposal = Proposal.objects.filter(negotiation=demo).first()
    for path in [
        "/admin/",
        "/admin/negotiations/proposal/",
        f"/admin/negotiations/proposal/{proposal.pk}/change/",
        f"/admin/negotiations/proposal/{proposal.pk}/history/",
        "/admin/negotiations/entry/quick-add/",
        "/admin/negotiations/actor/add/",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Security-Policy"] == STRICT, path
        assert inline_scripts(response.content.decode()) == [], path


@pytest.mark.django_db
def test_the_api_docs_load_their_start_up_script_as_a_file(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    assert inline_scripts(page.content.decode()) == []
    policy = directives(page["Content-Security-Policy"])
    assert policy["script-src"] == "'self'"
    # Third-party templates (Swagger UI, DRF's browsable API) style inline.
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()


@pytest.mark.django_db
def test_the_browsable_api_has_no_inline_script(client, journalist):
    client.force_login(journalist)
    factories.ActorFactory()
    for path in ["/api/v1/", "/api/v1/actors/"]:
        response = client.get(path, HTTP_ACCEPT="text/html")
        assert response.status_code == 200
        assert inline_scripts(response.content.decode()) == [], path


# --------------------------------------------------------------------------- #
# In a real browser
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="module")
def chromium():
    with launched_chromium() as browser:
        yield browser


class Visit:
    """A browser context that records console errors (CSP violations are errors)."""

    def __init__(self, browser, base_url):
        self.base_url = base_url
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _console(self, message):
        # The browser's own favicon request on admin pages is not ours to judge.
        if message.type == "error" and "favicon" not in (message.location or {}).get("url", ""):
            self.errors.append(message.text)

    def open(self, path):
        response = self.page.goto(self.base_url + path)
        assert response.status == 200, (path, response.status)
        self.page.wait_for_load_state("networkidle")
        return self.page


@pytest.fixture
def site(live_server, transactional_db):
    from django.core.cache import cache

    from negotiations.models import Negotiation
    from negotiations.newsroom.demo import NEGOTIATION_SLUG, load_demo

    cache.clear()
    load_demo()
    factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    return live_server.url, Negotiation.objects.get(slug=NEGOTIATION_SLUG)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_nothing_is_blocked_on_reader_admin_and_api_pages(chromium, site):
    base_url, negotiation = site
    visit = Visit(chromium, base_url)
    slug = negotiation.slug
    for path in ["/", f"/negotiations/{slug}/", f"/embed/negotiations/{slug}/"]:
        page = visit.open(path)
        assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px", path
    assert visit.errors == []

    page = visit.open("/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "correct horse battery staple")
    page.click("input[type=submit]")
    page.wait_for_url(base_url + "/admin/")
    proposal = Proposal.objects.filter(negotiation=negotiation).first()
    page = visit.open(f"/admin/negotiations/proposal/{proposal.pk}/change/")
    rows = page.locator("tr.dynamic-status_changes").count()
    page.click("tr.add-row a")  # the inline's "Add another" (admin JavaScript)
    assert page.locator("tr.dynamic-status_changes").count() == rows + 1
    page.click("#select2-id_proposed_by-container")  # autocomplete over the admin's JSON
    page.wait_for_selector(".select2-results__option")
    page = visit.open("/admin/negotiations/actor/add/")
    page.locator("#id_name").press_sequentially("Jane Q. Negotiator")
    assert page.input_value("#id_slug") == "jane-q-negotiator"  # prepopulated fields
    visit.open(f"/admin/negotiations/proposal/{proposal.pk}/history/")
    visit.open("/admin/negotiations/entry/quick-add/")
    assert visit.errors == []

    page = visit.open("/api/v1/docs/")
    page.wait_for_selector(".opblock-tag", timeout=15_000)  # Swagger UI rendered the schema
    assert page.locator(".opblock-tag", has_text="proposals").count() >= 1
    visit.open("/api/v1/actors/")
    assert visit.errors == []
    visit.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_only_the_embed_may_be_framed(chromium, site):
    """A page framing the embed and the timeline. It is served from the live server's own
    origin (Chromium refuses any public site framing a loopback address, whatever the
    headers); ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY`` refuse even that."""
    base_url, negotiation = site
    visit = Visit(chromium, base_url)
    # One frame after the other: the live server's threads share one in-memory SQLite
    # connection, and two requests at once both open a transaction on it.
    frames = (
        f'<iframe name="embed" src="/embed/negotiations/{negotiation.slug}/" '
        f"onload=\"document.getElementsByName('timeline')[0].src="
        f"'/negotiations/{negotiation.slug}/'\"></iframe>"
        '<iframe name="timeline"></iframe>'
    )
    visit.page.route(
        f"{base_url}/framing-page",
        lambda route: route.fulfill(body=f"<!doctype html>{frames}", content_type="text/html"),
    )
    visit.page.goto(f"{base_url}/framing-page")
    visit.page.wait_for_load_state("networkidle")
    embed = visit.page.frame(name="embed")
    assert embed.locator("h1").inner_text() == negotiation.title
    timeline = visit.page.frame(name="timeline")
    assert timeline.url == "chrome-error://chromewebdata/"  # refused: the browser's error page
    assert negotiation.title not in timeline.content()
    assert any("frame-ancestors" in error for error in visit.errors), visit.errors
    visit.page.unroute(f"{base_url}/framing-page")
    visit.context.close()
