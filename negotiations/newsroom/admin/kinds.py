"""The admins of each kind of entry, and of corrections."""

from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from simple_history.admin import SimpleHistoryAdmin

from negotiations.domain.corrections import change_correction, delete_correction
from negotiations.domain.entries import add_correction
from negotiations.domain.quick_add import QUICK_ADD_KINDS, quick_add
from negotiations.domain.rules import may_publish
from negotiations.extraction import admin_views as extraction
from negotiations.models import (
    Actor,
    Correction,
    Entry,
    Event,
    Expectation,
    Proposal,
    Statement,
    StatusChange,
)
from negotiations.models.entries import HEADLINE_RELATED
from negotiations.newsroom.admin.entries import (
    EntryAdminMixin,
    PendingRevisionFilter,
    PublicationFilter,
    PublicationRightsMixin,
)
from negotiations.newsroom.admin.history import HistoryMixin
from negotiations.newsroom.forms import EntryForm, ExpectationForm, PlainModelForm, QuickAddForm


class StatusChangeInline(PublicationRightsMixin, admin.TabularInline):
    model = StatusChange
    fk_name = "proposal"
    form = EntryForm
    extra = 1
    fields = [
        "date",
        "status",
        "actor",
        "note",
        "state",
        "sources",
        "expected_version",
        "expected_revision",
    ]
    autocomplete_fields = ["actor", "sources"]
    verbose_name_plural = "status history (the latest is the current status)"

    def get_formset(self, request, obj=None, **kwargs):
        # The domain's rules depend on who edits (a live row's change waits for an editor,
        # an editor's change of a visible one is a correction: change it on its own page).
        kwargs["form"] = type(self.form.__name__, (self.form,), {"user": request.user})
        return super().get_formset(request, obj, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("date_start", "sequence", "pk")

    def get_readonly_fields(self, request, obj=None):
        # Here ``obj`` is the proposal: without the right to publish, a row's state is
        # left as it is (new status changes start as drafts).
        fields = list(super().get_readonly_fields(request, None))
        if not may_publish(request.user):
            fields.append("state")
        return fields


@admin.register(Proposal)
class ProposalAdmin(EntryAdminMixin, HistoryMixin, SimpleHistoryAdmin):
    form = EntryForm
    list_display = ["title", "partial_date", "negotiation", "proposed_by", "amount", "currency"]
    search_fields = ["title", "summary"]
    autocomplete_fields = ["sources", "proposed_by", "addressed_to", "supersedes"]
    inlines = [StatusChangeInline]


@admin.register(StatusChange)
class StatusChangeAdmin(EntryAdminMixin, HistoryMixin, SimpleHistoryAdmin):
    form = EntryForm
    list_display = ["proposal", "status", "partial_date", "actor", "state"]
    list_filter = ["status", *EntryAdminMixin.list_filter]
    search_fields = ["proposal__title", "note"]
    autocomplete_fields = ["sources", "proposal", "actor"]

    def get_exclude(self, request, obj=None):
        # The negotiation is the proposal's.
        return [*super().get_exclude(request, obj), "negotiation"]


@admin.register(Statement)
class StatementAdmin(EntryAdminMixin, HistoryMixin, SimpleHistoryAdmin):
    form = EntryForm
    list_display = ["actor", "short_text", "kind", "partial_date", "negotiation", "state"]
    list_display_links = ["actor", "short_text"]  # the text's link holds its column open
    list_filter = ["kind", "stance", *EntryAdminMixin.list_filter]
    search_fields = ["text", "context", "actor__name"]
    autocomplete_fields = ["sources", "actor", "proposal"]
    list_select_related = ["negotiation", "actor"]

    @admin.display(description="text")
    def short_text(self, obj):
        return obj.text if len(obj.text) < 80 else obj.text[:79] + "…"


@admin.register(Event)
class EventAdmin(EntryAdminMixin, HistoryMixin, SimpleHistoryAdmin):
    form = EntryForm
    list_display = ["title", "kind", "partial_date", "negotiation", "state"]
    list_filter = ["kind", *EntryAdminMixin.list_filter]
    search_fields = ["title", "description"]
    autocomplete_fields = ["sources", "actors"]


@admin.register(Expectation)
class ExpectationAdmin(EntryAdminMixin, HistoryMixin, SimpleHistoryAdmin):
    form = ExpectationForm
    list_display = ["actor", "text", "partial_date", "outcome", "negotiation", "state"]
    list_display_links = ["actor", "text"]
    list_filter = ["outcome", *EntryAdminMixin.list_filter]
    search_fields = ["text", "actor__name"]
    autocomplete_fields = ["sources", "actor"]
    list_select_related = ["negotiation", "actor"]

    def get_exclude(self, request, obj=None):
        return [*super().get_exclude(request, obj), "due_date_start", "due_date_precision"]


@admin.register(Entry)
class EntryAdmin(EntryAdminMixin, admin.ModelAdmin):
    """Every kind in one list: the timeline as journalists work on it."""

    form = PlainModelForm
    list_display = ["headline_link", "entry_type", "partial_date", "negotiation", "state", "key"]
    list_filter = ["negotiation", "entry_type", PublicationFilter, PendingRevisionFilter, "key"]
    change_list_template = "admin/negotiations/change_list.html"
    search_fields = [
        "as_proposal__title",
        "as_statement__text",
        "as_event__title",
        "as_expectation__text",
        "as_status_change__proposal__title",
    ]
    list_select_related = HEADLINE_RELATED

    def has_add_permission(self, request):
        return False  # entries are added as their kind

    def has_change_permission(self, request, obj=None):
        return False  # and edited as their kind: the list links there

    def get_urls(self):
        quick_add = path(
            "quick-add/",
            self.admin_site.admin_view(self.quick_add_view),
            name="negotiations_entry_quick_add",
        )
        from_article = path(
            "from-article/",
            self.admin_site.admin_view(self.from_article_view),
            name="negotiations_entry_from_article",
        )
        return [quick_add, from_article, *super().get_urls()]

    def from_article_view(self, request):
        """Paste or upload a story; review and accept what Parley proposes."""
        return extraction.from_article(request, admin_site=self.admin_site, opts=self.opts)

    def changelist_view(self, request, extra_context=None):
        extra = {"quick_add_url": reverse("admin:negotiations_entry_quick_add")}
        return super().changelist_view(request, extra_context={**extra, **(extra_context or {})})

    def quick_add_view(self, request):
        """On deadline: any kind of entry from a source URL, in one step.

        After a save the form opens again with the same article (source, negotiation,
        date, kind and publication state), so the next entry of the story needs only
        its own fields; a speaker not in the record yet is named inline.
        """
        user = request.user
        allowed = {
            kind: user.has_perm(f"negotiations.add_{model._meta.model_name}")
            for kind, model in QUICK_ADD_KINDS.items()
        }
        if not any(allowed.values()):
            raise PermissionDenied
        widgets = {
            "speaker": AutocompleteSelect(Statement._meta.get_field("actor"), self.admin_site),
            "new_speaker_affiliation": AutocompleteSelect(
                Actor._meta.get_field("affiliation"), self.admin_site
            ),
            "proposal": AutocompleteSelect(
                StatusChange._meta.get_field("proposal"), self.admin_site
            ),
        }
        form = QuickAddForm(
            request.POST if request.method == "POST" else None,
            initial=QuickAddForm.initial_from(request.GET),
            may_publish=may_publish(user),
            widgets=widgets,
        )
        if request.method == "POST" and form.is_valid():
            entry = self._quick_add(request, form, allowed)
            if entry is not None:
                url = reverse(
                    f"admin:negotiations_{entry._meta.model_name}_change", args=[entry.pk]
                )
                self.message_user(
                    request,
                    format_html(
                        'Logged <a href="{}">{}</a> ({}). The next entry below keeps its '
                        "source, negotiation and date.",
                        url,
                        entry,
                        entry.get_state_display().lower(),
                    ),
                    messages.SUCCESS,
                )
                kept = QuickAddForm.kept(request.POST)
                return redirect(f"{request.path}?{urlencode(kept)}" if kept else request.path)
        context = {
            **self.admin_site.each_context(request),
            "title": "Quick add",
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/negotiations/quick_add.html", context)

    def _quick_add(self, request, form, allowed):
        """The entry ``quick_add`` logged, or None with the form saying why."""
        arguments = form.domain_arguments()
        if not allowed.get(arguments["kind"]):
            form.add_error("kind", "You may not add this kind of entry.")
            return None
        if arguments["new_speaker"]["name"] and not request.user.has_perm("negotiations.add_actor"):
            form.add_error("new_speaker_name", "You may not add actors: choose a known speaker.")
            return None
        try:
            return quick_add(by=request.user, **arguments)
        except ValidationError as error:
            form.add_domain_errors(error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        return None

    @admin.display(description="entry", ordering="date_start")
    def headline_link(self, obj):
        specific = obj.specific
        url = reverse(f"admin:negotiations_{specific._meta.model_name}_change", args=[specific.pk])
        return format_html('<a href="{}">{}</a>', url, obj.headline)


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    form = PlainModelForm
    list_display = ["entry", "made_at", "note"]
    search_fields = ["note"]
    readonly_fields = ["made_at", "made_by"]
    autocomplete_fields = ["entry"]

    def save_model(self, request, obj, form, change):
        if change:
            change_correction(obj, note=obj.note, by=request.user)
        else:
            add_correction(obj.entry, note=obj.note, by=request.user)

    def delete_model(self, request, obj):
        delete_correction(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for correction in queryset.select_related("entry"):
                delete_correction(correction, by=request.user)
