"""Quick add: one form that logs an entry, its source and a new speaker at once."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from negotiations.dates import PartialDate
from negotiations.domain.entries import save_entry
from negotiations.domain.records import get_or_create_source, save_record
from negotiations.models import (
    Actor,
    EntryType,
    Event,
    Expectation,
    Proposal,
    PublicationState,
    Statement,
    StatusChange,
)

QUICK_ADD_KINDS = {
    EntryType.STATEMENT: Statement,
    EntryType.STATUS_CHANGE: StatusChange,
    EntryType.EVENT: Event,
    EntryType.PROPOSAL: Proposal,
    EntryType.EXPECTATION: Expectation,
}


# Which quick-add argument a model field's error belongs to.
_QUICK_ADD_ERROR_KEYS = {
    "actor": "speaker",
    "actors": "speaker",
    "proposed_by": "speaker",
    "note": "text",
    "description": "text",
    "summary": "text",
    "date_start": "date",
    "date_precision": "date",
    "due_date_start": "due_date",
    "due_date_precision": "due_date",
    "sources": "source_url",
}


_QUICK_ADD_KIND_KEYS = {Statement: "statement_kind", Event: "event_kind"}


_NEW_SPEAKER_KEYS = {"name": "new_speaker_name", "slug": "new_speaker_name"}


_KNOWN_SPEAKER = "“{name}” is already in the record: choose them as the speaker."


def _unique_actor_slug(name):
    base = slugify(name)[:180] or "actor"
    slug, number = base, 2
    while Actor.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def _create_new_speaker(new_speaker, *, by):
    """A speaker added inline. When another journalist adds one with the same slug at
    the same moment, the insert that loses gets the answer a known name gets (the same
    name), or the next free slug (another name)."""
    name = new_speaker["name"].strip()
    for _attempt in range(3):
        actor = Actor(
            name=name,
            slug=_unique_actor_slug(name),
            kind=new_speaker.get("kind") or Actor.Kind.PERSON,
            affiliation=new_speaker.get("affiliation"),
        )
        try:
            with transaction.atomic():
                return save_record(actor, by=by)
        except (IntegrityError, ValidationError) as error:
            taken = isinstance(error, IntegrityError) or set(getattr(error, "error_dict", {})) == {
                "slug"
            }
            if not taken:
                raise _remapped(
                    error,
                    {
                        **_NEW_SPEAKER_KEYS,
                        "kind": "new_speaker_kind",
                        "affiliation": "new_speaker_affiliation",
                    },
                ) from None
            if Actor.objects.filter(name__iexact=name).exists():
                raise ValidationError(
                    {"new_speaker_name": [_KNOWN_SPEAKER.format(name=name)]}
                ) from None
    raise ValidationError({"new_speaker_name": ["Others are adding actors right now: save again."]})


def _a(model):
    name = model._meta.verbose_name
    return f"{'An' if name[0] in 'aeiou' else 'A'} {name}"


def _quick_add_errors(model, *, negotiation, speaker, new_speaker, proposal, status, title):
    """What is missing for this kind, keyed by the quick-add arguments."""
    errors = {}
    name = (new_speaker or {}).get("name", "").strip()
    if model is None:
        errors["kind"] = [
            "Choose what happened: a statement, a status change, an event, a "
            "proposal or an expectation."
        ]
    if speaker is not None and name:
        errors["new_speaker_name"] = ["Choose a known speaker or name a new one, not both."]
    elif not name and (new_speaker or {}).get("affiliation") is not None:
        errors["new_speaker_name"] = ["Name the new speaker, or leave the affiliation empty."]
    elif name and Actor.objects.filter(name__iexact=name).exists():
        errors["new_speaker_name"] = [_KNOWN_SPEAKER.format(name=name)]
    if model in (Statement, Expectation) and speaker is None and not name:
        errors["speaker"] = [f"{_a(model)} needs its speaker: choose one, or name a new one."]
    if model is not StatusChange and model is not None and negotiation is None:
        errors["negotiation"] = [
            f"Choose the negotiation the {model._meta.verbose_name} belongs to."
        ]
    if model is StatusChange and proposal is None:
        errors["proposal"] = ["A status change needs the proposal whose status changed."]
    if model is StatusChange and not status:
        errors["status"] = ["Choose the proposal's new status."]
    if model in (Event, Proposal) and not (title or "").strip():
        errors["title"] = [f"{_a(model)} needs a title."]
    return errors


def _quick_add_entry(model, *, negotiation, speaker, text, **given):
    """The unsaved entry of this kind, from the quick-add arguments."""
    if model is Statement:
        return Statement(
            negotiation=negotiation,
            actor=speaker,
            text=text,
            kind=given["statement_kind"],
            proposal=given["proposal"],
            stance=given["stance"] or "",
        )
    if model is StatusChange:
        proposal = given["proposal"]
        return StatusChange(
            negotiation=negotiation or proposal.negotiation,
            proposal=proposal,
            status=given["status"],
            actor=speaker,
            note=text,
        )
    if model is Event:
        return Event(
            negotiation=negotiation,
            title=given["title"],
            kind=given["event_kind"] or Event.Kind.OTHER,
            description=text,
        )
    if model is Proposal:
        return Proposal(
            negotiation=negotiation,
            title=given["title"],
            summary=text,
            proposed_by=speaker,
            amount=given["amount"],
            currency=(given["currency"] or "").upper(),
        )
    expectation = Expectation(negotiation=negotiation, actor=speaker, text=text)
    expectation.due_date = given["due_date"]
    return expectation


def _remapped(error, keys):
    remapped = {}
    for field, messages in error.message_dict.items():
        remapped.setdefault(keys.get(field, field), []).extend(messages)
    return ValidationError(remapped)


def quick_add(
    *,
    kind,
    source_url,
    date,
    by,
    negotiation=None,
    speaker=None,
    new_speaker=None,
    text="",
    title="",
    proposal=None,
    status="",
    stance="",
    statement_kind=Statement.Kind.DIRECT,
    event_kind=Event.Kind.OTHER,
    amount=None,
    currency="",
    due_date=None,
    state=PublicationState.DRAFT,
    source_title="",
    source_publisher="",
    source_published_on=None,
):
    """Log an entry of any kind citing a source URL, in one transaction.

    The source is reused when its URL is known (its publisher and date fill only its
    blanks) and created otherwise. ``new_speaker`` (``{"name", "kind", "affiliation"}``)
    creates the speaker as a new actor; a name already in the record is refused, so
    nobody is logged twice. If the entry is refused, neither the new source nor the new
    actor is kept. Errors are keyed by the argument that caused them (``speaker``,
    ``text``, ``source_url``, ``new_speaker_name``, …).
    """
    model = QUICK_ADD_KINDS.get(kind)
    errors = _quick_add_errors(
        model,
        negotiation=negotiation,
        speaker=speaker,
        new_speaker=new_speaker,
        proposal=proposal,
        status=status,
        title=title,
    )
    if not (source_url or "").strip():
        errors["source_url"] = ["Give the address of the source."]
    try:
        partial_date = PartialDate.parse(date)
    except ValidationError as error:
        errors["date"] = error.messages
    if errors:
        raise ValidationError(errors)

    keys = {**_QUICK_ADD_ERROR_KEYS, "kind": _QUICK_ADD_KIND_KEYS.get(model, "kind")}
    with transaction.atomic():
        if new_speaker and new_speaker.get("name", "").strip():
            speaker = _create_new_speaker(new_speaker, by=by)
        entry = _quick_add_entry(
            model,
            negotiation=negotiation,
            speaker=speaker,
            text=text or "",
            title=title or "",
            proposal=proposal,
            status=status,
            stance=stance,
            statement_kind=statement_kind,
            event_kind=event_kind,
            amount=amount,
            currency=currency,
            due_date=due_date,
        )
        entry.date = partial_date
        entry.state = state
        details = {
            "title": source_title or "",
            "publisher": source_publisher or "",
            "published_on": source_published_on,
        }
        try:
            source = get_or_create_source(url=source_url, by=by, **details)
        except ValidationError as error:
            raise _remapped(
                error,
                {
                    "url": "source_url",
                    "title": "source_title",
                    "publisher": "source_publisher",
                    "published_on": "source_published_on",
                },
            ) from None
        m2m = {"actors": [speaker]} if model is Event and speaker is not None else None
        try:
            return save_entry(entry, by=by, sources=[source], m2m=m2m)
        except ValidationError as error:
            raise _remapped(error, keys) from None
