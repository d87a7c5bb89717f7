"""The negotiation record.

One timeline spine: every dated item of a negotiation is an ``Entry`` row
(negotiation, date and precision, order within the day, publication, sources,
version) and each kind adds its own fields in a one-to-one child table (Django
multi-table inheritance). The timeline is therefore one indexed query over
``Entry``.

Derived state is never stored twice: a proposal's current status is read from
its latest status change (``EntryQuerySet.with_status``). Writes go through
``negotiations.domain``.
"""

import zoneinfo

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator, URLValidator
from django.db import models, router
from django.utils import timezone
from simple_history.models import HistoricalRecords

from negotiations.models.checks import UNREAD, violated

TITLE_MAX = 200
TEXT_MAX = 10_000


def validate_country(value):
    if value and (not value.isupper() or pycountry.countries.get(alpha_2=value) is None):
        raise ValidationError(
            f'"{value}" is not an ISO 3166-1 alpha-2 country code (e.g. "UA", "US").',
            code="invalid_country",
        )


def validate_currency(value):
    if value and (not value.isupper() or pycountry.currencies.get(alpha_3=value) is None):
        raise ValidationError(
            f'"{value}" is not an ISO 4217 currency code (e.g. "USD", "EUR").',
            code="invalid_currency",
        )


def validate_language(value):
    if value and (not value.islower() or pycountry.languages.get(alpha_2=value) is None):
        raise ValidationError(
            f'"{value}" is not an ISO 639-1 language code (e.g. "uk", "en").',
            code="invalid_language",
        )


# The IANA regions ("Europe/Kyiv") and its fixed offsets ("Etc/GMT-3"). The system's
# zone folder also holds "localtime", "posixrules", "Factory", "posix/…", "right/…" and
# old aliases ("GB", "US/Eastern"), which zoneinfo lists too: none is a region's name.
IANA_AREAS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
    "Etc",
)


def validate_timezone(value):
    area, _, place = value.partition("/")
    proper = value == "UTC" or (area in IANA_AREAS and place)
    if value and not (proper and value in zoneinfo.available_timezones()):
        raise ValidationError(
            f'"{value}" is not an IANA time zone (e.g. "Europe/Kyiv").', code="invalid_timezone"
        )


def validate_aliases(value):
    if not isinstance(value, list) or not all(isinstance(a, str) and a.strip() for a in value):
        raise ValidationError("Aliases must be a list of names.", code="invalid_aliases")
    if any(len(alias) > TITLE_MAX for alias in value):
        raise ValidationError(
            f"Each alias may have at most {TITLE_MAX} characters.", code="invalid_aliases"
        )


http_url_validator = URLValidator(
    schemes=["http", "https"], message="Enter a web address starting with http:// or https://."
)
wikidata_validator = RegexValidator(
    r"^Q[1-9]\d*$", 'A Wikidata id is "Q" followed by digits, e.g. "Q3881".'
)


class WebAddressField(models.URLField):
    """A URL that readers can follow: http and https only (never javascript: or data:)."""

    default_validators = [http_url_validator]


def long_text(*args, **kwargs):
    return models.TextField(*args, validators=[MaxLengthValidator(TEXT_MAX)], **kwargs)


class RelatedIdsHistory(models.Model):
    """Base of every historical model: the many-to-many ids as they were at that version.

    One history row per save, relations included, so any version can be restored
    whole (see ``negotiations.signals``).
    """

    related_ids = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        abstract = True


def tracked_history(**options):
    return HistoricalRecords(bases=[RelatedIdsHistory], **options)


def entry_history():
    # Derived from the other fields (and, for ``live_since`` and ``shown_version``, set by
    # reader events): not worth a copy per version.
    return tracked_history(
        excluded_fields=["search_text", "search_vector", "live_since", "shown_version"]
    )


class TrackedModel(models.Model):
    """Timestamps and the version that guards against lost edits (admin and If-Match)."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        """Django's, without asking the database whether a related row this instance
        holds, read from the database, exists (one query per foreign key): the row was
        just read, and the database's foreign key stays the guard."""
        exclude = set(exclude or ())
        held = {
            field.name
            for field in self._meta.concrete_fields
            if field.many_to_one and field.name not in exclude and _holds_stored(self, field)
        }
        super().clean_fields(exclude=exclude | held)

    def validate_constraints(self, exclude=None):
        """Django's, but a check constraint on the row's own columns is decided in Python
        (``negotiations.models.checks``) instead of by a query and a savepoint each."""
        exclude = set(exclude or ())
        using = router.db_for_write(type(self), instance=self)
        errors = {}
        for model_class, constraints in self.get_constraints():
            for constraint in constraints:
                try:
                    _validate(constraint, model_class, self, exclude=exclude, using=using)
                except ValidationError as error:
                    fields = getattr(constraint, "fields", ())
                    if getattr(error, "code", None) == "unique" and len(fields) == 1:
                        errors.setdefault(fields[0], []).append(error)
                    else:
                        errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


def _holds_stored(instance, field):
    if not field.is_cached(instance) or field.get_limit_choices_to():
        return False
    related = field.get_cached_value(instance)
    return (
        related is not None
        and not related._state.adding
        and related.pk is not None
        and getattr(related, field.target_field.attname) == getattr(instance, field.attname)
    )


def _validate(constraint, model, instance, *, exclude, using):
    if not isinstance(constraint, models.CheckConstraint):
        constraint.validate(model, instance, exclude=exclude, using=using)
        return
    names = constraint.condition.referenced_base_fields
    if any(name in exclude or (name == "pk" and model._meta.pk.name in exclude) for name in names):
        return  # as Django: a field that failed its own validation is not checked again
    refused = violated(constraint.condition, instance)
    if refused is UNREAD:
        constraint.validate(model, instance, exclude=exclude, using=using)
    elif refused:
        raise ValidationError(
            constraint.get_violation_error_message(), code=constraint.violation_error_code
        )
