"""Presentation helpers for the reader pages. No rules here: only wording and markup."""

import functools
import json

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from negotiations.dates import PartialDate
from negotiations.models import ProposalStatus
from negotiations.reader.charts.money import format_amount, format_amount_exact
from negotiations.reader.filters import Cursor
from negotiations.reader.selectors.queries import entry_url

register = template.Library()

_MARK = 4_611_686_018_427_400_249  # an id no slug contains: where a URL's id goes

# Characters that could end a <script> block or start markup, as in ``json_script``.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def money(proposal):
    """A proposal's amount as people say it: "$500 billion"."""
    return format_amount(proposal.amount, proposal.currency)


@register.filter
def money_exact(proposal):
    return format_amount_exact(proposal.amount, proposal.currency)


@register.simple_tag
def partial_date(date):
    """``<time datetime="2025-02">February 2025</time>`` for a PartialDate or a date."""
    if date is None:
        return ""
    if not isinstance(date, PartialDate):
        date = PartialDate.parse(date)
    return format_html('<time datetime="{}">{}</time>', date.edtf, date.human)


@register.simple_tag
def date_reading(date):
    """``<time datetime="2024">Sometime in 2024</time>``: a date that starts a line, as
    precise as it is known (``PartialDate.reading``)."""
    return format_html('<time datetime="{}">{}</time>', date.edtf, capfirst(date.reading))


@register.filter
def day(value):
    """A date or datetime as "23 February 2025"."""
    if value is None:
        return ""
    if hasattr(value, "date"):
        from django.utils import timezone

        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return f"{value.day} {value:%B} {value.year}"


@register.filter
def status_label(status):
    return ProposalStatus.label_of(status)


@register.filter
def is_closed(status):
    return ProposalStatus.is_closed(status)


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag
def jsonld(data):
    """schema.org metadata as a JSON-LD block (a data block: never executed)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


@register.simple_tag(takes_context=True)
def query_without(context, name):
    """The current query string without one parameter (to clear one filter)."""
    request = context["request"]
    params = [(k, v) for k, v in request.GET.items() if k != name and v]
    return "?" + urlencode(params) if params else "?"


@register.filter
def plural(count, words):
    """``{{ n|plural:"entry,entries" }}`` → "1 entry", "3 entries"."""
    one, many = words.split(",")
    return f"{count} {one if count == 1 else many}"


@register.simple_tag(takes_context=True)
def cursor_url(context, name=None, key=None):
    """This page's address with its filters and one cursor (``before``/``after`` a key),
    or none: the default page."""
    request = context["request"]
    params = [(k, v) for k, v in request.GET.items() if k not in Cursor.PARAMETERS and v]
    if name:
        params.append((name, str(key)))
    return "?" + urlencode(params) if params else request.path


@register.filter
def permalink(entry):
    """An entry's permanent address: the timeline page that starts with it."""
    return entry_url(entry.negotiation.slug, entry.pk)


@register.simple_tag
def entry_link(slug, pk):
    return entry_url(slug, pk)


@functools.lru_cache(maxsize=4096)
def _actor_path(prefix, slug):
    return reverse("negotiations:actor", kwargs={"slug": slug})


@functools.lru_cache(maxsize=1024)
def _proposal_pattern(prefix, slug):
    path = reverse("negotiations:proposal", kwargs={"slug": slug, "pk": _MARK})
    head, tail = path.rsplit(str(_MARK), 1)
    return head, tail


@register.filter
def actor_url(actor):
    return _actor_path(get_script_prefix(), actor.slug)


@register.simple_tag
def proposal_url(slug, pk):
    """A proposal page's address (``{% url %}`` reverses the whole pattern each time)."""
    head, tail = _proposal_pattern(get_script_prefix(), slug)
    return f"{head}{int(pk)}{tail}"
