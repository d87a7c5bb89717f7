"""The journalists' admin.

Every save, delete and bulk action goes through ``negotiations.domain``, so the
admin obeys the same rules, rights, versions and history as the API.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from negotiations.domain.conflicts import ConflictError
from negotiations.domain.restore import restore_version
from negotiations.domain.revisions import changes_are_held
from negotiations.domain.rules import may_correct
from negotiations.domain.versions import latest_version
from negotiations.models import (
    Entry,
)
from negotiations.newsroom import history
from negotiations.newsroom.forms import (
    correction_fields,
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
    ``restore_version``, so a restore is an ordinary versioned save.
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
        latest = latest_version(self.model, pk)
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
        latest = latest_version(self.model, pk)
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
        if not (may_correct(request.user) and visible.exists()):
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
        held = isinstance(current, Entry) and changes_are_held(current, by=request.user)
        correction = self._restore_correction_fields(request, current)
        note, minor_fix = "", False
        if correction is not None and correction.is_valid():
            note = correction.cleaned_data["correction_note"]
            minor_fix = correction.cleaned_data["minor_fix"]
        try:
            record = restore_version(
                version,
                by=request.user,
                expected_version=expected,
                correction_note=note,
                minor_fix=minor_fix,
            )
        except (ConflictError, PermissionDenied) as error:
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
