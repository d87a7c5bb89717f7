"""Admins of the record: actors, negotiations, phases, sources; every save through the domain."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.shortcuts import redirect
from simple_history.admin import SimpleHistoryAdmin

from negotiations.domain.conflicts import ConflictError
from negotiations.domain.records import check_deletable, delete_record, save_record
from negotiations.domain.rules import may_publish
from negotiations.models import Actor, Negotiation, Phase, Source
from negotiations.newsroom.admin.history import HistoryMixin
from negotiations.newsroom.forms import (
    ActorForm,
    PlainModelForm,
    VersionedForm,
)


class DomainErrorsMixin:
    """A save the domain refuses after the form was valid is explained, never a 500.

    The form already refuses a stale version; this catches the rare race where
    someone saves between the form's check and the write (the compare-and-swap in
    the domain wins): nothing was written, and the editor reads who changed it.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ConflictError, PermissionDenied, ValidationError) as error:
            if request.method != "POST":
                raise
            reason = " ".join(getattr(error, "messages", None) or [str(error)])
            self.message_user(request, f"Nothing was saved. {reason}", messages.ERROR)
            return redirect(request.get_full_path())

    def get_deleted_objects(self, objs, request):
        """The delete pages (one record, or the bulk action) also say why the domain
        would refuse (``check_deletable``): as with protected relations, nothing
        is deleted while there is any reason."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        reasons = []
        for obj in objs:
            try:
                check_deletable(obj)
            except ValidationError as error:
                reasons.extend(error.messages)
            except ProtectedError as error:
                reasons.append(error.args[0])
        return deleted, counts, perms_needed, [*protected, *reasons]


class DomainAdmin(DomainErrorsMixin, HistoryMixin, SimpleHistoryAdmin):
    """Saves and deletes records through the domain functions."""

    form = VersionedForm

    def save_model(self, request, obj, form, change):
        m2m = {
            field.name: form.cleaned_data[field.name]
            for field in obj._meta.many_to_many
            if field.name in form.cleaned_data
        }
        save_record(
            obj,
            by=request.user,
            m2m=m2m,
            expected_version=form.cleaned_data.get("expected_version"),
        )

    def save_related(self, request, form, formsets, change):
        # Many-to-many values were set by the domain function in save_model.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        delete_record(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                delete_record(obj, by=request.user)


@admin.register(Actor)
class ActorAdmin(DomainAdmin):
    form = ActorForm
    list_display = ["name", "kind", "title", "affiliation", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "slug", "title", "aliases"]
    autocomplete_fields = ["affiliation"]
    prepopulated_fields = {"slug": ["name"]}


class PhaseInline(admin.TabularInline):
    model = Phase
    form = PlainModelForm
    extra = 0
    fields = ["name", "starts_on", "ends_on"]


@admin.register(Negotiation)
class NegotiationAdmin(DomainAdmin):
    list_display = ["title", "status", "reader_changed_at"]
    list_filter = ["status"]
    search_fields = ["title", "slug", "summary"]
    autocomplete_fields = ["parties"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [PhaseInline]
    fields = [
        "title",
        "slug",
        "status",
        "state_of_play",
        "state_of_play_updated_at",
        "summary",
        "parties",
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj), "state_of_play_updated_at"]
        if not may_publish(request.user):
            fields.append("state_of_play")  # editors write it (_date_state_of_play)
        return fields

    def save_formset(self, request, form, formset, change):
        phases = formset.save(commit=False)
        for phase in formset.deleted_objects:
            delete_record(phase, by=request.user)
        for phase in phases:
            save_record(phase, by=request.user)


@admin.register(Phase)
class PhaseAdmin(DomainAdmin):
    list_display = ["name", "negotiation", "starts_on", "ends_on"]
    list_filter = ["negotiation"]
    search_fields = ["name"]


@admin.register(Source)
class SourceAdmin(DomainAdmin):
    list_display = ["title", "publisher", "published_on", "url"]
    list_filter = ["publisher"]
    search_fields = ["url", "title", "publisher"]
    date_hierarchy = "published_on"

    # No bulk deletion: one at a time, the domain refuses to delete a published entry's
    # last source and the delete page says why.
    actions = None

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return redirect("admin:negotiations_source_change", object_id)
