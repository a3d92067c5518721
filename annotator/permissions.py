"""Who may see and edit what, in one place: the UI, the API, the admin and exports use it.

- annotator: sees and edits only their own layer;
- reviewer: reads every layer, edits gold;
- manager: everything in the project (members, labels, export);
- superusers: as a manager in every project.
"""

from django.db.models import Q, QuerySet

from corpus.models import Document

from . import sql
from .models import Project, Role


def role_of(user, project: Project) -> str | None:
    """The user's role in the project; uses ``project.role`` when the queryset annotated it."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.MANAGER
    if hasattr(project, "role"):
        return project.role
    membership = project.memberships.filter(user=user).only("role").first()
    return membership.role if membership else None


def is_member(user, project: Project) -> bool:
    return role_of(user, project) is not None


def can_review(user, project: Project) -> bool:
    return role_of(user, project) in {Role.REVIEWER, Role.MANAGER}


def can_manage(user, project: Project) -> bool:
    return role_of(user, project) == Role.MANAGER


def can_see_layer(user, project: Project, *, annotator_id: int | None, gold: bool) -> bool:
    """May the user read this layer (an annotator's, or gold when ``gold`` is true)?"""
    role = role_of(user, project)
    if role is None:
        return False
    if role in {Role.REVIEWER, Role.MANAGER}:
        return True
    return not gold and annotator_id == user.pk


def can_edit_layer(user, project: Project, *, annotator_id: int | None, gold: bool) -> bool:
    """May the user write into this layer? Gold belongs to reviewers; a layer to its owner."""
    role = role_of(user, project)
    if role is None:
        return False
    if gold:
        return role in {Role.REVIEWER, Role.MANAGER}
    if annotator_id == user.pk:
        return True
    return role == Role.MANAGER


def visible_spans(user) -> Q:
    """A filter on Span for every span the user may read, across projects."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    reviewing = Q(
        project__memberships__user=user,
        project__memberships__role__in=[Role.REVIEWER, Role.MANAGER],
    )
    own = Q(annotator=user, gold=False, project__memberships__user=user)
    return reviewing | own


def can_export_layer(user, project: Project, layer: str) -> bool:
    """Managers and reviewers export any layer; annotators only their own (``mine``)."""
    role = role_of(user, project)
    if role is None:
        return False
    return role in {Role.REVIEWER, Role.MANAGER} or layer == "mine"


def project_for(user, project_id: int) -> Project | None:
    """The project if the user may see it, with ``role`` set as ``with_role`` would; else None.

    The same visibility as ``ProjectQuerySet.visible_to`` (members; superusers: all) in one
    short query: every request of the workspace and the API starts here.
    """
    if not user.is_authenticated:
        return None
    project = sql.project_with_role(project_id, user.pk)
    if project is None or not (project.role or user.is_superuser):
        return None
    if user.is_superuser:
        project.role = Role.MANAGER
    return project


def document_for(user, project_id: int, document_id: int) -> tuple[Project, Document] | None:
    """The project (with ``role``, as ``project_for``) and one of its documents; None when
    the user may not see the project or the document is not in it."""
    project = project_for(user, project_id)
    if project is None:
        return None
    document = sql.project_document(project.pk, document_id)
    return (project, document) if document is not None else None


def managed_projects(user) -> QuerySet[Project]:
    """The projects the user manages (every project for a superuser): what the admin offers
    as a project to put a label, member or document status in."""
    if not user.is_authenticated:
        return Project.objects.none()
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(memberships__user=user, memberships__role=Role.MANAGER)


def reviewed_projects(user) -> QuerySet[Project]:
    """The projects whose every layer the user may read, as a reviewer or a manager (every
    project for a superuser): what the admin lists."""
    if not user.is_authenticated:
        return Project.objects.none()
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(
        memberships__user=user, memberships__role__in=[Role.REVIEWER, Role.MANAGER]
    )
