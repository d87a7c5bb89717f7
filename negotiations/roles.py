"""The newsroom roles as permission groups.

Journalists log and edit the record; Editors also publish, delete and correct.
Publication rights are checked in the domain functions (``may_publish``), so
every entry point obeys them.
"""

JOURNALISTS = "Journalists"
EDITORS = "Editors"

CONTENT_MODELS = [
    "actor",
    "negotiation",
    "phase",
    "source",
    "entry",
    "proposal",
    "statuschange",
    "statement",
    "event",
    "expectation",
]

JOURNALIST_PERMISSIONS = [
    f"{action}_{model}" for model in CONTENT_MODELS for action in ("view", "add", "change")
] + ["view_correction"]

EDITOR_PERMISSIONS = (
    JOURNALIST_PERMISSIONS
    + [f"delete_{model}" for model in CONTENT_MODELS]
    + ["publish_entry", "add_correction", "change_correction", "delete_correction"]
)

ROLE_PERMISSIONS = {JOURNALISTS: JOURNALIST_PERMISSIONS, EDITORS: EDITOR_PERMISSIONS}
