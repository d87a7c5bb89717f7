"""Query parameters: each endpoint accepts the ones its schema documents, and no other.

A misspelt filter is a 400 that lists what the endpoint accepts, not a silent
"everything". The accepted names come from what the endpoint is made of — its
filterset, ordering and search backends and its pagination when it lists; ``format``
everywhere — so the check, the schema and the error agree by construction.
"""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

from negotiations.api.expand import expand_parameter

FORMAT = OpenApiParameter(
    api_settings.URL_FORMAT_OVERRIDE,
    enum=["json"],
    description='The response format: "json" (the default; "api" is the browsable HTML '
    "API, for people).",
)


class ApiSchema(AutoSchema):
    """The schema of an API endpoint: its own parameters, ``format`` and ``expand``."""

    def get_override_parameters(self):
        return [*super().get_override_parameters(), FORMAT, *expand_parameter(self.view)]


class QueryParametersMixin:
    """For every API view: a query parameter it does not accept is a 400."""

    schema = ApiSchema()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        accepted = self.accepted_query_parameters()
        unknown = sorted(set(request.query_params) - accepted)
        if unknown:
            listed = ", ".join(sorted(accepted))
            message = f"Unknown query parameter. This endpoint accepts: {listed}."
            raise ValidationError({name: [message] for name in unknown})

    def accepted_query_parameters(self):
        accepted = {api_settings.URL_FORMAT_OVERRIDE}
        if self.lists():
            accepted |= self.list_parameters()
        return accepted

    def lists(self):
        """A list (filtered, ordered, paginated): the ``list`` action, or an action with
        its own pagination (a negotiation's timeline)."""
        action = getattr(self, "action", None)
        handler = getattr(self, action or "", None)
        return action == "list" or "pagination_class" in getattr(handler, "kwargs", {})

    def list_parameters(self):
        names = set()
        for backend_class in self.filter_backends:
            backend = backend_class()
            if isinstance(backend, DjangoFilterBackend):
                # A declared filterset names its filters without the queryset (which costs
                # building the visibility rule); only ``filterset_fields`` need it.
                declared = getattr(self, "filterset_class", None)
                filterset = declared or backend.get_filterset_class(self, self.get_queryset())
                names |= set(filterset.base_filters) if filterset else set()
            else:
                names |= {p["name"] for p in backend.get_schema_operation_parameters(self)}
        if self.paginator is not None:
            names |= {p["name"] for p in self.paginator.get_schema_operation_parameters(self)}
        return names
