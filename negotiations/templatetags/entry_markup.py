"""One timeline entry as HTML, written in Python: the markup of ``entries.html#entry``.

A page shows up to fifty entries, feeds and exports as many: through the template
engine each cost about half a millisecond (a node per tag, a URL reversed per link);
here a few string joins. The markup is the template's, kind by kind; every entered
word goes through ``escape`` (no ``mark_safe`` on anything a person typed).

Options, as in the template: ``compact`` (embeds), ``show_negotiation`` (actor pages),
``syndicated`` (feeds and exports: no permalink, no visually-hidden text).
"""

import functools
import html

from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from ..charts.svg import format_amount, format_amount_exact
from ..models import EntryType, ProposalStatus
from ..selectors import entry_url

_MARK = 4_611_686_018_427_400_249  # an id no slug contains: where a URL's id goes


def escape(value):
    """HTML-escape ``value`` (what ``django.utils.html.escape`` does: & < > " ' — at a
    fraction of its cost, which adds up over thousands of fields a page)."""
    return html.escape(str(value), quote=True)


def related(instance, name):
    """``instance.<name>.all()``, read from the prefetched rows without building a
    related manager per entry (the pages prefetch every relation they show)."""
    cache = getattr(instance, "_prefetched_objects_cache", None)
    if cache is not None and name in cache:
        return list(cache[name])
    return list(getattr(instance, name).all())


@functools.lru_cache(maxsize=4096)
def _actor_path(prefix, slug):
    return reverse("negotiations:actor", kwargs={"slug": slug})


@functools.lru_cache(maxsize=1024)
def _proposal_pattern(prefix, slug):
    path = reverse("negotiations:proposal", kwargs={"slug": slug, "pk": _MARK})
    head, tail = path.rsplit(str(_MARK), 1)
    return head, tail


@functools.lru_cache(maxsize=1024)
def _negotiation_path(prefix, slug):
    return reverse("negotiations:timeline", kwargs={"slug": slug})


def actor_url(actor):
    return _actor_path(get_script_prefix(), actor.slug)


def proposal_url(slug, pk):
    head, tail = _proposal_pattern(get_script_prefix(), slug)
    return f"{head}{int(pk)}{tail}"


def time_tag(date, *, reading=False):
    """``<time datetime="2025-02">February 2025</time>`` (a PartialDate); ``reading``:
    as a line starts, "Sometime in February 2025" (``PartialDate.reading``)."""
    shown = capfirst(date.reading) if reading else date.human
    return f'<time datetime="{escape(date.edtf)}">{escape(shown)}</time>'


def day(value):
    """A date or datetime as "23 February 2025" (the ``day`` filter)."""
    if hasattr(value, "date"):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return f"{value.day} {value:%B} {value.year}"


def actor_link(actor):
    return f'<a href="{escape(actor_url(actor))}">{escape(actor.name)}</a>'


def _closed(status):
    return " is-closed" if status in ProposalStatus.closed() else ""


def _status_label(status):
    return ProposalStatus(status).label if status else "No status recorded"


def render_entry(entry, *, compact=False, show_negotiation=False, syndicated=False):
    slug = entry.negotiation.slug
    kind_label = entry.get_entry_type_display()
    date = entry.date
    classes = f"entry kind-{escape(entry.entry_type)}"
    if entry.key:
        classes += " is-key"
    draft_label = getattr(entry, "draft_label", "")
    if draft_label:
        classes += " is-draft"
    out = [
        f'\n<article class="{classes}" id="entry-{int(entry.pk)}">\n  <p class="entry-meta">\n'
        f'    <span class="kind-label">{escape(kind_label)}</span>\n'
    ]
    if entry.key:
        out.append('    <span class="badge badge-key">Key entry</span>\n')
    if draft_label:
        out.append(f'    <span class="badge badge-draft">{escape(draft_label)}</span>\n')
    out.append(f'    <span class="entry-date">{time_tag(date, reading=True)}</span>\n')
    if show_negotiation:
        path = _negotiation_path(get_script_prefix(), slug)
        out.append(
            f'    <span class="entry-negotiation">in <a href="{escape(path)}">'
            f"{escape(entry.negotiation.title)}</a></span>\n"
        )
    if not compact and not syndicated:
        out.append(
            f'    <a class="permalink" href="{escape(entry_url(slug, entry.pk))}">Permalink'
            f'<span class="visually-hidden"> to this {escape(kind_label.lower())} of '
            f"{escape(date.human)}</span></a>\n"
        )
    out.append("  </p>\n")
    body = KINDS.get(entry.entry_type)
    if body is not None:
        out.append(body(entry, slug, compact=compact, syndicated=syndicated))
    out.append(render_sources(entry))
    if not compact:
        out.append(render_corrections(entry))
    out.append("</article>\n")
    return mark_safe("".join(out))


def _statement(entry, slug, *, compact, syndicated):
    item = entry.as_statement
    out = [f'\n<figure class="statement statement-{escape(item.kind)}">\n']
    if item.kind == "direct":
        out.append(f'  <blockquote class="quote"><p>“{escape(item.text)}”</p></blockquote>\n')
    elif item.kind == "document":
        out.append(f'  <blockquote class="quote"><p>{escape(item.text)}</p></blockquote>\n')
    else:
        out.append(f'  <p class="paraphrase">{escape(item.text)}</p>\n')
    title = f", {escape(item.actor.title)}" if item.actor.title and not compact else ""
    out.append(
        f'  <figcaption>\n    <span class="speaker">— {actor_link(item.actor)}{title}</span>\n'
        f'    <span class="statement-kind">{escape(item.get_kind_display())}</span>\n'
    )
    if item.context and not compact:
        out.append(f'    <span class="statement-context">{escape(item.context)}</span>\n')
    out.append("  </figcaption>\n</figure>\n")
    if item.original_text and not compact:
        out.append(
            '<details class="original"><summary>Original wording</summary>'
            f'<p lang="{escape(item.original_language or "und")}">'
            f"{escape(item.original_text)}</p></details>\n"
        )
    named = getattr(entry, "statement_proposal_visible", False)
    if item.stance and named:
        out.append(
            f'<p class="stance stance-{escape(item.stance)}"><span class="stance-label">'
            f"{escape(item.get_stance_display())}</span> "
            f'<a href="{escape(proposal_url(slug, item.proposal_id))}">'
            f"{escape(item.proposal.title)}</a></p>\n"
        )
    elif item.proposal_id and named and not compact:
        out.append(
            f'<p class="about">About <a href="{escape(proposal_url(slug, item.proposal_id))}">'
            f"{escape(item.proposal.title)}</a></p>\n"
        )
    return "".join(out)


def _proposal(entry, slug, *, compact, syndicated):
    item = entry.as_proposal
    out = [
        f'\n<p class="entry-title"><a href="{escape(proposal_url(slug, item.pk))}">'
        f"{escape(item.title)}</a></p>\n"
    ]
    if item.amount is not None:
        out.append(
            f'<p class="amount"><data value="{escape(localize(item.amount))}" '
            f'title="{escape(format_amount_exact(item.amount, item.currency))}">'
            f"{escape(format_amount(item.amount, item.currency))}</data></p>\n"
        )
    if item.proposed_by:
        by = f"Proposed by {actor_link(item.proposed_by)}"
    else:
        by = "Proposer not recorded"
    to = related(item, "addressed_to")
    if to:
        by += " to " + ", ".join(actor_link(actor) for actor in to)
    out.append(f'<p class="parties-line">\n  {by}\n</p>\n')
    if item.summary and not compact:
        out.append(f'<p class="summary">{escape(item.summary)}</p>\n')
    if item.supersedes_id and getattr(entry, "supersedes_visible", False) and not compact:
        out.append(
            f'<p class="relation">{escape(item.get_relation_display())} '
            f'<a href="{escape(proposal_url(slug, item.supersedes_id))}">'
            f"{escape(item.supersedes.title)}</a></p>\n"
        )
    current = getattr(entry, "current_status", None)
    out.append(
        f'<p class="current-status">Status now: <span class="status status-'
        f'{escape(current or "none")}{_closed(current)}">{escape(_status_label(current))}'
        "</span></p>\n"
    )
    return "".join(out)


def _status_change(entry, slug, *, compact, syndicated):
    item = entry.as_status_change
    out = [
        f'\n<p class="entry-title"><a href="{escape(proposal_url(slug, item.proposal_id))}">'
        f'{escape(item.proposal.title)}</a></p>\n<p class="status-change">\n  '
    ]
    previous = getattr(entry, "previous_status_label", None)
    if previous:
        arrow = (
            "→"
            if syndicated
            else '<span aria-hidden="true">→</span><span class="visually-hidden">changed to</span>'
        )
        out.append(f'<span class="status">{escape(previous)}</span> {arrow} ')
    elif not syndicated:
        out.append('<span class="visually-hidden">Status:</span>')
    out.append(
        f'<span class="status status-{escape(item.status)}{_closed(item.status)}">'
        f"{escape(item.get_status_display())}</span>\n</p>\n"
    )
    if item.actor:
        out.append(f'<p class="actor-line">By {actor_link(item.actor)}</p>\n')
    if item.note and not compact:
        out.append(f'<p class="note">{escape(item.note)}</p>\n')
    return "".join(out)


def _event(entry, slug, *, compact, syndicated):
    item = entry.as_event
    out = [f'\n<p class="entry-title">{escape(item.title)}</p>\n']
    named = item.kind != "other"
    scheduled = item.is_scheduled
    if named or scheduled:
        label = escape(item.get_kind_display()) if named else ""
        between = " · " if named and scheduled else ""
        flag = "<strong>Scheduled</strong>" if scheduled else ""
        out.append(f'<p class="event-kind">{label}{between}{flag}</p>\n')
    if item.description and not compact:
        out.append(f'<p class="description">{escape(item.description)}</p>\n')
    actors = related(item, "actors")
    if actors and not compact:
        names = ", ".join(actor_link(actor) for actor in actors)
        out.append(f'<p class="actor-line">With {names}</p>\n')
    return "".join(out)


def _expectation(entry, slug, *, compact, syndicated):
    item = entry.as_expectation
    out = [
        f'\n<p class="expectation">{actor_link(item.actor)} expects: '
        f'<span class="expectation-text">{escape(item.text)}</span></p>\n'
        '<p class="expectation-status">\n  '
    ]
    due = item.due_date
    if due:
        out.append(f"Due {time_tag(due)} · ")
    progress = item.progress
    out.append(f'<span class="outcome outcome-{escape(progress)}">{escape(progress.label)}</span>')
    if item.resolved_on:
        out.append(f" ({day(item.resolved_on)})")
    out.append("\n</p>\n")
    if item.resolution_note and not compact:
        out.append(f'<p class="note">{escape(item.resolution_note)}</p>\n')
    return "".join(out)


KINDS = {
    EntryType.STATEMENT: _statement,
    EntryType.PROPOSAL: _proposal,
    EntryType.STATUS_CHANGE: _status_change,
    EntryType.EVENT: _event,
    EntryType.EXPECTATION: _expectation,
}


def render_sources(entry):
    sources = related(entry, "sources")
    if not sources:
        return '\n<p class="sources sources-missing">No source yet.</p>\n'
    items = []
    for source in sources:
        item = (
            f'<li><a href="{escape(source.url)}" rel="external noopener">'
            f"{escape(source.title or source.url)}</a>"
        )
        if source.publisher:
            item += f', <span class="publisher">{escape(source.publisher)}</span>'
        if source.published_on:
            item += f", {day(source.published_on)}"
        items.append(item + "</li>")
    label = "Source" if len(sources) == 1 else "Sources"
    return (
        f'\n<div class="sources">\n  <span class="sources-label">{label}:</span>\n'
        f"  <ul>{''.join(items)}</ul>\n</div>\n"
    )


def render_corrections(entry):
    corrections = related(entry, "corrections")
    if not corrections:
        return ""
    items = "".join(
        f"<li>Corrected on {day(correction.made_at)}: {escape(correction.note)}</li>"
        for correction in corrections
    )
    return f'\n<ul class="corrections">{items}</ul>\n'
