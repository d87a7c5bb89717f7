"""The journalists' admin.

Every save, delete and bulk action goes through ``negotiations.domain``, so the
admin obeys the same rules, rights, versions and history as the API.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, ProtectedError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from simple_history.admin import SimpleHistoryAdmin

from negotiations import domain, history
from negotiations.extraction import admin_views as extraction
from negotiations.forms import (
    ActorForm,
    EntryForm,
    ExpectationForm,
    PlainModelForm,
    QuickAddForm,
    RevisionDecisionForm,
    VersionedForm,
    correction_fields,
)
from negotiations.models import (
    Actor,
    Correction,
    Entry,
    Event,
    Expectation,
    Negotiation,
    Phase,
    Proposal,
    PublicationState,
    Revision,
    Source,
    Statement,
    StatusChange,
)
from negotiations.numbers import parse_id

# Typed as one partial ``date`` field; the order within a day is the domain's to keep.
ENTRY_FORM_EXCLUDE = ("date_start", "date_precision", "sequence")
# The first line of every entry form: when it happened.
ENTRY_DATE_LINE = ("date", "time", "timezone")
# Entry lists read like the timeline on deadline: the newest first.
NEWEST_FIRST = ["-date_start", "-sequence", "-pk"]

admin.site.site_header = "Parley newsroom"
admin.site.site_title = "Parley"
admin.site.index_title = "The record"
# The entry lists need the width; the home page and the breadcrumbs lead everywhere.
admin.site.enable_nav_sidebar = False


class HistoryMixin:
    """History with readable diffs, restore of any version and of deleted records.

    django-simple-history's history list stays; its "revert" form is replaced by a
    restore page that shows what restoring changes and calls
    ``domain.restore_version``, so a restore is an ordinary versioned save.
    """

    object_history_template = "admin/negotiations/object_history.html"
    object_history_list_template = "admin/negotiations/object_history_list.html"
    change_list_template = "admin/negotiations/change_list.html"

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("deleted/", view(self.deleted_view), name=f"{prefix}_deleted"),
            path(
                "<path:object_id>/history/<int:version_id>/diff/",
                view(self.diff_view),
                name=f"{prefix}_history_diff",
            ),
            *super().get_urls(),
        ]

    def _url(self, name, *args):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=args)

    def _pk_or_404(self, object_id):
        """The id in an admin address; one no record can have (beyond 64 bits, other
        scripts' digits) is a 404, as the database would refuse to compare it."""
        pk = parse_id(unquote(object_id))
        if pk is None:
            raise Http404
        return pk

    def _version_or_404(self, object_id, version_id):
        return get_object_or_404(
            self.model.history.model,
            **{self.opts.pk.attname: self._pk_or_404(object_id), "history_id": version_id},
        )

    def get_object(self, request, object_id, from_field=None):
        if from_field is None and parse_id(unquote(object_id)) is None:
            return None  # the admin's "does not exist" answer
        return super().get_object(request, object_id, from_field)

    def changelist_view(self, request, extra_context=None):
        extra = {"deleted_url": self._url("deleted"), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def history_view(self, request, object_id, extra_context=None):
        pk = self._pk_or_404(object_id)
        latest = domain.latest_version(self.model, pk)
        extra = {
            "latest_version_id": latest.history_id if latest else None,
            "deleted": not self.model._base_manager.filter(pk=pk).exists(),
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, extra_context=extra)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """Readable changes of each row against the one before it (dates, names, texts)."""
        rows = list(historical_records)
        for newer, older in zip(rows, [*rows[1:], None], strict=True):
            if older is None:
                older = history.previous_version(newer)
            newer.readable_changes = (
                [] if newer.history_type == "-" else history.diff_versions(older, newer)
            )

    def diff_view(self, request, object_id, version_id):
        """Two versions side by side: what changed from the older to the newer."""
        version = self._version_or_404(object_id, version_id)
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        against = parse_id(request.GET.get("against", ""))
        if against is not None:
            other = self._version_or_404(object_id, against)
        else:
            other = history.previous_version(version)
        older, newer = (other, version)
        if other is not None and other.history_id > version.history_id:
            older, newer = version, other
        versions = self.model.history.filter(**{self.opts.pk.attname: unquote(object_id)})
        context = {
            **self.admin_site.each_context(request),
            "title": f"Changes to {history.describe(newer)}",
            "opts": self.opts,
            "object_id": unquote(object_id),
            "older": older,
            "newer": newer,
            "changes": history.diff_versions(older, newer),
            "versions": versions.select_related("history_user").order_by("-history_id"),
            "history_url": self._url("history", unquote(object_id)),
        }
        return TemplateResponse(request, "admin/negotiations/history_diff.html", context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Restore a version (of a live or a deleted record) through the domain."""
        version = self._version_or_404(object_id, version_id)
        pk = self._pk_or_404(object_id)
        current = self.model._base_manager.filter(pk=pk).first()
        if not self.has_view_or_change_permission(request, current):
            raise PermissionDenied
        if current is not None:
            may_restore = self.has_change_permission(request, current)
        else:
            may_restore = self.has_delete_permission(request)
        if request.method == "POST":
            if not may_restore:
                raise PermissionDenied
            restored = self._restore(request, version, current)
            if restored is not None:
                return redirect(self._url("change", restored.pk))
            current = self.model._base_manager.filter(pk=pk).first()
        latest = domain.latest_version(self.model, pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Restore {history.describe(version)}",
            "correction_fields": self._restore_correction_fields(request, current),
            "opts": self.opts,
            "object_id": pk,
            "version": version,
            "current": current,
            "changes": history.diff_versions(latest, version) if current is not None else [],
            "may_restore": may_restore,
            "history_url": self._url("history", pk),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/negotiations/restore.html", context)

    def _restore_correction_fields(self, request, current):
        """Editors restoring an entry readers see say what the restore is."""
        visible = Entry.objects.published().filter(pk=getattr(current, "pk", None))
        if not (domain.may_correct(request.user) and visible.exists()):
            return None
        form = type("RestoreForm", (forms.Form,), correction_fields())
        return form(request.POST if request.method == "POST" else None)

    def _restore(self, request, version, current):
        expected = None
        if current is not None:
            try:
                expected = int(request.POST.get("expected_version", ""))
            except ValueError:
                self.message_user(
                    request,
                    "The restore form was incomplete; nothing was restored. Open it again.",
                    messages.ERROR,
                )
                return None
        held = isinstance(current, Entry) and domain.changes_are_held(current, by=request.user)
        correction = self._restore_correction_fields(request, current)
        note, minor_fix = "", False
        if correction is not None and correction.is_valid():
            note = correction.cleaned_data["correction_note"]
            minor_fix = correction.cleaned_data["minor_fix"]
        try:
            record = domain.restore_version(
                version,
                by=request.user,
                expected_version=expected,
                correction_note=note,
                minor_fix=minor_fix,
            )
        except (domain.ConflictError, PermissionDenied) as error:
            self.message_user(request, str(error), messages.ERROR)
        except ValidationError as error:
            reason = " ".join(error.messages)
            self.message_user(request, f"Nothing was restored: {reason}", messages.ERROR)
        else:
            when = f"{version.history_date:%Y-%m-%d %H:%M} UTC"
            if held:
                self.message_user(
                    request,
                    f"The version of {when} of “{current}” waits for an editor as its pending "
                    "revision: readers see the published version until then.",
                    messages.SUCCESS,
                )
                return current
            self.message_user(
                request,
                f"“{record}” is back as it was on {when}; the restore is a new version "
                "in its history.",
                messages.SUCCESS,
            )
            return record
        return None

    def deleted_view(self, request):
        """Deleted records of this kind, each with its history and a way back."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": f"Deleted {self.opts.verbose_name_plural}",
            "opts": self.opts,
            "tombstones": history.deleted_records(self.model),
            "may_restore": self.has_delete_permission(request),
            "changelist_url": self._url("changelist"),
        }
        return TemplateResponse(request, "admin/negotiations/deleted.html", context)


class DomainErrorsMixin:
    """A save the domain refuses after the form was valid is explained, never a 500.

    The form already refuses a stale version; this catches the rare race where
    someone saves between the form's check and the write (the compare-and-swap in
    the domain wins): nothing was written, and the editor reads who changed it.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (domain.ConflictError, PermissionDenied, ValidationError) as error:
            if request.method != "POST":
                raise
            reason = " ".join(getattr(error, "messages", None) or [str(error)])
            self.message_user(request, f"Nothing was saved. {reason}", messages.ERROR)
            return redirect(request.get_full_path())

    def get_deleted_objects(self, objs, request):
        """The delete pages (one record, or the bulk action) also say why the domain
        would refuse (``domain.check_deletable``): as with protected relations, nothing
        is deleted while there is any reason."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        reasons = []
        for obj in objs:
            try:
                domain.check_deletable(obj)
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
        if not domain.may_publish(request.user):
            fields.append("state_of_play")  # editors write it (domain._stamp_state_of_play)
        return fields

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

    # No bulk deletion: one at a time, the domain refuses to delete a published entry's
    # last source and the delete page says why.
    actions = None

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return redirect("admin:negotiations_source_change", object_id)


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


@admin.action(description="Mark selected entries ready for review", permissions=["review"])
def submit_for_review(modeladmin, request, queryset):
    done, refused = 0, []
    for entry in queryset:
        try:
            with transaction.atomic():
                domain.submit_for_review(entry, by=request.user)
            done += 1
        except (ValidationError, PermissionDenied) as error:
            refused.append(f"“{entry}”: {' '.join(getattr(error, 'messages', [str(error)]))}")
    if done:
        modeladmin.message_user(request, f"{done} entries now ready for review.", messages.SUCCESS)
    for line in refused:
        modeladmin.message_user(request, f"Not changed — {line}", messages.ERROR)


class PublicationFilter(admin.SimpleListFilter):
    """Where each entry stands in the workflow; "scheduled" waits for its publish time."""

    title = "publication"
    parameter_name = "publication"

    def lookups(self, request, model_admin):
        return [
            ("draft", "Draft"),
            ("review", "Ready for review"),
            ("scheduled", "Scheduled"),
            ("live", "Published and visible"),
        ]

    def queryset(self, request, queryset):
        visible = Entry.objects.published().values("pk")
        value = self.value()
        if value in (PublicationState.DRAFT, PublicationState.REVIEW):
            return queryset.filter(state=value)
        if value == "scheduled":
            return queryset.filter(state=PublicationState.PUBLISHED).exclude(pk__in=visible)
        if value == "live":
            return queryset.filter(pk__in=visible)
        return queryset


class PendingRevisionFilter(admin.SimpleListFilter):
    """Entries whose journalist's change waits for an editor."""

    title = "pending revision"
    parameter_name = "pending_revision"

    def lookups(self, request, model_admin):
        return [("yes", "Waiting for an editor"), ("no", "None")]

    def queryset(self, request, queryset):
        pending = Exists(
            Revision.objects.filter(entry_id=OuterRef("pk"), status=Revision.Status.PENDING)
        )
        if self.value() == "yes":
            return queryset.filter(pending)
        if self.value() == "no":
            return queryset.filter(~pending)
        return queryset


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


class EntryAdminMixin(DomainErrorsMixin, PublicationRightsMixin):
    """What every entry kind's admin shares: filters, partial dates, rights, actions."""

    ordering = NEWEST_FIRST
    list_filter = ["negotiation", PublicationFilter, PendingRevisionFilter, "key", "date_precision"]
    date_hierarchy = "date_start"
    list_select_related = ["negotiation"]
    autocomplete_fields = ["sources"]
    actions = [submit_for_review, publish_entries, unpublish_entries]
    readonly_fields = ["created_by", "created_at", "updated_at", "version"]

    def get_exclude(self, request, obj=None):
        return [*ENTRY_FORM_EXCLUDE, *(super().get_exclude(request, obj) or [])]

    def has_publish_permission(self, request):
        return domain.may_publish(request.user)

    def has_review_permission(self, request):
        return request.user.has_perm("negotiations.change_entry")

    def get_queryset(self, request):
        # Whether readers see the entry now: the visibility rule, read from its one place.
        visible = Entry.objects.published().filter(pk=OuterRef("pk"))
        return super().get_queryset(request).annotate(visible_now=Exists(visible))

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if "state" in columns:
            columns[columns.index("state")] = "publication"
        elif "publication" not in columns:
            columns.append("publication")
        return columns

    @admin.display(description="publication", ordering="state")
    def publication(self, obj):
        if obj.state != PublicationState.PUBLISHED:
            return obj.get_state_display()
        if getattr(obj, "visible_now", True):
            return "Published"
        if obj.live_since is not None or obj.publish_at is None:
            # A status change is shown only with its proposal (EntryQuerySet.published).
            return "Published, hidden until its proposal is published"
        when = timezone.localtime(obj.publish_at)
        if obj.publish_at <= timezone.now():
            # Lifted by the task worker (domain.lift_due_embargoes): late, never early.
            return f"Due since {when:%Y-%m-%d %H:%M} {when.tzname()}, waiting for the worker"
        return f"Scheduled for {when:%Y-%m-%d %H:%M} {when.tzname()}"

    def _offers_correction(self, request, obj):
        """Editors changing an entry readers see say what the change is."""
        return obj is not None and domain.may_correct(request.user) and obj.visible_now

    def get_object(self, request, object_id, from_field=None):
        """A journalist opening a live entry edits its pending revision, if it has one."""
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and domain.changes_are_held(obj, by=request.user):
            obj = domain.with_pending_revision(obj)
        return obj

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        offer = self._offers_correction(request, obj)
        return type(form.__name__, (form,), {"offer_correction": offer, "user": request.user})

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if not self._offers_correction(request, obj):
            fields = [name for name in fields if name not in ("correction_note", "minor_fix")]
        return fields

    def get_fieldsets(self, request, obj=None):
        """One fieldset, the date beside its time and zone on the first line."""
        fields = self.get_fields(request, obj)
        line = tuple(name for name in ENTRY_DATE_LINE if name in fields)
        rest = [name for name in fields if name not in line]
        return [(None, {"fields": [line, *rest] if line else rest})]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            self._say_where_the_entry_stands(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def _say_where_the_entry_stands(self, request, object_id):
        entry = self.get_object(request, object_id)
        if entry is None:
            return
        revision = domain.pending_revision(entry)
        if domain.changes_are_held(entry, by=request.user):
            whose = ""
            if revision is not None:
                who = revision.created_by.get_username() if revision.created_by else "the system"
                whose = f" This form shows its pending revision by {who}."
            self.message_user(
                request,
                "This entry is published: readers see the published version, and your changes "
                f"wait for an editor.{whose}",
                messages.INFO,
            )
        elif revision is not None and self.has_view_or_change_permission(request, entry):
            self.message_user(
                request,
                format_html(
                    'A change of this entry waits for an editor: <a href="{}">review the pending '
                    "revision</a>. This form edits the published version.",
                    self._revision_url(entry.pk),
                ),
                messages.INFO,
            )

    def _revision_url(self, pk):
        return reverse(f"admin:negotiations_{self.opts.model_name}_revision", args=[pk])

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        m2m = {name: data[name] for name in obj.M2M_FIELDS if name in data}
        obj.held_for_editor = change and domain.changes_are_held(obj, by=request.user)
        domain.save_entry(
            obj,
            by=request.user,
            sources=data.get("sources"),
            m2m=m2m,
            expected_version=data.get("expected_version"),
            expected_revision=data.get("expected_revision") if change else domain.NOT_CHECKED,
            correction_note=data.get("correction_note", ""),
            minor_fix=data.get("minor_fix", False),
        )

    def response_change(self, request, obj):
        if not getattr(obj, "held_for_editor", False):
            return super().response_change(request, obj)
        self.message_user(
            request,
            f"Your change of “{obj}” waits for an editor: readers see the published version "
            "until one publishes it.",
            messages.SUCCESS,
        )
        return redirect(reverse(f"admin:negotiations_{self.opts.model_name}_change", args=[obj.pk]))

    def get_urls(self):
        revision = path(
            "<path:object_id>/revision/",
            self.admin_site.admin_view(self.revision_view),
            name=f"negotiations_{self.opts.model_name}_revision",
        )
        return [revision, *super().get_urls()]

    def revision_view(self, request, object_id):
        """A pending revision against the live entry; editors publish or discard it."""
        live = get_object_or_404(self.model._base_manager, pk=unquote(object_id))
        if not self.has_view_or_change_permission(request, live):
            raise PermissionDenied
        revision = domain.pending_revision(live)
        may_decide = domain.may_publish(request.user)
        visible = Entry.objects.published().filter(pk=live.pk).exists()
        form = RevisionDecisionForm(
            request.POST if request.method == "POST" else None,
            offer_correction=visible,
            initial={"revision": revision.pk if revision else None},
        )
        if request.method == "POST":
            if not may_decide:
                raise PermissionDenied
            done = self._decide(request, form, revision)
            if done:
                return redirect(
                    reverse(f"admin:negotiations_{self.opts.model_name}_change", args=[live.pk])
                )
        changes = []
        if revision is not None:
            proposed = domain.with_pending_revision(self.model._base_manager.get(pk=live.pk))
            changes = history.diff_revision(live, proposed, revision)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Pending revision of {live}",
            "opts": self.opts,
            "live": live,
            "visible": visible,
            "revision": revision,
            "changes": changes,
            "form": form,
            "may_decide": may_decide and revision is not None,
            "change_url": reverse(
                f"admin:negotiations_{self.opts.model_name}_change", args=[live.pk]
            ),
        }
        return TemplateResponse(request, "admin/negotiations/revision.html", context)

    def _decide(self, request, form, revision):
        """Publish or discard as the editor asked; True when it was done."""
        if not form.is_valid():
            return False
        if revision is None or form.cleaned_data["revision"] != revision.pk:
            self.message_user(
                request,
                "The pending revision changed since you opened this page: nothing was done. "
                "Look at it again.",
                messages.ERROR,
            )
            return False
        try:
            if request.POST.get("discard"):
                domain.discard_revision(revision, by=request.user)
                self.message_user(request, "The pending revision was discarded.", messages.SUCCESS)
                return True
            domain.publish_revision(
                revision,
                by=request.user,
                correction_note=form.cleaned_data.get("correction_note", ""),
                minor_fix=form.cleaned_data.get("minor_fix", False),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, messages_ in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages_)
            else:
                form.add_error(None, error.messages)
            return False
        except (domain.ConflictError, PermissionDenied) as error:
            form.add_error(None, str(error))
            return False
        self.message_user(
            request, "The pending revision is published: readers see it now.", messages.SUCCESS
        )
        return True

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
                    entry,
                    by=request.user,
                    sources=inline_form.cleaned_data.get("sources"),
                    expected_version=inline_form.cleaned_data.get("expected_version"),
                    expected_revision=inline_form.cleaned_data.get(
                        "expected_revision", domain.NOT_CHECKED
                    ),
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
        if not domain.may_publish(request.user):
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
            for kind, model in domain.QUICK_ADD_KINDS.items()
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
            may_publish=domain.may_publish(user),
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
        """The entry ``domain.quick_add`` logged, or None with the form saying why."""
        arguments = form.domain_arguments()
        if not allowed.get(arguments["kind"]):
            form.add_error("kind", "You may not add this kind of entry.")
            return None
        if arguments["new_speaker"]["name"] and not request.user.has_perm("negotiations.add_actor"):
            form.add_error("new_speaker_name", "You may not add actors: choose a known speaker.")
            return None
        try:
            return domain.quick_add(by=request.user, **arguments)
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
            domain.change_correction(obj, note=obj.note, by=request.user)
        else:
            domain.add_correction(obj.entry, note=obj.note, by=request.user)

    def delete_model(self, request, obj):
        domain.delete_correction(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for correction in queryset.select_related("entry"):
                domain.delete_correction(correction, by=request.user)
