"""What every entry admin shares: publication actions, filters, rights and the entry form."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from negotiations.caching import publication
from negotiations.domain.conflicts import NOT_CHECKED, ConflictError
from negotiations.domain.entries import save_entry, set_publication
from negotiations.domain.entries import submit_for_review as submit_entry_for_review
from negotiations.domain.records import delete_record
from negotiations.domain.review import discard_revision, publish_revision
from negotiations.domain.revisions import changes_are_held, pending_revision, with_pending_revision
from negotiations.domain.rules import may_correct, may_publish
from negotiations.models import Entry, PublicationState, Revision
from negotiations.newsroom import history
from negotiations.newsroom.admin.history import (
    ENTRY_DATE_LINE,
    ENTRY_FORM_EXCLUDE,
    NEWEST_FIRST,
)
from negotiations.newsroom.admin.record import DomainErrorsMixin
from negotiations.newsroom.forms import (
    RevisionDecisionForm,
)


def _publication_action(state, description):
    @admin.action(description=description, permissions=["publish"])
    def action(modeladmin, request, queryset):
        done, refused = 0, []
        with publication.together():  # one build and one purge for all of them
            for entry in queryset:
                try:
                    with transaction.atomic():
                        set_publication(entry, state=state, by=request.user)
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
                submit_entry_for_review(entry, by=request.user)
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
        if not may_publish(request.user):
            fields.append("publish_at")
            if obj is not None and obj.state == PublicationState.PUBLISHED:
                fields.append("state")
        return fields

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "state" and not may_publish(request.user):
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
        return may_publish(request.user)

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
            # Lifted by the task worker (lift_due_embargoes): late, never early.
            return f"Due since {when:%Y-%m-%d %H:%M} {when.tzname()}, waiting for the worker"
        return f"Scheduled for {when:%Y-%m-%d %H:%M} {when.tzname()}"

    def _offers_correction(self, request, obj):
        """Editors changing an entry readers see say what the change is."""
        return obj is not None and may_correct(request.user) and obj.visible_now

    def get_object(self, request, object_id, from_field=None):
        """A journalist opening a live entry edits its pending revision, if it has one."""
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and changes_are_held(obj, by=request.user):
            obj = with_pending_revision(obj)
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
        revision = pending_revision(entry)
        if changes_are_held(entry, by=request.user):
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
        obj.held_for_editor = change and changes_are_held(obj, by=request.user)
        save_entry(
            obj,
            by=request.user,
            sources=data.get("sources"),
            m2m=m2m,
            expected_version=data.get("expected_version"),
            expected_revision=data.get("expected_revision") if change else NOT_CHECKED,
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
        revision = pending_revision(live)
        may_decide = may_publish(request.user)
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
            proposed = with_pending_revision(self.model._base_manager.get(pk=live.pk))
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
                discard_revision(revision, by=request.user)
                self.message_user(request, "The pending revision was discarded.", messages.SUCCESS)
                return True
            publish_revision(
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
        except (ConflictError, PermissionDenied) as error:
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
            delete_record(entry, by=request.user)
        for inline_form in formset.forms:
            entry = inline_form.instance
            if entry in entries:
                save_entry(
                    entry,
                    by=request.user,
                    sources=inline_form.cleaned_data.get("sources"),
                    expected_version=inline_form.cleaned_data.get("expected_version"),
                    expected_revision=inline_form.cleaned_data.get(
                        "expected_revision", NOT_CHECKED
                    ),
                )

    def delete_model(self, request, obj):
        delete_record(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                delete_record(obj, by=request.user)

    @admin.display(description="date", ordering="date_start")
    def partial_date(self, obj):
        return obj.date.human
