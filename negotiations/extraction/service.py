"""The extractor against the record: suggestions from the database's actors and the
negotiation's proposals, and the accept path that turns reviewed suggestions into
drafts (or entries ready for review) citing the article, in one transaction, through
``negotiations.domain``. Nothing here publishes.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from negotiations.dates import PartialDate
from negotiations.domain.entries import save_entry
from negotiations.domain.records import get_or_create_source, save_record
from negotiations.extraction.hints import KnownProposal
from negotiations.extraction.mentions import KnownActor
from negotiations.extraction.pipeline import extract
from negotiations.models import (
    Actor,
    Expectation,
    Proposal,
    PublicationState,
    Statement,
    StatusChange,
)

ACCEPT_STATES = (PublicationState.DRAFT, PublicationState.REVIEW)


def known_actors():
    rows = Actor.objects.values_list("pk", "name", "kind", "title", "aliases", "country")
    return [
        KnownActor(
            pk, name, kind, title, tuple(a for a in aliases or () if isinstance(a, str)), country
        )
        for pk, name, kind, title, aliases, country in rows
    ]


def known_proposals(negotiation):
    rows = Proposal.objects.filter(negotiation=negotiation).order_by("date_start", "sequence", "pk")
    return [
        KnownProposal(pk, title, amount, currency)
        for pk, title, amount, currency in rows.values_list("pk", "title", "amount", "currency")
    ]


def suggest(*, negotiation, published, text="", html=""):
    """Suggestions for an article of ``negotiation`` (``text``, or ``html`` reduced to text).

    Raises ``text.InputError`` for what is not an article.
    """
    return extract(
        html or text,
        published=published,
        actors=known_actors(),
        proposals=known_proposals(negotiation),
        is_html=bool(html),
    )


@dataclass
class Article:
    url: str
    title: str = ""
    publisher: str = ""
    published: object = None  # a date


@dataclass
class Accepted:
    source: object
    entries: list = field(default_factory=list)
    actors_created: list = field(default_factory=list)


class RefusedSuggestions(Exception):
    """Some accepted suggestions were refused by the domain; nothing was written.

    ``errors`` maps (group, index) to the domain's field-keyed messages.
    """

    def __init__(self, errors):
        super().__init__("Some suggestions were refused; nothing was saved.")
        self.errors = errors


MODELS = {
    "statements": Statement,
    "proposals": Proposal,
    "status_changes": StatusChange,
    "expectations": Expectation,
}


def _check_rights(user, groups):
    needed = [
        f"negotiations.add_{MODELS[name]._meta.model_name}"
        for name, items in groups.items()
        if items
    ]
    if any(not user.has_perm(permission) for permission in needed):
        raise PermissionDenied("Your role may not add these kinds of entries.")


def _unique_slug(name):
    base = slugify(name)[:180] or "actor"
    slug, number = base, 2
    while Actor.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


class _Speakers:
    """Actors by id or, for a new one, by name: one row per name within an accept."""

    def __init__(self, by):
        self.by = by
        self.created = []

    def get(self, actor, name, *, kind=Actor.Kind.PERSON):
        if actor is not None:
            return actor
        name = " ".join((name or "").split())
        if not name:
            return None
        existing = Actor.objects.filter(name__iexact=name).order_by("pk").first()
        if existing is not None:
            return existing
        if not self.by.has_perm("negotiations.add_actor"):
            raise PermissionDenied("Your role may not add actors.")
        actor = save_record(Actor(name=name, slug=_unique_slug(name), kind=kind), by=self.by)
        self.created.append(actor)
        return actor


def _date(value):
    return value if isinstance(value, PartialDate) else PartialDate.parse(value)


def _build(group, item, *, negotiation, speakers):
    """An unsaved entry of the kind ``group`` names, from one reviewed suggestion."""
    if group == "statements":
        actor = speakers.get(item.get("actor"), item.get("speaker_name"))
        if actor is None:
            raise ValidationError({"speaker_name": ["Choose the speaker or name a new one."]})
        entry = Statement(
            negotiation=negotiation,
            actor=actor,
            text=item.get("text", ""),
            kind=item.get("kind") or Statement.Kind.DIRECT,
            context=item.get("context", ""),
            proposal=item.get("proposal"),
        )
    elif group == "proposals":
        entry = Proposal(
            negotiation=negotiation,
            title=item.get("title", ""),
            summary=item.get("summary", ""),
            amount=item.get("amount"),
            currency=item.get("currency", ""),
            proposed_by=speakers.get(item.get("proposed_by"), item.get("proposed_by_name")),
        )
    elif group == "status_changes":
        entry = StatusChange(
            negotiation=negotiation,
            proposal=item.get("proposal"),
            status=item.get("status", ""),
            actor=speakers.get(item.get("actor"), item.get("speaker_name")),
            note=item.get("note", ""),
        )
        if entry.proposal is None:
            raise ValidationError({"proposal": ["Choose the proposal whose status changed."]})
    else:
        actor = speakers.get(item.get("actor"), item.get("speaker_name"))
        if actor is None:
            raise ValidationError({"speaker_name": ["Choose who expects it or name a new actor."]})
        entry = Expectation(negotiation=negotiation, actor=actor, text=item.get("text", ""))
        due = item.get("due_date")
        entry.due_date = _date(due) if due else None
    entry.date = _date(item.get("date"))
    return entry


def accept(*, negotiation, article, by, state=PublicationState.DRAFT, **groups):
    """Save the accepted suggestions as drafts (or ready for review) citing the article.

    ``groups`` are lists of dicts by kind: ``statements`` (text, kind, actor or
    speaker_name, date, proposal, context), ``proposals`` (title, amount, currency,
    date, proposed_by, summary), ``status_changes`` (proposal, status, date, actor,
    note) and ``expectations`` (actor or speaker_name, text, date, due_date). Dates
    are partial dates ("2025-02"). One transaction: the source, new actors and every
    entry are written together, or, when any is refused, nothing is
    (``RefusedSuggestions`` says which and why).
    """
    if state not in ACCEPT_STATES:
        raise ValidationError(
            {
                "state": [
                    "Suggestions become drafts or entries ready for review; editors publish them."
                ]
            }
        )
    unknown = set(groups) - set(MODELS)
    if unknown:
        raise TypeError(f"Unknown kinds of suggestion: {sorted(unknown)}")
    _check_rights(by, groups)
    speakers = _Speakers(by)
    errors = {}
    with transaction.atomic():
        source = get_or_create_source(
            url=article.url,
            by=by,
            title=article.title or "",
            publisher=article.publisher or "",
            published_on=article.published,
        )
        saved = []
        for group, items in groups.items():
            for index, item in enumerate(items or []):
                try:
                    with transaction.atomic():
                        entry = _build(group, item, negotiation=negotiation, speakers=speakers)
                        entry.state = state
                        saved.append(save_entry(entry, by=by, sources=[source]))
                except ValidationError as error:
                    errors[(group, index)] = (
                        error.message_dict
                        if hasattr(error, "error_dict")
                        else {"__all__": error.messages}
                    )
        if errors:
            raise RefusedSuggestions(errors)
    return Accepted(source, saved, speakers.created)
