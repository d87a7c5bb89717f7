"""Errors every write shares: a version someone else saved first (409), a stale If-Match (412)."""

# ``expected_revision`` when the caller does not say which pending revision it saw
# (``None`` says it saw none).
NOT_CHECKED = object()


class ConflictError(Exception):
    """The record changed since the editor loaded it; nothing was written."""

    def __init__(self, record, *, what=None):
        self.record = record
        latest = record.history.order_by("-history_date").select_related("history_user").first()
        self.changed_by = latest.history_user if latest else None
        self.changed_at = latest.history_date if latest else None
        who = self.changed_by.get_username() if self.changed_by else "someone else"
        when = f" at {self.changed_at:%Y-%m-%d %H:%M} UTC" if self.changed_at else ""
        name = f"{record._meta.verbose_name.capitalize()} “{record}”"
        what = what or f"{name} was changed by {who}{when} after you opened it."
        super().__init__(f"{what} Nothing was saved: reload it and apply your change again.")


def _revision_conflict(entry, pending):
    """The pending revision is not the one the caller saw."""
    name = f"{entry._meta.verbose_name.capitalize()} “{entry}”"
    if pending is None:
        what = f"The pending revision of {name} was published or discarded after you opened it."
    else:
        who = pending.created_by.get_username() if pending.created_by else "someone else"
        what = (
            f"{name} got a pending revision by {who} at {pending.created_at:%Y-%m-%d %H:%M} UTC "
            "after you opened it."
        )
    return ConflictError(entry, what=what)
