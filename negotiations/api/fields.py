from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from negotiations.dates import PARTIAL_DATE_HELP, PartialDate
from negotiations.numbers import NOT_ASCII, parse_id, written_in_ascii


def is_possible_id(value):
    """An id in the 64-bit range, written with the digits 0–9 (``negotiations.numbers``)."""
    return parse_id(value) is not None


EDTF_SCHEMA = {
    "type": "string",
    "pattern": "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$",
    "example": "2025-02",
    "description": 'EDTF level 0, of its own precision: "2025", "2025-02" or "2025-02-23".',
}


@extend_schema_field(EDTF_SCHEMA)
class PartialDateField(serializers.Field):
    """A date known to the year, month or day, as an EDTF string (``negotiations.dates``)."""

    default_error_messages = {"invalid": PARTIAL_DATE_HELP}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return PartialDate.parse(data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None

    def to_representation(self, value):
        return value.edtf


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference by id; an id out of range is unknown, like any other. A float (1.5,
    even 1.0) or digits of another script ("٥") are no id: Django would read them as 1
    and 5."""

    def to_internal_value(self, data):
        if not written_in_ascii(data):
            raise serializers.ValidationError(NOT_ASCII, code="not_ascii")
        if isinstance(data, float):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, int | str) and not isinstance(data, bool) and not is_possible_id(data):
            if isinstance(data, str) and not data.strip().lstrip("-").isdigit():
                self.fail("incorrect_type", data_type=type(data).__name__)
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class DecimalField(serializers.DecimalField):
    """DRF's, refusing digits of other scripts ("٣" would be stored as 3)."""

    def to_internal_value(self, data):
        if not written_in_ascii(data):
            raise serializers.ValidationError(NOT_ASCII, code="not_ascii")
        return super().to_internal_value(data)
