"""What a tag's answer reads, through ``annotator.sql``'s measured statements: the ORM's
versions cost 3–7 times as much each, and a tag runs several (figures in ``sql``)."""

from django.db.models import Model

from corpus.models import Document

from .. import sql
from ..models import Label, Project, Span
from ..rendering import SpanRow


def labels_of(project: Project) -> list[Label]:
    """The project's labels, in their order."""
    return sql.labels(project.pk)


def label_names(project: Project) -> dict[int, str]:
    return {label.pk: label.name for label in sql.labels(project.pk)}


def layer_rows(project: Project, document: Document, user, *, gold: bool) -> list[SpanRow]:
    """The layer as the workspace draws it (gold, or ``user``'s own), in reading order,
    with rejection reasons."""
    return sql.layer_rows(project.pk, document.pk, user.pk, gold=gold)


def status_of(project: Project, document: Document, user) -> str:
    """Where ``user`` is with the document (``new`` until they first tag it)."""
    return sql.status(project.pk, document.pk, user.pk)


def span_of(project: Project, span_id: int) -> Span | None:
    """One span of the project, whoever's layer it is in."""
    return sql.span(project.pk, span_id)


def is_commented(span: Span) -> bool:
    """Whether anyone commented on the span."""
    return sql.has_comments(span.pk)


def changes_in_force[M: Model](
    model: type[M],
    project: Project,
    document: Document,
    user,
    *,
    gold: bool,
    before: int | None = None,
    limit: int,
) -> list[M]:
    """The layer's changes since ``user`` signed in that are still in force, newest first
    (``sql.changes_in_force``): undo's stack, read a few at a time."""
    return sql.changes_in_force(
        model,
        project.pk,
        document.pk,
        user.pk,
        gold=gold,
        since=user.last_login,
        before=before,
        limit=limit,
    )
