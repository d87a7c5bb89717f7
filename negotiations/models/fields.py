"""The negotiation record.

One timeline spine: every dated item of a negotiation is an ``Entry`` row
(negotiation, date and precision, order within the day, publication, sources,
version) and each kind adds its own fields in a one-to-one child table (Django
multi-table inheritance). The timeline is therefore one indexed query over
``Entry``.

Derived state is never stored twice: a proposal's current status is read from
its latest status change (``ProposalQuerySet.with_status``). Writes go through
``negotiations.domain``.
"""

import zoneinfo

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator, URLValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

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
