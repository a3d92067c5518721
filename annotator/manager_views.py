"""The managers' pages: create a project, change its settings, its labels and its members,
all in Margin's own pages (never the Django admin).

Function views, one per URL. Who may do what is asked of ``permissions`` (``project_view``
with ``Action.MANAGE``, ``can_create_projects``, ``known_users``); every change is made by
``services``. An htmx request gets the named partial of the same page back (the label
list after a move, the username suggestions, the guidelines preview); without htmx, every
form works as a plain POST answered by a redirect.
"""

import hashlib

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services
from .manager_forms import (
    LabelDeleteForm,
    LabelForm,
    MemberForm,
    ProjectForm,
    RelationTypeForm,
    RoleForm,
    add_errors,
)
from .models import Label, LabelMerge, Membership, Project
from .palette import next_color
from .permissions import Action, can_create_projects, known_users, project_view
from .relations import RelationType
from .rendering import markdown_html

PREVIEW_LIMIT = 200_000  # characters of guidelines a preview renders
SUGGESTIONS = 8  # usernames offered at most
SUGGEST_AFTER = 2  # characters typed before any username is offered
MERGES_SHOWN = 5


def _posted(request):
    return request.POST if request.method == "POST" else None


# Projects


@require_http_methods(["GET", "POST"])
def project_new(request):
    """A new project; its creator becomes its manager and goes on to its labels."""
    if not can_create_projects(request.user):
        raise PermissionDenied("You may not create projects: ask an administrator.")
    form = ProjectForm(_posted(request))
    if form.is_valid():
        project = services.project_create(creator=request.user, **form.cleaned_data)
        messages.success(request, f"Project “{project.name}” created. Now add its labels.")
        return redirect("manage_labels", project_id=project.pk)
    return render(request, "annotator/manage/project_form.html", {"form": form, "project": None})


@require_http_methods(["GET", "POST"])
@project_view(Action.MANAGE)
def project_settings(request, project: Project):
    form = ProjectForm(_posted(request), instance=project)
    if form.is_valid():
        services.project_update(project=project, **form.cleaned_data)
        messages.success(request, "Settings saved.")
        return redirect("project_settings", project_id=project.pk)
    return render(
        request,
        "annotator/manage/project_form.html",
        {"form": form, "project": project, "tab": "settings"},
    )


@require_POST
def guidelines_preview(request):
    """Guidelines as annotators will see them (safe HTML), for the project form's preview."""
    # Anyone signed in: it stores nothing and shows nothing but what was sent.
    source = request.POST.get("guidelines", "")
    context = {"preview": markdown_html(source[:PREVIEW_LIMIT]), "previewed": True}
    return render(request, "annotator/manage/project_form.html#guidelines-preview", context)


# Labels


def _labels_context(
    project: Project,
    *,
    add_form: LabelForm | None = None,
    failed: tuple[int, LabelForm] | None = None,
    delete_failed: tuple[int, LabelDeleteForm] | None = None,
) -> dict:
    """The labels page: each label with its span count and its edit and delete forms."""
    labels = list(project.labels.annotate(span_count=Count("spans")).order_by("order", "name"))
    rows = []
    for index, label in enumerate(labels):
        targets = [other for other in labels if other.pk != label.pk and other.kind == label.kind]
        edit = LabelForm(
            initial={
                "name": label.name,
                "description": label.description,
                "color": label.color,
                "shortcut": label.shortcut,
                "kind": label.kind,
            },
            prefix=f"label-{label.pk}",
        )
        delete = LabelDeleteForm(targets=targets, prefix=f"delete-{label.pk}")
        if failed and failed[0] == label.pk:
            edit = failed[1]
        if delete_failed and delete_failed[0] == label.pk:
            delete = delete_failed[1]
        rows.append(
            {
                "label": label,
                "edit": edit,
                "delete": delete,
                "first": index == 0,
                "last": index == len(labels) - 1,
                "open": bool(failed and failed[0] == label.pk)
                or bool(delete_failed and delete_failed[0] == label.pk),
            }
        )
    if add_form is None:
        add_form = LabelForm(
            initial={"color": next_color(label.color for label in labels), "kind": "span"},
            prefix="new",
        )
    merges = (
        LabelMerge.objects.filter(project=project, undone_at__isnull=True)
        .select_related("into", "actor")
        .order_by("-at", "-id")[:MERGES_SHOWN]
    )
    # The colours' stylesheet is cached for a minute: a new colour must name a new one.
    colours = ",".join(f"{label.pk}{label.color}" for label in labels)
    return {
        "project": project,
        "tab": "labels",
        "rows": rows,
        "add_form": add_form,
        "merges": merges,
        "styles_version": hashlib.sha256(colours.encode()).hexdigest()[:12],
    }


def _labels_answer(request, project: Project, notice: str = "", relation_form=None, **forms):
    """The labels page (a refused form shown with its errors, as Django's form views
    answer it: 200), or for htmx its list alone."""
    context = {**_labels_context(project, **forms), "notice": notice}
    context["relation_types"] = project.relation_types.prefetch_related(
        "source_labels", "target_labels"
    )
    context["relation_form"] = relation_form or RelationTypeForm(project=project, prefix="rel")
    template = "annotator/manage/labels.html"
    if request.htmx:
        template += "#label-list"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@project_view(Action.MANAGE)
def labels(request, project: Project):
    """The project's labels, and adding one."""
    if request.method == "GET":
        return _labels_answer(request, project)
    form = LabelForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            label = services.label_create(project=project, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Label {label.name} added.")
            return redirect("manage_labels", project_id=project.pk)
    return _labels_answer(request, project, add_form=form)


def _label(project: Project, label_id: int) -> Label:
    return get_object_or_404(Label, project=project, pk=label_id)


@require_POST
@project_view(Action.MANAGE)
def label_edit(request, project: Project, label_id: int):
    label = _label(project, label_id)
    form = LabelForm(request.POST, prefix=f"label-{label.pk}")
    if form.is_valid():
        try:
            services.label_update(label=label, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Label {label.name} saved.")
            return redirect("manage_labels", project_id=project.pk)
    return _labels_answer(request, project, failed=(label.pk, form))


@require_POST
@project_view(Action.MANAGE)
def label_move(request, project: Project, label_id: int):
    """One place up or down the list (the order of the workspace's buttons)."""
    label = _label(project, label_id)
    direction = request.POST.get("direction", "")
    by = {"up": -1, "down": 1}.get(direction)
    if by is None:
        notice = "Move a label up or down."
    elif services.label_move(label=label, by=by):
        notice = f"{label.name} moved {direction}."
    else:
        notice = f"{label.name} is already {'first' if by < 0 else 'last'}."
    if request.htmx:
        # The list comes back in place; its status line says what happened (the moved
        # label's button keeps the focus: htmx refocuses the element with the same id).
        return _labels_answer(request, project, notice=notice)
    messages.info(request, notice)
    return redirect("manage_labels", project_id=project.pk)


@require_POST
@project_view(Action.MANAGE)
def relation_type_add(request, project: Project):
    """Add a relation type, with the labels its ends may have."""
    form = RelationTypeForm(request.POST, project=project, prefix="rel")
    if form.is_valid():
        try:
            relation_type = services.relation_type_create(project=project, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Relation type {relation_type.name} added.")
            return redirect("manage_labels", project_id=project.pk)
    return _labels_answer(request, project, relation_form=form)


@require_POST
@project_view(Action.MANAGE)
def relation_type_delete(request, project: Project, relation_type_id: int):
    """Delete a relation type no relation uses."""
    relation_type = get_object_or_404(RelationType, project=project, pk=relation_type_id)
    try:
        services.relation_type_delete(relation_type=relation_type)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Relation type {relation_type.name} deleted.")
    return redirect("manage_labels", project_id=project.pk)


@require_POST
@project_view(Action.MANAGE)
def label_delete(request, project: Project, label_id: int):
    """Delete a label no span uses, or merge its spans into another label and delete it."""
    label = _label(project, label_id)
    targets = list(project.labels.exclude(pk=label.pk))
    form = LabelDeleteForm(request.POST, targets=targets, prefix=f"delete-{label.pk}")
    if form.is_valid():
        into_id = form.cleaned_data["into"]
        try:
            if into_id is None:
                services.label_delete(label=label)
                messages.success(request, f"Label {label.name} deleted.")
            else:
                into = next(target for target in targets if target.pk == into_id)
                merge = services.label_merge(label=label, into=into, actor=request.user)
                messages.success(
                    request,
                    f"{label.name} merged into {into.name}: {merge.span_count} span(s) "
                    "relabelled. Undo it below if that was a mistake.",
                )
            return redirect("manage_labels", project_id=project.pk)
        except services.LabelInUse as error:
            form.add_error("into", error.message)
        except ValidationError as error:
            add_errors(form, error)
    return _labels_answer(request, project, delete_failed=(label.pk, form))


@require_POST
@project_view(Action.MANAGE)
def label_merge_undo(request, project: Project, merge_id: int):
    merge = get_object_or_404(LabelMerge, project=project, pk=merge_id)
    try:
        label = services.label_merge_undo(merge=merge, actor=request.user)
    except ValidationError as error:
        messages.error(request, f"Not undone: {' '.join(error.messages)}")
    else:
        stayed = (
            f" {label.stayed} span(s) stay {merge.into.name}: a relation of theirs does not "
            f"take {label.name}."
            if label.stayed
            else ""
        )
        messages.success(request, f"Label {label.name} is back, with its spans.{stayed}")
    return redirect("manage_labels", project_id=project.pk)


# Members


def _members_context(project: Project, user, *, add_form=None, failed=None) -> dict:
    memberships = list(project.memberships.select_related("user").order_by("user__username"))
    rows = []
    for membership in memberships:
        form = RoleForm(initial={"role": membership.role}, prefix=f"member-{membership.pk}")
        if failed and failed[0] == membership.pk:
            form = failed[1]
        rows.append({"membership": membership, "form": form, "me": membership.user_id == user.pk})
    add_form = add_form or MemberForm()
    # Suggestions as the username is typed: htmx fills the field's <datalist>.
    add_form.fields["username"].widget.attrs.update(
        {
            "hx-get": reverse("member_suggestions", args=[project.pk]),
            "hx-trigger": "input changed delay:200ms",
            "hx-target": "#username-suggestions",
            "hx-swap": "innerHTML",
            "hx-sync": "this:replace",
        }
    )
    return {"project": project, "tab": "members", "rows": rows, "add_form": add_form}


@require_http_methods(["GET", "POST"])
@project_view(Action.MANAGE)
def members(request, project: Project):
    """The project's members, and adding one by username."""
    form = MemberForm(_posted(request))
    if form.is_valid():
        username = form.cleaned_data["username"].strip()
        # Any account named exactly, as in the API; only suggestions are limited to
        # ``known_users``.
        user = get_user_model()._default_manager.filter(username=username, is_active=True)
        user = user.first()
        if user is None:
            form.add_error("username", f"There is no account called “{username}”.")
        elif project.memberships.filter(user=user).exists():
            form.add_error(
                "username", f"{user.username} is already a member: change their role below."
            )
        else:
            role = form.cleaned_data["role"]
            services.member_set(project=project, user=user, role=role)
            messages.success(request, f"{user.username} added as {role}.")
            return redirect("manage_members", project_id=project.pk)
    return render(
        request,
        "annotator/manage/members.html",
        _members_context(project, request.user, add_form=form if form.is_bound else None),
    )


def _membership(project: Project, member_id: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user", "project"), project=project, pk=member_id
    )


@require_POST
@project_view(Action.MANAGE)
def member_role(request, project: Project, member_id: int):
    membership = _membership(project, member_id)
    form = RoleForm(request.POST, prefix=f"member-{membership.pk}")
    if form.is_valid():
        try:
            services.member_set(
                project=project, user=membership.user, role=form.cleaned_data["role"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            role = form.cleaned_data["role"]
            messages.success(request, f"{membership.user.username} is now {role}.")
            return redirect("manage_members", project_id=project.pk)
    context = _members_context(project, request.user, failed=(membership.pk, form))
    return render(request, "annotator/manage/members.html", context)


@require_POST
@project_view(Action.MANAGE)
def member_remove(request, project: Project, member_id: int):
    membership = _membership(project, member_id)
    try:
        services.member_remove(membership=membership)
    except ValidationError as error:
        messages.error(request, f"{membership.user.username} stays: {' '.join(error.messages)}")
    else:
        messages.success(
            request, f"{membership.user.username} removed from the project (their spans stay)."
        )
    return redirect("manage_members", project_id=project.pk)


@require_GET
@project_view(Action.MANAGE)
def member_suggestions(request, project: Project):
    """Usernames starting with what was typed, as ``<option>``s of the add form's
    ``<datalist>``: only once ``SUGGEST_AFTER`` characters are typed, at most
    ``SUGGESTIONS``, and only people the manager already works with (``known_users``)."""
    typed = request.GET.get("username", "").strip()
    names: list[str] = []
    if len(typed) >= SUGGEST_AFTER:
        names = list(
            known_users(request.user)
            .filter(username__istartswith=typed)
            .exclude(memberships__project=project)
            .order_by("username")
            .values_list("username", flat=True)[:SUGGESTIONS]
        )
    return render(
        request, "annotator/manage/members.html#username-suggestions", {"suggestions": names}
    )
