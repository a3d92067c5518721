"""Who may see and change what in a project: the one table every surface asks.

Pages and htmx partials (``project_view``), the API (``IsMember``, ``ManagersWrite``, …),
the admin, exports and commands all decide through this module, so a rule is written once.

- annotator: sees the project and changes only their own layer;
- reviewer: reads every layer, changes gold, rejects spans, marks documents reviewed;
- manager: what a reviewer does, and the project itself: settings, labels, members,
  assignment, import, the span history (restoring from it), export;
- superusers: a manager in every project.

Nobody changes another person's layer: "manager: everything in the project" means the
project's settings and people, not their work (DESIGN.md, "Who changes a layer").
"""

from enum import StrEnum
from functools import wraps

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from rest_framework.permissions import SAFE_METHODS, BasePermission

from corpus.models import Document

from . import sql
from .models import PLACE_ROLES, Membership, Project, Role


class Action(StrEnum):
    SEE = "see"  # the project, its documents, labels, members and guidelines
    ANNOTATE = "annotate"  # write in one's own layer; complete and reopen a document
    REVIEW = "review"  # read every layer, change gold, reject, mark reviewed, agreement
    EXPORT = "export"  # export any layer (without it: only one's own, ``mine``)
    MANAGE = "manage"  # settings, labels, members, assignment, import, history, restore


_MEMBER = {Action.SEE, Action.ANNOTATE}
_REVIEWER = _MEMBER | {Action.REVIEW, Action.EXPORT}
ALLOWED: dict[str, frozenset[Action]] = {
    Role.ANNOTATOR: frozenset(_MEMBER),
    Role.REVIEWER: frozenset(_REVIEWER),
    Role.MANAGER: frozenset(_REVIEWER | {Action.MANAGE}),
}

REFUSED: dict[Action, str] = {
    Action.SEE: "You are not a member of this project.",
    Action.ANNOTATE: "You may not annotate in this project.",
    Action.REVIEW: "Only the project's reviewers and managers may do this.",
    Action.EXPORT: "Annotators may export only their own layer: use layer=mine.",
    Action.MANAGE: "Only the project's managers may do this.",
}


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


def can(user, project: Project, action: Action) -> bool:
    return action in ALLOWED.get(role_of(user, project), ())


def require(user, project: Project, action: Action) -> None:
    """Raise ``PermissionDenied`` (403, saying who may) unless the user may do ``action``."""
    if not can(user, project, action):
        raise PermissionDenied(REFUSED[action])


def is_member(user, project: Project) -> bool:
    return can(user, project, Action.SEE)


def can_review(user, project: Project) -> bool:
    return can(user, project, Action.REVIEW)


def can_manage(user, project: Project) -> bool:
    return can(user, project, Action.MANAGE)


# Creating a project is Django's ``annotator.add_project`` permission (given to a user or a
# group in the admin); staff have it by default, as they always could create projects in
# the admin and the API. The creator becomes the project's manager.
CREATE_PROJECT_PERMISSION = "annotator.add_project"


def can_create_projects(user) -> bool:
    """May the user create projects (and so become their manager)?"""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_staff or user.has_perm(CREATE_PROJECT_PERMISSION)


def known_users(user) -> QuerySet:
    """The accounts a user may be shown by name (a manager's suggestions when adding a
    member): the members of the projects they belong to, whom they see there already —
    not every account of the site. Superusers: every active account."""
    users = get_user_model()._default_manager.filter(is_active=True)
    if not user.is_authenticated:
        return users.none()
    if user.is_superuser:
        return users
    shared = Membership.objects.filter(project__memberships__user=user).values("user")
    return users.filter(pk__in=shared)


def takes_a_place(role: str | None) -> bool:
    """Whether this role's claims on a document count against ``annotators_per_document``
    (DESIGN.md, "Places on a document"): only annotators', never reviewers' or managers'."""
    return role in PLACE_ROLES


def can_see_layer(user, project: Project, *, annotator_id: int | None, gold: bool) -> bool:
    """May the user read this layer (an annotator's, or gold when ``gold`` is true)?"""
    if can(user, project, Action.REVIEW):
        return True
    return can(user, project, Action.SEE) and not gold and annotator_id == user.pk


def can_edit_layer(user, project: Project, *, annotator_id: int | None, gold: bool) -> bool:
    """May the user write into this layer? Gold: reviewers and managers; an annotator's
    layer: that annotator alone (managers restore from the history instead)."""
    if gold:
        return can(user, project, Action.REVIEW)
    return annotator_id == user.pk and can(user, project, Action.ANNOTATE)


def can_decide(user, project: Project, *, gold: bool) -> bool:
    """May the user accept or reject suggestions for their own layer (or, ``gold``, for
    gold)? The same as writing into that layer."""
    return can_edit_layer(user, project, annotator_id=user.pk, gold=gold)


def can_see_decisions(user, project: Project) -> bool:
    """May the user see how everyone decided the suggestions (and every suggestion)?"""
    return can(user, project, Action.REVIEW)


def visible_suggestions(user) -> Q:
    """A filter on Suggestion for those the user may see: every member sees the project's
    suggestion layer (superusers: all)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    return Q(project__in=Membership.objects.filter(user=user.pk).values("project"))


def can_see_models(user, project: Project) -> bool:
    """May the user see the project's models, their metrics and their errors? The errors
    show gold spans: reviewers and managers, who read gold."""
    return can(user, project, Action.REVIEW)


def can_train(user, project: Project) -> bool:
    """May the user train a model or run one over the corpus (work for the whole project,
    on its worker): managers."""
    return can(user, project, Action.MANAGE)


def can_export_layer(user, project: Project, layer: str) -> bool:
    """Reviewers and managers export any layer; annotators only their own (``mine``)."""
    if layer == "mine":
        return can(user, project, Action.SEE)
    return can(user, project, Action.EXPORT)


def visible_spans(user) -> Q:
    """A filter on Span for every span the user may read, across projects."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    reviewing = Q(
        project__memberships__user=user,
        project__memberships__role__in=roles_that(Action.REVIEW),
    )
    own = Q(annotator=user, gold=False, project__memberships__user=user)
    return reviewing | own


def visible_categories(user) -> Q:
    """A filter on Category (document labels given to documents) for those the user may
    read, across projects: the same layers as ``visible_spans``."""
    return visible_spans(user)


def visible_relations(user) -> Q:
    """A filter on Relation for those the user may read: a relation is in the layer of its
    spans, so the same layers as ``visible_spans``."""
    return visible_spans(user)


def visible_comments(user, project: Project) -> Q:
    """A filter on the project's Comments the user may read: notes on the document, and
    notes on spans of a layer they may read (kept so after the span is deleted)."""
    if can(user, project, Action.REVIEW):
        return Q()
    return Q(layer_annotator__isnull=True, layer_gold=False) | Q(
        layer_annotator=user.pk, layer_gold=False
    )


def visible_jobs(user) -> Q:
    """A filter on Job for the jobs the user may read: those of the projects they belong to,
    and those they started (still theirs after they leave the project)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    return Q(created_by=user.pk) | Q(
        project__in=Membership.objects.filter(user=user.pk).values("project")
    )


def roles_that(action: Action) -> list[str]:
    """The roles allowed ``action``, for filters written in the database's terms."""
    return [role for role, actions in ALLOWED.items() if action in actions]


# Loaders: every request under /projects/<id>/ starts here.


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


def project_or_404(user, project_id: int) -> Project:
    project = project_for(user, project_id)
    if project is None:
        raise Http404("No such project.")
    return project


def document_or_404(project: Project, document_id: int) -> Document:
    document = sql.project_document(project.pk, document_id)
    if document is None:
        raise Http404("No such document in this project.")
    return document


def project_view(action: Action = Action.SEE):
    """A page under ``/projects/<project_id>/``: the view gets the ``project`` (404 for
    non-members, as if it did not exist) once the user is known to be allowed ``action``
    (403 otherwise)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, project_id: int, **kwargs):
            project = project_or_404(request.user, project_id)
            require(request.user, project, action)
            return view(request, project, **kwargs)

        return wrapper

    return decorate


# The same rules for DRF views that have a ``project`` (404 first, then 403).


class IsMember(BasePermission):
    """Reaching ``view.project`` answers 404 to whoever is not a member of it."""

    def has_permission(self, request, view) -> bool:
        return view.project is not None


class IsManager(BasePermission):
    message = REFUSED[Action.MANAGE]

    def has_permission(self, request, view) -> bool:
        return can_manage(request.user, view.project)


class ManagersWrite(IsManager):
    message = "Only the project's managers may change this."

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or super().has_permission(request, view)


class IsStaffToCreate(BasePermission):
    message = "Only staff (or users given the permission to add projects) may create projects."

    def has_permission(self, request, view) -> bool:
        return view.action != "create" or can_create_projects(request.user)


def projects_where(user, action: Action) -> QuerySet[Project]:
    """The projects in which the user may do ``action`` (every one for a superuser): the
    admin lists those where they review and offers those where they manage."""
    if not user.is_authenticated:
        return Project.objects.none()
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(
        memberships__user=user, memberships__role__in=roles_that(action)
    ).distinct()


def managed_projects(user) -> QuerySet[Project]:
    return projects_where(user, Action.MANAGE)


def reviewed_projects(user) -> QuerySet[Project]:
    return projects_where(user, Action.REVIEW)
