"""The journalists' admin.

Every save, delete and bulk action goes through ``negotiations.domain``, so the
admin obeys the same rules, rights, versions and history as the API.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from . import domain
from .forms import ActorForm, EntryForm, ExpectationForm, VersionedForm
from .models import (
    Actor,
    Correction,
    Entry,
    Event,
    Expectation,
    Negotiation,
    Phase,
    Proposal,
    PublicationState,
    Source,
    Statement,
    StatusChange,
)

# Typed as one partial ``date`` field; the order within a day is the domain's to keep.
ENTRY_FORM_EXCLUDE = ("date_start", "date_precision", "sequence")


class DomainAdmin(SimpleHistoryAdmin):
    """Saves and deletes records through the domain functions."""

    form = VersionedForm

    def save_model(self, request, obj, form, change):
        m2m = {
            field.name: form.cleaned_data[field.name]
            for field in obj._meta.many_to_many
            if field.name in form.cleaned_data
        }
        domain.save_record(
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
        domain.delete_record(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                domain.delete_record(obj, by=request.user)


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
    extra = 0
    fields = ["name", "starts_on", "ends_on"]


@admin.register(Negotiation)
class NegotiationAdmin(DomainAdmin):
    list_display = ["title", "status", "changed_at"]
    list_filter = ["status"]
    search_fields = ["title", "slug", "summary"]
    autocomplete_fields = ["parties"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [PhaseInline]

    def save_formset(self, request, form, formset, change):
        phases = formset.save(commit=False)
        for phase in formset.deleted_objects:
            domain.delete_record(phase, by=request.user)
        for phase in phases:
            domain.save_record(phase, by=request.user)


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


def _publication_action(state, description):
    @admin.action(description=description, permissions=["publish"])
    def action(modeladmin, request, queryset):
        done, refused = 0, []
        for entry in queryset:
            try:
                with transaction.atomic():
                    domain.set_publication(entry, state=state, by=request.user)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                reason = "; ".join(getattr(error, "messages", [str(error)]))
                refused.append(f"“{entry}”: {reason}")
        if done:
            modeladmin.message_user(request, f"{done} entries now {state}.", messages.SUCCESS)
        for line in refused:
            modeladmin.message_user(request, f"Not changed — {line}", messages.ERROR)

    action.__name__ = f"make_{state}"
    return action


publish_entries = _publication_action(PublicationState.PUBLISHED, "Publish selected entries")
unpublish_entries = _publication_action(PublicationState.DRAFT, "Unpublish selected entries")


class PublicationRightsMixin:
    """Only those who may publish see "published" among the states or set a publish time."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not domain.may_publish(request.user):
            fields.append("publish_at")
            if obj is not None and obj.state == PublicationState.PUBLISHED:
                fields.append("state")
        return fields

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "state" and not domain.may_publish(request.user):
            kwargs["choices"] = [
                choice for choice in PublicationState.choices if choice[0] != "published"
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class EntryAdminMixin(PublicationRightsMixin):
    """What every entry kind's admin shares: filters, partial dates, rights, actions."""

    list_filter = ["negotiation", "state", "key", "date_precision"]
    date_hierarchy = "date_start"
    list_select_related = ["negotiation"]
    autocomplete_fields = ["sources"]
    actions = [publish_entries, unpublish_entries]
    readonly_fields = ["created_by", "created_at", "updated_at", "version"]

    def get_exclude(self, request, obj=None):
        return [*ENTRY_FORM_EXCLUDE, *(super().get_exclude(request, obj) or [])]

    def has_publish_permission(self, request):
        return domain.may_publish(request.user)

    def save_model(self, request, obj, form, change):
        m2m = {
            name: form.cleaned_data[name] for name in obj.M2M_FIELDS if name in form.cleaned_data
        }
        domain.save_entry(
            obj,
            by=request.user,
            sources=form.cleaned_data.get("sources"),
            m2m=m2m,
            expected_version=form.cleaned_data.get("expected_version"),
        )

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        entries = formset.save(commit=False)
        for entry in formset.deleted_objects:
            domain.delete_record(entry, by=request.user)
        for inline_form in formset.forms:
            entry = inline_form.instance
            if entry in entries:
                domain.save_entry(
                    entry, by=request.user, sources=inline_form.cleaned_data.get("sources")
                )

    def delete_model(self, request, obj):
        domain.delete_record(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                domain.delete_record(obj, by=request.user)

    @admin.display(description="date", ordering="date_start")
    def partial_date(self, obj):
        return obj.date.human


class StatusChangeInline(PublicationRightsMixin, admin.TabularInline):
    model = StatusChange
    fk_name = "proposal"
    form = EntryForm
    extra = 1
    fields = ["date", "status", "actor", "note", "state", "sources"]
    autocomplete_fields = ["actor", "sources"]
    verbose_name_plural = "status history (the latest is the current status)"

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("date_start", "sequence", "pk")

    def get_readonly_fields(self, request, obj=None):
        # Here ``obj`` is the proposal: without the right to publish, a row's state is
        # left as it is (new status changes start as drafts).
        fields = list(super().get_readonly_fields(request, None))
        if not domain.may_publish(request.user):
            fields.append("state")
        return fields


@admin.register(Proposal)
class ProposalAdmin(EntryAdminMixin, SimpleHistoryAdmin):
    form = EntryForm
    list_display = ["title", "partial_date", "negotiation", "proposed_by", "amount", "currency"]
    search_fields = ["title", "summary"]
    autocomplete_fields = ["sources", "proposed_by", "addressed_to", "supersedes"]
    inlines = [StatusChangeInline]


@admin.register(StatusChange)
class StatusChangeAdmin(EntryAdminMixin, SimpleHistoryAdmin):
    form = EntryForm
    list_display = ["proposal", "status", "partial_date", "actor", "state"]
    list_filter = ["status", *EntryAdminMixin.list_filter]
    search_fields = ["proposal__title", "note"]
    autocomplete_fields = ["sources", "proposal", "actor"]

    def get_exclude(self, request, obj=None):
        # The negotiation is the proposal's.
        return [*super().get_exclude(request, obj), "negotiation"]


@admin.register(Statement)
class StatementAdmin(EntryAdminMixin, SimpleHistoryAdmin):
    form = EntryForm
    list_display = ["actor", "short_text", "kind", "partial_date", "negotiation", "state"]
    list_filter = ["kind", "stance", *EntryAdminMixin.list_filter]
    search_fields = ["text", "context", "actor__name"]
    autocomplete_fields = ["sources", "actor", "proposal"]
    list_select_related = ["negotiation", "actor"]

    @admin.display(description="text")
    def short_text(self, obj):
        return obj.text if len(obj.text) < 80 else obj.text[:79] + "…"


@admin.register(Event)
class EventAdmin(EntryAdminMixin, SimpleHistoryAdmin):
    form = EntryForm
    list_display = ["title", "kind", "partial_date", "negotiation", "state"]
    list_filter = ["kind", *EntryAdminMixin.list_filter]
    search_fields = ["title", "description"]
    autocomplete_fields = ["sources", "actors"]


@admin.register(Expectation)
class ExpectationAdmin(EntryAdminMixin, SimpleHistoryAdmin):
    form = ExpectationForm
    list_display = ["actor", "text", "partial_date", "outcome", "negotiation", "state"]
    list_filter = ["outcome", *EntryAdminMixin.list_filter]
    search_fields = ["text", "actor__name"]
    autocomplete_fields = ["sources", "actor"]
    list_select_related = ["negotiation", "actor"]

    def get_exclude(self, request, obj=None):
        return [*super().get_exclude(request, obj), "due_date_start", "due_date_precision"]


@admin.register(Entry)
class EntryAdmin(EntryAdminMixin, admin.ModelAdmin):
    """Every kind in one list: the timeline as journalists work on it."""

    list_display = ["headline_link", "entry_type", "partial_date", "negotiation", "state", "key"]
    list_filter = ["negotiation", "entry_type", "state", "key"]
    search_fields = [
        "as_proposal__title",
        "as_statement__text",
        "as_event__title",
        "as_expectation__text",
        "as_status_change__proposal__title",
    ]
    list_select_related = [
        "negotiation",
        "as_proposal",
        "as_status_change__proposal",
        "as_statement__actor",
        "as_event",
        "as_expectation__actor",
    ]

    def has_add_permission(self, request):
        return False  # entries are added as their kind

    def has_change_permission(self, request, obj=None):
        return False  # and edited as their kind: the list links there

    @admin.display(description="entry", ordering="date_start")
    def headline_link(self, obj):
        specific = obj.specific
        url = reverse(f"admin:negotiations_{specific._meta.model_name}_change", args=[specific.pk])
        return format_html('<a href="{}">{}</a>', url, obj.headline)


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["entry", "made_at", "note"]
    search_fields = ["note"]
    readonly_fields = ["made_at", "made_by"]
    autocomplete_fields = ["entry"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            domain.add_correction(obj.entry, note=obj.note, by=request.user)
