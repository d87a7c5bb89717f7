"""Errors of the domain, said in HTTP: 400 field-keyed, 403, 409, 412, 413 and 428."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from negotiations.domain.conflicts import ConflictError


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since you read it: nothing was saved."
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "This write needs a precondition: send If-Match with the ETag you read, or the "
        'record\'s version in the body ("version": N). Nothing was saved.'
    )
    default_code = "precondition_required"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than the 1 MB this API accepts."
    default_code = "payload_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Other records still refer to this one."
    default_code = "conflict"


def exception_handler(exc, context):
    """DRF's handler, taught the domain's exceptions (and to roll the request back)."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, ConflictError):
        exc = PreconditionFailed(str(exc))
    elif isinstance(exc, DjangoPermissionDenied) and exc.args:
        # The domain says why (e.g. "Only editors can publish entries."): keep it.
        exc = exceptions.PermissionDenied(str(exc))
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = Conflict(_protected_message(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    return drf_exception_handler(exc, context)


def _protected_message(exc):
    objects = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", ())
    blockers = sorted({f"{obj._meta.verbose_name} {obj.pk}" for obj in list(objects)[:5]})
    listed = ", ".join(blockers)
    return f"Other records still refer to this one ({listed}): change or delete them first."
