"""Editors issue API consumer keys here (or ``manage.py create_api_key NAME``); the
key is shown once, in the message after saving. Followers' addresses are not listed:
nothing here needs them."""

from django.contrib import admin, messages

from . import consumers, webhooks
from .models import ApiConsumer, WebhookDelivery, WebhookEndpoint


@admin.register(ApiConsumer)
class ApiConsumerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "created_at"]
    fields = ["name", "email"]
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        consumer, key = consumers.create_api_key(name=obj.name, email=obj.email)
        obj.pk, obj.user_id = consumer.pk, consumer.user_id
        messages.warning(
            request, f"The API key of {consumer.name} (shown once, copy it now): {key}"
        )


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    fields = ["type", "status", "attempts", "last_attempt_at", "response_code", "next_attempt_at"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    ordering = ["-pk"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "owner", "negotiation", "actor", "proposal", "disabled_at"]
    list_filter = ["disabled_at"]
    fields = ["owner", "url", "negotiation", "actor", "proposal", "disabled_at", "failing_since"]
    readonly_fields = ["owner", "url", "negotiation", "actor", "proposal", "failing_since"]
    inlines = [DeliveryInline]

    def has_add_permission(self, request):
        return False  # consumers register their endpoints through the API

    def save_model(self, request, obj, form, change):
        if "disabled_at" in form.changed_data:
            webhooks.set_enabled(obj, obj.disabled_at is None)  # re-enabled: retried at once
        else:
            super().save_model(request, obj, form, change)
