"""Projects, their labels and members: a project keeps a manager."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import (
    Membership,
    Project,
    Role,
)


def project_create(*, creator, **fields: Any) -> Project:
    """Create a project; its creator becomes its manager."""
    with transaction.atomic():
        project = Project.objects.create(created_by=creator, **fields)
        Membership.objects.create(project=project, user=creator, role=Role.MANAGER)
    return project


PROJECT_FIELDS = [
    "name",
    "description",
    "guidelines",
    "allow_overlap",
    "annotators_per_document",
    "propagate",
    "train_every",
    "order",
    "random_fraction",
    "document_labels",
]


def project_update(*, project: Project, **fields: Any) -> Project:
    """Change a project's settings (``PROJECT_FIELDS``); documents, labels and members stay."""
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise ValueError(f"Not a project setting: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        for name, value in fields.items():
            setattr(project, name, value)
        project.save(update_fields=list(fields))
    return project


def member_set(*, project: Project, user, role: str) -> tuple[Membership, bool]:
    """Add the user to the project with ``role``, or change their role; True when added.

    A project keeps at least one manager, so the last one cannot step down.
    """
    with transaction.atomic():
        membership, created = Membership.objects.select_for_update().get_or_create(
            project=project, user=user, defaults={"role": role}
        )
        if not created and membership.role != role:
            _keep_a_manager(membership, role)
            membership.role = role
            membership.save(update_fields=["role"])
    return membership, created


def member_remove(*, membership: Membership) -> None:
    """Take a user out of a project (their spans stay); never its last manager."""
    with transaction.atomic():
        _keep_a_manager(membership)
        membership.delete()


NEEDS_A_MANAGER = "A project needs a manager: make someone else manager first."


def managers_left(
    project: Project, changes: Mapping[int, str | None], *, lock: bool = True
) -> bool:
    """Whether the project still has a manager after ``changes`` (membership id → new
    role, None for removed). Locks the managers' rows unless told not to (a page asking
    whether to offer a button): call it inside the transaction that makes the changes."""
    managers = Membership.objects.filter(project=project, role=Role.MANAGER)
    if lock:
        managers = managers.select_for_update()
    staying = {pk for pk in managers.values_list("pk", flat=True) if pk not in changes}
    return bool(staying) or Role.MANAGER in changes.values()


def _keep_a_manager(membership: Membership, role: str | None = None) -> None:
    if membership.role == Role.MANAGER and not managers_left(
        membership.project, {membership.pk: role}
    ):
        raise ValidationError({"role": [NEEDS_A_MANAGER]})
