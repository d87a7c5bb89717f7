"""Reader pages: server-rendered, readable without JavaScript, cached by reader version.

Views only wire things together: what is readable, current, open or pending is
decided in the model layer (``models``, ``selectors``), never here.
"""

import datetime
import functools
import hashlib

from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.views.decorators.clickjacking import xframe_options_exempt

from negotiations.caching import fragments
from negotiations.caching.reader_http import (
    negotiation_for_reader,
    negotiation_validators,
    read_only,
    respond,
    shared,
    site_validators,
)
from negotiations.models import Actor, ProposalStatus, user_may_preview
from negotiations.numbers import parse_id
from negotiations.reader.calendar import negotiation_calendar
from negotiations.reader.charts.amounts import amounts
from negotiations.reader.charts.lanes import lanes as draw_lanes
from negotiations.reader.exports import timelinejs
from negotiations.reader.filters import Cursor, SinceForm, TimelineFilterForm
from negotiations.reader.selectors.actors import ACTOR_SECTION, actor_index, actor_page
from negotiations.reader.selectors.changes import CHANGES_LIMIT, changes_since
from negotiations.reader.selectors.embed import embed_entries
from negotiations.reader.selectors.entries import rendered
from negotiations.reader.selectors.home import (
    DEVELOPMENTS_ON_CARD,
    last_updated,
    negotiation_list,
    record_edited,
)
from negotiations.reader.selectors.negotiation import (
    key_developments,
    standing,
    state_of_play_history,
)
from negotiations.reader.selectors.next import NEXT_LIMIT
from negotiations.reader.selectors.next import coming_next as read_coming_next
from negotiations.reader.selectors.next import upcoming as read_upcoming
from negotiations.reader.selectors.positions import positions as read_positions
from negotiations.reader.selectors.proposals import proposal_page
from negotiations.reader.selectors.queries import (
    actors_in,
    negotiation_paths,
)
from negotiations.reader.selectors.timeline import (
    CORRECTIONS_PAGE,
    amount_proposals,
    amount_spine,
    corrections_log,
    timeline_page,
)

SITE_NAME = "Parley"
SIDE_NEXT_LIMIT = 3  # what comes next, in the side column of a negotiation's pages
EMBED_ENTRY_LIMIT = 6  # the embed stays short: the state of play, then the latest few


def page_meta(request, *, title, description, og_type="website", jsonld=None, path=None):
    """Title, description, canonical URL, Open Graph and JSON-LD for the base layout."""
    canonical = request.build_absolute_uri(path or request.path)
    description = Truncator(" ".join((description or "").split())).chars(200)
    return {
        "title": title,
        "description": description,
        "canonical": canonical,
        "og_type": og_type,
        "site_name": SITE_NAME,
        "jsonld": jsonld,
    }


def kept(negotiation, user, name, build):
    """``build()`` kept under the negotiation's version (``shared``), built afresh for
    previews."""
    return shared(negotiation, name, build, preview=user_may_preview(user))


def fragments_context(negotiation, user):
    """``fragments.context`` of the negotiation; None for previews, never cached."""
    return None if user_may_preview(user) else fragments.context(negotiation.slug)


def negotiation_context(request, negotiation, *, current, heading=""):
    """What every page of a negotiation shows: its parties, and its header and side
    column as HTML (``negotiation_header``)."""
    user = request.user
    links = dict(negotiation_paths(negotiation))
    links["embed_absolute"] = request.build_absolute_uri(links["embed"])
    links["site_origin"] = request.build_absolute_uri("/").rstrip("/")
    parties = negotiation_parties(negotiation, user)
    return {
        "negotiation": negotiation,
        "parties": parties,
        "record_edited": record_edited(negotiation),
        "links": links,
        "current": current,
        "preview": user_may_preview(user),
        "header": negotiation_header(
            negotiation, user, parties=parties, current=current, heading=heading
        ),
    }


def negotiation_parties(negotiation, user):
    return kept(negotiation, user, "parties", lambda: list(negotiation.parties.all()))


def negotiation_phases(negotiation, user):
    """The negotiation's phases (the timeline's eras)."""
    return kept(negotiation, user, "phases", lambda: list(negotiation.phases.all()))


def offered_actors(negotiation, user):
    """The actors the timeline's filter lists."""
    return kept(negotiation, user, "actors", lambda: actors_in(negotiation, user))


def negotiation_side(negotiation, user):
    """What the side column of a negotiation's pages reads (its latest key developments,
    its earlier states of play, what comes next), kept once for every page; actors' pages
    open with its latest key development."""

    def side():
        developments = key_developments(negotiation, user)
        return {
            "developments": developments,
            "last_updated": last_updated(developments),
            "earlier_states": state_of_play_history(negotiation),
            "upcoming": read_upcoming(negotiation, user, limit=SIDE_NEXT_LIMIT),
        }

    return kept(negotiation, user, "side", side)


def negotiation_header(negotiation, user, *, parties, current, heading=""):
    """The header and side column of one of the negotiation's pages as HTML, kept for
    every filter and cursor (``parties``: ``negotiation_parties``, which the page reads
    too)."""

    def header():
        parts = {
            "negotiation": negotiation,
            "parties": parties,
            "record_edited": record_edited(negotiation),
            "links": negotiation_paths(negotiation),
            "current": current,
            "heading": heading,
            **negotiation_side(negotiation, user),
        }
        return rendered("negotiations/parts.html#header", parts)

    name = f"header-{current}-{hashlib.sha256(heading.encode()).hexdigest()[:16]}"
    return kept(negotiation, user, name, header)


def amount_charts(negotiation, user):
    """The amounts pictures (one per currency) of the latest proposals with an amount."""
    proposals, more = amount_proposals(negotiation, user)
    return amounts(
        proposals,
        closed_statuses=ProposalStatus.closed(),
        status_labels=ProposalStatus.label_of,
        more=more,
    )


def timeline_panels(negotiation, user):
    """What the timeline shows alike on every page, filter and cursor (where things stand,
    the amounts pictures, the latest corrections) as HTML kept under the negotiation's
    version, and the phases its eras need."""
    links = negotiation_paths(negotiation)  # kept for every reader: no host in them

    def standing_panel():
        found = standing(negotiation, user)
        return rendered("negotiations/parts.html#standing", {"standing": found, "links": links})

    def amounts():
        # Also kept under the proposals drawn: a publication that changes none keeps them.
        return fragments.cached_whole(
            "amounts",
            amount_spine(negotiation, user),
            fragments_context(negotiation, user),
            lambda: rendered(
                "negotiations/timeline.html#amounts",
                {"amounts": amount_charts(negotiation, user), "negotiation": negotiation},
            ),
            fragments.until_midnight(),
        )

    def corrections():
        found, more = corrections_log(negotiation, user)
        return rendered(
            "negotiations/timeline.html#corrections",
            {"corrections": found, "more_corrections": more, "links": links},
        )

    return {
        "standing": kept(negotiation, user, "standing", standing_panel),
        "amounts": kept(negotiation, user, "amounts", amounts),
        "corrections": kept(negotiation, user, "corrections", corrections),
        "phases": negotiation_phases(negotiation, user),
    }


def timeline_parts(negotiation, user, query, *, phases, parties):
    """The timeline page ``query`` asks for, with its lanes picture and filter form as
    HTML, each kept under what it shows (``fragments.cached_whole``): the lanes under the
    page's entries and the parties, the form under the query it was bound to and the
    actors it offers (a select of hundreds of actors costs a template per option), until
    midnight."""
    context = fragments_context(negotiation, user)

    @functools.cache
    def actors():
        """The actors offered (``offered_actors``), and the one asked for if not among them."""
        offered = offered_actors(negotiation, user)
        chosen = query.get("actor", "").strip()
        if chosen and chosen not in {actor.slug for actor in offered}:
            return actors_in(negotiation, user, also=chosen)
        return offered

    form = TimelineFilterForm(query, actors=actors)
    filters = form.filters()
    filtering = bool(filters)
    cursor = Cursor.from_query(query)
    page = timeline_page(
        negotiation,
        user,
        filters=filters,
        cursor=cursor,
        phases=phases,
        order=form.order(),
        context=context,
    )

    def lanes():
        drawn = draw_lanes(
            page.entries(),
            parties,
            title=f"{negotiation.title}: who acted when",
            scope=None if page.complete else "page",
        )
        if drawn.is_empty:
            return ""
        return rendered(
            "negotiations/timeline.html#lanes", {"lanes": drawn, "filtering": filtering}
        )

    def filter_form():
        return rendered(
            "negotiations/timeline.html#filters",
            {"form": form, "links": negotiation_paths(negotiation), "filtering": filtering},
        )

    drawn_from = (
        page.spine,
        tuple((party.pk, party.name, party.affiliation_id) for party in parties),
        negotiation.title,
        page.complete,
        filtering,
    )
    bound = tuple((name, tuple(query.getlist(name))) for name in form.fields)
    # The actors as plain values: a tuple's repr is cheap, hundreds of dataclasses' are not.
    offered = tuple((actor.pk, actor.slug, actor.name) for actor in actors())
    return {
        "page": page,
        "cursor": cursor,
        "form": form,
        "filtering": filtering,
        "lanes": fragments.cached_whole("lanes", drawn_from, context, lanes),
        # The same on every page of a filter: kept as what the record decides.
        "filter_form": fragments.cached_whole(
            "filters", (bound, offered), context, filter_form, fragments.until_midnight()
        ),
    }


def latest_page(negotiation, user):
    """The timeline's latest page with no filter nor cursor, its lanes picture and filter
    form, kept where the ``timeline`` view looks: what the task worker builds after a
    publication (``caching.publication``)."""
    return timeline_parts(
        negotiation,
        user,
        QueryDict(),
        phases=negotiation_phases(negotiation, user),
        parties=negotiation_parties(negotiation, user),
    )["page"]


SCHEMA_TYPES = {
    Actor.Kind.PERSON: "Person",
    Actor.Kind.GOVERNMENT: "GovernmentOrganization",
    Actor.Kind.ORGANIZATION: "Organization",
    Actor.Kind.OTHER: "Thing",
}


def actor_jsonld(request, actor, *, brief=False):
    data = {
        "@type": SCHEMA_TYPES.get(actor.kind, "Thing"),
        "name": actor.name,
        "url": request.build_absolute_uri(actor.get_absolute_url()),
    }
    if actor.wikidata_id:
        data["sameAs"] = f"https://www.wikidata.org/wiki/{actor.wikidata_id}"
    if brief:
        return data
    data["@context"] = "https://schema.org"
    if actor.aliases:
        data["alternateName"] = actor.aliases
    if actor.title:
        data["jobTitle" if actor.kind == Actor.Kind.PERSON else "description"] = actor.title
    return data


def negotiation_page(view=None, *, preview=True):
    """A page (or file) of one negotiation: ``view(request, negotiation, **kwargs)`` builds
    it when no current copy answers (``reader_http.respond``); staff get a private preview
    unless ``preview=False`` (files that show published entries only)."""
    if view is None:
        return functools.partial(negotiation_page, preview=preview)

    @functools.wraps(view)
    def page(request, slug, **kwargs):
        negotiation = negotiation_for_reader(request, slug)
        return respond(
            request,
            lambda: view(request, negotiation, **kwargs),
            validators=negotiation_validators(negotiation, request),
            preview=preview and user_may_preview(request.user),
        )

    return read_only(page)


def render_negotiation_page(request, template, context, *, name, title, description, **meta):
    """Render a negotiation's page with its meta tags and JSON-LD (``name``)."""
    negotiation = context["negotiation"]
    parties = [actor_jsonld(request, party, brief=True) for party in context["parties"]]
    jsonld = {
        "@context": "https://schema.org",
        "@type": "WebPage",
        "name": name,
        "description": negotiation.summary,
        "url": request.build_absolute_uri(request.path),
        "dateModified": context["record_edited"].isoformat(),
        "inLanguage": "en",
        "isPartOf": {
            "@type": "WebSite",
            "name": SITE_NAME,
            "url": request.build_absolute_uri(reverse("negotiations:home")),
        },
        "about": {"@type": "Thing", "name": negotiation.title, "description": negotiation.summary},
        "mentions": parties,
    }
    context["meta"] = page_meta(
        request,
        title=f"{title} — {SITE_NAME}",
        description=description,
        jsonld=jsonld,
        **meta,
    )
    return render(request, template, context)


def site_page(request, build, *moments, count=False):
    """A page across negotiations: ``build()`` when no current copy answers
    (``reader_http.respond``), validated by every negotiation's reader version."""
    validators = site_validators(request, *moments, count=count)
    return respond(request, build, validators=validators, preview=user_may_preview(request.user))


@read_only
def home(request):
    def build():
        negotiations = negotiation_list(request.user)
        meta = page_meta(
            request,
            title=f"{SITE_NAME} — where negotiations stand, what changed, what comes next",
            description="A sourced, always-current record of long negotiations: where each "
            "stands now, what changed and what comes next, every claim with its source.",
            jsonld={
                "@context": "https://schema.org",
                "@type": "WebSite",
                "name": SITE_NAME,
                "url": request.build_absolute_uri(reverse("negotiations:home")),
            },
        )
        return render(
            request,
            "negotiations/home.html",
            {
                "meta": meta,
                "negotiations": negotiations,
                "preview": user_may_preview(request.user),
                "current_site": "home",
            },
        )

    return site_page(request, build, count=True)


@negotiation_page
def timeline(request, negotiation):
    context = negotiation_context(request, negotiation, current="timeline")
    panels = timeline_panels(negotiation, request.user)
    parts = timeline_parts(
        negotiation,
        request.user,
        request.GET,
        phases=panels["phases"],
        parties=context["parties"],
    )
    context.update(parts, panels=panels)
    return render_negotiation_page(
        request,
        "negotiations/timeline.html",
        context,
        name=f"{negotiation.title}: timeline",
        title=f"{negotiation.title} — timeline",
        description=negotiation.summary or f"The sourced timeline of {negotiation.title}.",
        og_type="article",
    )


@negotiation_page
def changes(request, negotiation):
    context = negotiation_context(request, negotiation, current="changes", heading="What changed")
    today = timezone.localdate()
    form = SinceForm(request.GET or None)
    since_day = form.day(today)
    context.update(
        form=form,
        since_day=since_day,
        # As typed when valid ("2025-02"), else the day shown.
        since_value=form.data.get("since", "").strip()
        if form.is_bound and form.is_valid() and form.data.get("since")
        else since_day.isoformat(),
        presets=[
            (label, (today - datetime.timedelta(days=days)).isoformat())
            for label, days in (("Last 7 days", 7), ("Last 30 days", 30), ("Last year", 365))
        ],
        page=changes_since(negotiation, request.user, since_day),
        limit=CHANGES_LIMIT,
    )
    return render_negotiation_page(
        request,
        "negotiations/changes.html",
        context,
        name=f"{negotiation.title}: what changed",
        title=f"What changed in {negotiation.title}",
        description=f"New entries, status changes and corrections in {negotiation.title} "
        "since a date you choose.",
    )


@negotiation_page
def coming_next(request, negotiation):
    user = request.user
    context = negotiation_context(request, negotiation, current="next", heading="What comes next")
    page = read_coming_next(
        negotiation,
        user,
        context=fragments_context(negotiation, user),
        stand=next_standing(negotiation, user),
    )
    context.update(page=page)
    return render_negotiation_page(
        request,
        "negotiations/next.html",
        context,
        name=f"{negotiation.title}: what comes next",
        title=f"What comes next in {negotiation.title}",
        description=f"Scheduled events, pending expectations and open proposals in "
        f"{negotiation.title}.",
    )


def next_standing(negotiation, user):
    """What "what comes next" lists besides its events (``standing``, ``NEXT_LIMIT`` of
    each), kept under the negotiation's version."""
    return kept(
        negotiation, user, "next-standing", lambda: standing(negotiation, user, limit=NEXT_LIMIT)
    )


@negotiation_page
def positions(request, negotiation):
    context = negotiation_context(request, negotiation, current="positions", heading="Positions")
    context.update(page=read_positions(negotiation, request.user))
    return render_negotiation_page(
        request,
        "negotiations/positions.html",
        context,
        name=f"{negotiation.title}: positions",
        title=f"Positions in {negotiation.title}",
        description=f"Who stands where on each proposal in {negotiation.title}: "
        "the latest stated stance, dated and sourced.",
    )


@negotiation_page
def proposal(request, negotiation, pk):
    cursor = Cursor.from_query(request.GET, entries=False)
    user = request.user
    page = proposal_page(
        negotiation, pk, user, cursor=cursor, context=fragments_context(negotiation, user)
    )
    facts = page.facts
    context = negotiation_context(request, negotiation, current="proposal", heading=facts.title)
    context.update(page=page, cursor=cursor)
    return render_negotiation_page(
        request,
        "negotiations/proposal.html",
        context,
        name=facts.title,
        title=f"{facts.title} — {negotiation.title}",
        description=facts.summary or f"A proposal in {negotiation.title}.",
        og_type="article",
    )


@negotiation_page
def corrections(request, negotiation):
    """Every correction of the negotiation, newest first, a page at a time."""
    context = negotiation_context(
        request, negotiation, current="corrections", heading="Corrections"
    )
    before = parse_id(request.GET.get("before"))
    found, more = corrections_log(negotiation, request.user, limit=CORRECTIONS_PAGE, before=before)
    context.update(corrections=found, more=more, paged=before is not None)
    return render_negotiation_page(
        request,
        "negotiations/corrections.html",
        context,
        name=f"{negotiation.title}: corrections",
        title=f"Corrections in {negotiation.title}",
        description=f"Every correction made to the record of {negotiation.title}, "
        "newest first, each with the entry it corrects.",
    )


@read_only
def actors(request):
    """Every actor readers meet, with the negotiations it takes part in."""

    def build():
        return render(
            request,
            "negotiations/actors.html",
            {
                "listings": actor_index(request.user),
                "preview": user_may_preview(request.user),
                "current_site": "actors",
                "meta": page_meta(
                    request,
                    title=f"Actors — {SITE_NAME}",
                    description="The governments, organisations and people in the "
                    "negotiations Parley follows, each with the negotiations they take part in.",
                ),
            },
        )

    return site_page(request, build)


@read_only
def actor(request, slug):
    person = get_object_or_404(Actor.objects.select_related("affiliation"), slug=slug)

    def build():
        page = actor_page(person, request.user)
        # Where each of its negotiations stands: its latest key development.
        stories = [
            (negotiation, negotiation_side(negotiation, request.user)["developments"][:1])
            for negotiation in page.negotiations
        ]
        description = person.title or f"What {person.name} said, proposed and expects."
        return render(
            request,
            "negotiations/actor.html",
            {
                "actor": person,
                "page": page,
                "stories": stories,
                "limit": ACTOR_SECTION,
                "preview": user_may_preview(request.user),
                "feed_url": reverse("negotiations:actor_feed", kwargs={"slug": person.slug}),
                "meta": page_meta(
                    request,
                    title=f"{person.name} — {SITE_NAME}",
                    description=f"{person.name}: {description} Statements, proposals and "
                    "stances over time, every one sourced.",
                    og_type="profile" if person.kind == Actor.Kind.PERSON else "website",
                    jsonld=actor_jsonld(request, person),
                ),
            },
        )

    return site_page(request, build, person.updated_at)


def _svg_response(markup):
    return HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + markup,
        content_type="image/svg+xml; charset=utf-8",
    )


@negotiation_page(preview=False)
def lanes_svg(request, negotiation):
    """The lanes picture of the timeline's latest page, alone: its entries as the page
    reads them (its keyset, then the cached fragments the worker builds)."""
    page = latest_page(negotiation, None)
    chart = draw_lanes(
        page.entries(),
        negotiation_parties(negotiation, None),
        title=f"{negotiation.title}: who acted when",
        id_prefix="lanes",
        scope=None if page.complete else "latest",
    )
    return _svg_response(chart.wide.svg)


@negotiation_page(preview=False)
def amounts_svg(request, negotiation):
    charts = amount_charts(negotiation, None)
    if not charts:
        return HttpResponse(status=404)
    return _svg_response(charts[0].wide.svg)


@xframe_options_exempt
@negotiation_page(preview=False)
def embed(request, negotiation):
    key_only = request.GET.get("key") == "1"
    developments = key_developments(negotiation, None)
    shown, earlier = embed_entries(negotiation, key_only=key_only, limit=EMBED_ENTRY_LIMIT)
    return render(
        request,
        "embed/timeline.html",
        {
            "negotiation": negotiation,
            "entries": shown,
            "earlier": earlier,
            "key_only": key_only,
            "developments": developments[:DEVELOPMENTS_ON_CARD],
            "last_updated": last_updated(developments),
            "record_edited": record_edited(negotiation),
            "full_url": request.build_absolute_uri(negotiation.get_absolute_url()),
            "meta": page_meta(
                request,
                title=f"{negotiation.title} — {SITE_NAME}",
                description=negotiation.summary,
                path=negotiation.get_absolute_url(),
            ),
        },
    )


@negotiation_page(preview=False)
def timelinejs_export(request, negotiation):
    """The TimelineJS data (served under /embed/, where other sites may read it)."""
    root = request.build_absolute_uri("/").rstrip("/")
    return JsonResponse(
        timelinejs(negotiation, negotiation_phases(negotiation, None), root=root),
        json_dumps_params={"ensure_ascii": False},
    )


@negotiation_page(preview=False)
def calendar(request, negotiation):
    response = HttpResponse(
        negotiation_calendar(negotiation, absolute=request.build_absolute_uri),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="{negotiation.slug}.ics"'
    return response
