"""The search page: a phrase or a label over the project, hits in their context grouped by
document, each opening the workspace at the hit; "tag every hit" as one job, undone in
one step (API.md, "Search")."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling

from .jobs import JobStatus
from .models import Status
from .permissions import Action, can, project_view
from .search import (
    FILTERS,
    annotations,
    editable_layers,
    hits,
    search_edit_check,
    search_edit_of,
    search_parse,
    search_tag_check,
    search_tag_of,
)
from .search_edits import search_edit_later, search_edit_undo
from .search_jobs import search_tag_later, search_tag_undo
from .search_tags import EditKind, TagInto

TEMPLATE = "annotator/search.html"
HITS_PER_PAGE = 50


@require_GET
@project_view(Action.SEE)
def search(request, project):
    """The form, and the hits of what it asks (nothing is searched until it asks)."""
    asked = {name: request.GET.get(name, "") for name in FILTERS}
    reviews = can(request.user, project, Action.REVIEW)
    context = {
        "project": project,
        "asked": asked,
        "reviews": reviews,
        "labels": list(project.labels.all()),
        "layers": _layers(project, reviews),
        "statuses": Status.choices,
        "errors": {},
        "groups": [],
        "page": None,
        "tag_into": [(TagInto.SUGGESTIONS, "suggestions for everyone"), (TagInto.MINE, "my layer")]
        + ([(TagInto.GOLD, "gold")] if reviews else []),
    }
    if any(asked.values()):
        try:
            found = search_parse(project, request.user, request.GET)
        except ValidationError as error:
            context["errors"] = error.message_dict
        else:
            page = Paginator(hits(found), HITS_PER_PAGE).get_page(request.GET.get("page"))
            context.update(page=page, groups=_grouped(project, page.object_list))
            # The tag takes every hit of the phrase: offered when the page lists exactly those.
            context["taggable"] = (
                found.q is not None and not found.spans_filtered and found.status is None
            )
            context["editable"] = _editable(found)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("tag", None)
    query.pop("edit", None)
    context["query"] = query.urlencode()
    tag = request.GET.get("tag", "")
    if tag.isdecimal():
        context.update(_tag_context(project, request.user, int(tag)))
    edit = request.GET.get("edit", "")
    if edit.isdecimal():
        context.update(_edit_context(project, request.user, int(edit)))
    return render(request, TEMPLATE, context)


def _editable(found) -> int:
    """How many listed spans the user may relabel or delete at once (0: not offered)."""
    if found.q is not None or found.suggestions:
        return 0
    if found.annotator is not None and found.annotator.pk != found.user.pk:
        return 0
    layers = editable_layers(found)
    return annotations(found).filter(layers).count() if layers is not None else 0


def _edit_context(project, user, job_id: int) -> dict:
    edit = search_edit_of(project, user, job_id)
    if edit is None:
        return {}
    job = edit.job
    return {
        "edit": edit,
        "edit_job": job,
        "edit_percent": round(job.progress * 100),
        "edit_result": job.result if job.status == JobStatus.DONE else None,
    }


def _back(filters) -> QueryDict:
    back = QueryDict(mutable=True)
    for name in FILTERS:
        if filters.get(name):
            back[name] = filters[name]
    return back


@require_POST
@project_view(Action.ANNOTATE)
def search_edit(request, project):
    """Start relabelling (or deleting) every listed span; back to the page, which follows
    the job. The form's checkbox is the confirmation: without it nothing starts."""
    back = _back(request.POST)
    url = reverse("search", args=[project.pk])
    kind = request.POST.get("kind")
    if kind not in EditKind.values or request.POST.get("confirm") != "1":
        messages.error(request, "Nothing changed: tick the box to confirm, then choose again.")
        return redirect(f"{url}?{back.urlencode()}")
    try:
        _, filters, label = search_edit_check(
            project, request.user, request.POST, relabel=kind == EditKind.RELABEL
        )
    except ValidationError as error:
        messages.error(request, f"Nothing changed: {' '.join(error.messages)}")
        return redirect(f"{url}?{back.urlencode()}")
    except PermissionDenied as error:
        messages.error(request, f"Nothing changed: {error}")
        return redirect(f"{url}?{back.urlencode()}")
    job = search_edit_later(
        project=project, user=request.user, kind=kind, filters=filters, label=label
    )
    back["edit"] = str(job.pk)
    return redirect(f"{url}?{back.urlencode()}")


@require_GET
@project_view(Action.SEE)
def search_edit_job(request, project, job_id: int):
    """The edit's part of the page, for htmx's polling: 286 (stop) once the job is done."""
    context = {"project": project, **_edit_context(project, request.user, job_id)}
    if "edit" not in context:
        raise Http404("No such edit of yours in this project.")
    part = render_to_string(f"{TEMPLATE}#edit-job", context, request=request)
    return HttpResponseStopPolling(part) if context["edit_job"].finished else HttpResponse(part)


@require_POST
@project_view(Action.ANNOTATE)
def search_edit_undone(request, project, job_id: int):
    """Undo the whole relabel or deletion in one step."""
    edit = search_edit_of(project, request.user, job_id)
    if edit is None:
        raise Http404("No such edit of yours in this project.")
    try:
        undone = search_edit_undo(edit=edit, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        restored, kept = undone["restored"], undone["kept"]
        note = f" ({kept} changed since stay as they are)" if kept else ""
        messages.success(request, f"Undone: {restored} span{'s' if restored != 1 else ''}{note}.")
    back = _back(edit.filters)
    return redirect(f"{reverse('search', args=[project.pk])}?{back.urlencode()}")


def _layers(project, reviews: bool) -> list[tuple[str, str]]:
    layers = [("", "every layer I may read"), ("mine", "my layer"), ("suggestions", "suggestions")]
    if reviews:
        layers.append(("gold", "gold"))
        members = project.memberships.select_related("user").order_by("user__username")
        layers += [(f"user:{m.user.username}", m.user.username) for m in members]
    return layers


def _grouped(project, found: list[dict]) -> list[dict]:
    """The page's hits by document, in order, each with its link into the workspace."""
    groups: list[dict] = []
    for hit in found:
        if not groups or groups[-1]["document"] != hit["document"]:
            groups.append({"document": hit["document"], "title": hit["title"], "hits": []})
        workspace = reverse("workspace", args=[project.pk, hit["document"]])
        hit["href"] = f"{workspace}?at={hit['start']}-{hit['end']}"
        groups[-1]["hits"].append(hit)
    return groups


def _tag_context(project, user, job_id: int) -> dict:
    tag = search_tag_of(project, user, job_id)
    if tag is None:
        return {}
    job = tag.job
    return {
        "tag": tag,
        "job": job,
        "percent": round(job.progress * 100),
        "result": job.result if job.status == JobStatus.DONE else None,
    }


@require_POST
@project_view(Action.ANNOTATE)
def search_tag(request, project):
    """Start tagging every hit of the phrase; back to the page, which follows the job."""
    back = QueryDict(mutable=True)
    back["q"] = request.POST.get("q", "")
    try:
        q, label, into = search_tag_check(project, request.user, request.POST)
    except ValidationError as error:
        for messages_ in error.message_dict.values():
            for message in messages_:
                messages.error(request, f"Not tagged: {message}")
        return redirect(f"{reverse('search', args=[project.pk])}?{back.urlencode()}")
    job = search_tag_later(project=project, user=request.user, q=q, label=label, into=into)
    back["tag"] = str(job.pk)
    return redirect(f"{reverse('search', args=[project.pk])}?{back.urlencode()}")


@require_GET
@project_view(Action.SEE)
def search_tag_job(request, project, job_id: int):
    """The tag's part of the page, for htmx's polling: 286 (stop) once the job is done."""
    context = {"project": project, **_tag_context(project, request.user, job_id)}
    if "tag" not in context:
        raise Http404("No such tag of yours in this project.")
    context["asked"] = {"q": context["tag"].q}
    part = render_to_string(f"{TEMPLATE}#tag-job", context, request=request)
    return HttpResponseStopPolling(part) if context["job"].finished else HttpResponse(part)


@require_POST
@project_view(Action.ANNOTATE)
def search_tag_undone(request, project, job_id: int):
    """Undo the whole tag in one step."""
    tag = search_tag_of(project, request.user, job_id)
    if tag is None:
        raise Http404("No such tag of yours in this project.")
    try:
        undone = search_tag_undo(tag=tag, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        what = "suggestion" if tag.into == TagInto.SUGGESTIONS else "span"
        removed, kept = undone["removed"], undone["kept"]
        note = f" ({kept} changed or decided since stay)" if kept else ""
        messages.success(
            request, f"Undone: {removed} {what}{'s' if removed != 1 else ''} removed{note}."
        )
    back = QueryDict(mutable=True)
    back["q"] = tag.q
    return redirect(f"{reverse('search', args=[project.pk])}?{back.urlencode()}")
