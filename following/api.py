"""``/api/v1/webhooks/``: an API consumer's own webhook endpoints (any signed-in key;
each sees and changes only its own). The rules are in ``following.webhooks``."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from negotiations.api.parameters import QueryParametersMixin
from negotiations.models import Actor, Negotiation, Proposal

from . import webhooks
from .models import WebhookDelivery, WebhookEndpoint

DELIVERIES_SHOWN = 50


class WebhookSerializer(serializers.ModelSerializer):
    negotiation = serializers.PrimaryKeyRelatedField(
        queryset=Negotiation.objects.all(), required=False, allow_null=True
    )
    actor = serializers.PrimaryKeyRelatedField(
        queryset=Actor.objects.all(), required=False, allow_null=True
    )
    proposal = serializers.PrimaryKeyRelatedField(
        queryset=Proposal.objects.published(), required=False, allow_null=True
    )
    enabled = serializers.BooleanField(
        required=False, help_text="False once disabled (3 days of failures); true re-enables it."
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "negotiation",
            "actor",
            "proposal",
            "enabled",
            "failing_since",
            "created_at",
        ]
        read_only_fields = ["id", "failing_since", "created_at"]

    def to_representation(self, endpoint):
        data = super().to_representation(endpoint)
        data["enabled"] = endpoint.disabled_at is None
        return data

    def validate_url(self, url):
        try:
            webhooks.check_url(url)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return url

    def validate(self, data):
        targets = ("negotiation", "actor", "proposal")
        current = {name: getattr(self.instance, name, None) for name in targets}
        merged = {**current, **{name: data[name] for name in targets if name in data}}
        if sum(1 for value in merged.values() if value is not None) > 1:
            raise serializers.ValidationError(
                {"non_field_errors": ["Follow one negotiation, actor or proposal, or none."]}
            )
        return data

    def create(self, data):
        data.pop("enabled", None)
        return WebhookEndpoint.objects.create(owner=self.context["request"].user, **data)

    def update(self, endpoint, data):
        enabled = data.pop("enabled", None)
        endpoint = super().update(endpoint, data)
        if enabled is not None and enabled != (endpoint.disabled_at is None):
            webhooks.set_enabled(endpoint, enabled)
        return endpoint


class WebhookSecretSerializer(WebhookSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once: keep it.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "msg_id",
            "type",
            "status",
            "attempts",
            "created_at",
            "last_attempt_at",
            "response_code",
            "error",
            "next_attempt_at",
        ]


@extend_schema_view(
    list=extend_schema(summary="Your webhook endpoints"),
    create=extend_schema(
        summary="Register a webhook endpoint",
        responses={201: WebhookSecretSerializer},
        description="`url` (https, a public address) and what to follow: `negotiation`, "
        "`actor` or `proposal` (ids), or none for everything. The answer carries the "
        "signing `secret` (`whsec_…`), shown this once.",
    ),
    retrieve=extend_schema(summary="One of your webhook endpoints"),
    partial_update=extend_schema(summary="Change a webhook endpoint (or re-enable it)"),
    update=extend_schema(summary="Replace a webhook endpoint"),
    destroy=extend_schema(summary="Delete a webhook endpoint"),
)
class WebhookViewSet(QueryParametersMixin, viewsets.ModelViewSet):
    """Signed deliveries (Standard Webhooks) of the reader events you follow."""

    serializer_class = WebhookSerializer
    queryset = WebhookEndpoint.objects.none()  # for the schema; each key's own: get_queryset
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookEndpoint.objects.none()
        return WebhookEndpoint.objects.filter(owner=self.request.user).order_by("pk")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = serializer.save()
        return Response(WebhookSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Send a test delivery", request=None, responses={202: DeliverySerializer}
    )
    @action(detail=True, methods=["post"])
    def ping(self, request, pk=None):
        delivery = webhooks.ping(self.get_object())
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Rotate the signing secret",
        description="A new secret, shown once; the old one keeps signing alongside for 24 hours.",
        request=None,
        responses={200: WebhookSecretSerializer},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = webhooks.rotate_secret(self.get_object())
        return Response(WebhookSecretSerializer(endpoint).data)

    @extend_schema(summary="The latest deliveries", responses={200: DeliverySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        endpoint = self.get_object()
        latest = endpoint.deliveries.order_by("-pk")[:DELIVERIES_SHOWN]
        return Response(DeliverySerializer(latest, many=True).data)
