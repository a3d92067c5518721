"""Who may see and edit what, in one place: the UI, the API, the admin and exports use it.

- annotator: sees and edits only their own layer;
- reviewer: reads every layer, edits gold;
- manager: everything in the project (members, labels, export);
- superusers: as a manager in every project.
"""

from django.db.models import F, Q

from corpus.models import Document

from .models import Membership, Project, Role


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
    short query, for the API's per-request lookup.
    """
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        project = Project.objects.filter(pk=project_id).first()
        if project is not None:
            project.role = Role.MANAGER
        return project
    membership = (
        Membership.objects.select_related("project")
        .filter(project_id=project_id, user=user)
        .order_by("pk")  # not by username: that would join the users in
        .first()
    )
    if membership is None:
        return None
    membership.project.role = membership.role
    return membership.project


def document_for(user, project_id: int, document_id: int) -> tuple[Project, Document] | None:
    """The project (with ``role``, as ``project_for``) and one of its documents, in one
    query; None when the user may not see the project or the document is not in it."""
    if not user.is_authenticated:
        return None
    links = Project.documents.through.objects.select_related("project", "document").filter(
        project_id=project_id, document_id=document_id
    )
    if not user.is_superuser:
        # One membership per user and project (a unique constraint): no duplicate rows.
        links = links.filter(project__memberships__user=user).annotate(
            role=F("project__memberships__role")
        )
    link = next(iter(links[:1]), None)
    if link is None:
        return None
    link.project.role = Role.MANAGER if user.is_superuser else link.role
    return link.project, link.document
