"""The only writers: every change to projects, documents, spans and claims is made here,
each in one transaction, by keyword-only functions that name the acting user (and, in
``reads``, what a tag's answer reads, in measured SQL).

The workspace views, the API, the admin and the commands all call these, so a span is
validated the same way whichever door it comes through (``models.spans_errors``). One
module a domain; this package names them all, so callers say ``services.span_create``.
"""

from .assignment import (
    document_complete,
    document_next,
    document_reopen,
    documents_assign,
    documents_unassign,
    status_claim,
)
from .documents import documents_import
from .labels import (
    COLOR_SHAPE,
    DESCRIPTION_MAX,
    KEY_SHAPE,
    NAME_MAX,
    NAME_MISSING,
    WORKSPACE_KEYS,
    LabelInUse,
    label_color,
    label_create,
    label_delete,
    label_errors,
    label_in_use,
    label_merge,
    label_merge_undo,
    label_move,
    label_update,
    label_values,
    shortcut_problem,
)
from .projects import (
    NEEDS_A_MANAGER,
    managers_left,
    member_remove,
    member_set,
    project_create,
    project_update,
)
from .reads import is_commented, label_names, labels_of, layer_rows, span_of, status_of
from .review import (
    comment_add,
    document_mark_reviewed,
    document_reopen_review,
    gold_accept,
    span_reject,
)
from .rows import bulk_insert
from .spans import (
    BatchErrors,
    lock_layer,
    span_create,
    span_delete,
    span_restore,
    span_update,
    spans_create,
    spans_delete,
)

__all__ = [
    "COLOR_SHAPE",
    "DESCRIPTION_MAX",
    "KEY_SHAPE",
    "NAME_MAX",
    "NAME_MISSING",
    "NEEDS_A_MANAGER",
    "WORKSPACE_KEYS",
    "BatchErrors",
    "LabelInUse",
    "bulk_insert",
    "comment_add",
    "document_complete",
    "document_mark_reviewed",
    "document_next",
    "document_reopen",
    "document_reopen_review",
    "documents_assign",
    "documents_import",
    "documents_unassign",
    "gold_accept",
    "is_commented",
    "label_color",
    "label_create",
    "label_delete",
    "label_errors",
    "label_in_use",
    "label_merge",
    "label_merge_undo",
    "label_move",
    "label_names",
    "label_update",
    "label_values",
    "labels_of",
    "layer_rows",
    "lock_layer",
    "managers_left",
    "member_remove",
    "member_set",
    "project_create",
    "project_update",
    "shortcut_problem",
    "span_create",
    "span_delete",
    "span_of",
    "span_reject",
    "span_restore",
    "span_update",
    "spans_create",
    "spans_delete",
    "status_claim",
    "status_of",
]
