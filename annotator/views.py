"""The analyst's pages: projects, documents and the annotation workspace.

Function views, one per URL. htmx requests get the ``#annotation`` partial of the
workspace page back; everything else gets whole pages.
"""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Length
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from corpus.models import Document

from . import services
from .models import DocumentStatus, Label, Project, Span, Status
from .permissions import can_manage, can_review
from .rendering import article_html, markdown_html, span_items_html, trimmed
from .undo import UndoStack

DOCUMENTS_PER_PAGE = 50
HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def _project(request, project_id: int) -> Project:
    """The project if the user is a member (superusers: any), else 404."""
    projects = Project.objects.visible_to(request.user).with_role(request.user)
    return get_object_or_404(projects, pk=project_id)


def _document(project: Project, document_id: int) -> Document:
    return get_object_or_404(project.documents.all(), pk=document_id)


def _count(queryset) -> Subquery:
    return Coalesce(
        Subquery(queryset.values("project").annotate(n=Count("pk")).values("n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


@require_GET
def home(request):
    complete = DocumentStatus.objects.filter(project=OuterRef("pk"), status=Status.COMPLETE)
    projects = (
        Project.objects.visible_to(request.user)
        .with_role(request.user)
        .annotate(
            document_total=Count("documents", distinct=True),
            done_total=_count(complete),
            my_done=_count(complete.filter(user=request.user)),
        )
        .order_by("name", "id")
    )
    rows = []
    for project in projects:
        needed = project.document_total * project.annotators_per_document
        rows.append(
            {
                "project": project,
                "my_percent": _percent(project.my_done, project.document_total),
                "team_percent": _percent(project.done_total, needed),
                "needed": needed,
            }
        )
    return render(request, "annotator/home.html", {"rows": rows})


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


@require_GET
def project_detail(request, project_id: int):
    project = _project(request, project_id)
    my_status = DocumentStatus.objects.filter(
        project=project, document=OuterRef("pk"), user=request.user
    ).values("status")[:1]
    my_spans = (
        Span.objects.filter(project=project, document=OuterRef("pk"), annotator=request.user)
        .filter(gold=False)
        .values("document")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    documents = (
        project.documents.annotate(
            length=Length("text"),
            my_status=Coalesce(Subquery(my_status), Value(Status.NEW)),
            my_span_count=Coalesce(Subquery(my_spans), Value(0), output_field=IntegerField()),
        )
        .defer("text", "meta")
        .order_by("id")
    )
    status = request.GET.get("status", "")
    if status in Status.values:
        documents = documents.filter(my_status=status)
    else:
        status = ""
    page = Paginator(documents, DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "project": project,
        "page": page,
        "status": status,
        "statuses": Status.choices,
        "can_review": can_review(request.user, project),
        "can_manage": can_manage(request.user, project),
    }
    return render(request, "annotator/project.html", context)


@require_GET
def guidelines(request, project_id: int):
    project = _project(request, project_id)
    return render(
        request,
        "annotator/guidelines.html",
        {"project": project, "guidelines": markdown_html(project.guidelines)},
    )


@require_GET
def next_document(request, project_id: int):
    project = _project(request, project_id)
    document = services.document_next(project=project, user=request.user)
    if document is None:
        messages.success(request, "Nothing left for you to annotate in this project. Well done.")
        return redirect("project", project_id=project.pk)
    return redirect("workspace", project_id=project.pk, document_id=document.pk)


@require_GET
def workspace(request, project_id: int, document_id: int):
    project = _project(request, project_id)
    document = _document(project, document_id)
    return render(request, "annotator/workspace.html", _workspace(request, project, document))


def _workspace(
    request, project: Project, document: Document, *, notice: str = "", refused: str = ""
) -> dict:
    """Everything the workspace page and its ``#annotation`` partial show."""
    labels = list(project.labels.all())
    names = {label.pk: label.name for label in labels}
    spans = list(
        Span.objects.filter(project=project, document=document)
        .by(request.user)
        .only("id", "start", "end", "label_id")
        .order_by("start", "end", "id")
    )
    text = document.text
    delete_url = reverse("span_remove", args=[project.pk, 0]).replace("/0/", "/{}/")
    status = (
        DocumentStatus.objects.filter(project=project, document=document, user=request.user)
        .values_list("status", flat=True)
        .first()
    ) or Status.NEW
    neighbours = project.documents.values_list("pk", flat=True)
    previous_id = neighbours.filter(pk__lt=document.pk).order_by("-pk").first()
    next_id = neighbours.filter(pk__gt=document.pk).order_by("pk").first()
    return {
        "project": project,
        "document": document,
        "labels": labels,
        "article": article_html(text, spans, names),
        "span_count": len(spans),
        "span_items": span_items_html(text, spans, names, delete_url),
        "status": status,
        "is_complete": status == Status.COMPLETE,
        "previous_id": previous_id,
        "next_id": next_id,
        "guidelines": markdown_html(project.guidelines),
        "can_undo": bool(UndoStack(request.session, project.pk, document.pk)),
        "notice": notice,
        "refused": refused,
    }


def _annotation(request, project, document, *, notice="", refused="", status=200):
    """The ``#annotation`` partial (text, status line) and the span list after a change."""
    context = _workspace(request, project, document, notice=notice, refused=refused)
    if request.htmx:
        return render(request, "annotator/workspace.html#changes", context, status=status)
    if refused:
        messages.error(request, refused)
    elif notice:
        messages.success(request, notice)
    return redirect("workspace", project_id=project.pk, document_id=document.pk)


def _message(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(m for messages_ in error.message_dict.values() for m in messages_)
    return " ".join(error.messages)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


@require_POST
def span_add(request, project_id: int, document_id: int):
    project = _project(request, project_id)
    document = _document(project, document_id)
    start, end = _int(request.POST.get("start")), _int(request.POST.get("end"))
    label = Label.objects.filter(project=project, pk=_int(request.POST.get("label"))).first()
    if start is None or end is None:
        return _annotation(
            request, project, document, refused="Select some text first.", status=422
        )
    if 0 <= start < end <= len(document.text):
        start, end = trimmed(document.text, start, end)
        if start == end:
            return _annotation(
                request,
                project,
                document,
                refused="The selection holds only whitespace.",
                status=422,
            )
    try:
        span = services.span_create(
            project=project,
            document=document,
            annotator=request.user,
            label=label,
            start=start,
            end=end,
        )
    except ValidationError as error:
        return _annotation(request, project, document, refused=_message(error), status=422)
    UndoStack(request.session, project.pk, document.pk).push_created(span)
    return _annotation(
        request, project, document, notice=f"Saved {span.label.name}: “{_quote(span.text)}”."
    )


def _my_span(request, project: Project, span_id: int) -> Span:
    """A span of the user's own layer in this project, else 404."""
    return get_object_or_404(
        Span.objects.select_related("document", "label", "project").by(request.user),
        project=project,
        pk=span_id,
    )


@require_POST
def span_relabel(request, project_id: int, span_id: int):
    project = _project(request, project_id)
    span = _my_span(request, project, span_id)
    label = Label.objects.filter(project=project, pk=_int(request.POST.get("label"))).first()
    if label is None:
        return _annotation(
            request, project, span.document, refused="Unknown label for this project.", status=422
        )
    previous = span.label
    try:
        services.span_update(span=span, label=label)
    except ValidationError as error:
        return _annotation(request, project, span.document, refused=_message(error), status=422)
    UndoStack(request.session, project.pk, span.document_id).push_relabelled(span, previous)
    return _annotation(
        request,
        project,
        span.document,
        notice=f"Relabelled as {label.name}: “{_quote(span.text)}”.",
    )


@require_POST
def span_remove(request, project_id: int, span_id: int):
    project = _project(request, project_id)
    span = _my_span(request, project, span_id)
    document = span.document
    UndoStack(request.session, project.pk, document.pk).push_deleted(span)
    text = span.text
    services.span_delete(span=span)
    return _annotation(request, project, document, notice=f"Deleted “{_quote(text)}”.")


@require_POST
def undo(request, project_id: int, document_id: int):
    project = _project(request, project_id)
    document = _document(project, document_id)
    stack = UndoStack(request.session, project.pk, document.pk)
    try:
        notice = stack.undo(project=project, document=document, user=request.user)
    except ValidationError as error:
        return _annotation(request, project, document, refused=_message(error), status=422)
    if notice is None:
        return _annotation(request, project, document, refused="Nothing to undo.", status=422)
    return _annotation(request, project, document, notice=notice)


@require_POST
def complete(request, project_id: int, document_id: int):
    """Mark the document complete and go on to the next one."""
    project = _project(request, project_id)
    document = _document(project, document_id)
    services.document_complete(project=project, document=document, user=request.user)
    following = services.document_next(project=project, user=request.user)
    if following is None:
        messages.success(request, f"“{document}” is complete. Nothing left for you here.")
        url = reverse("project", args=[project.pk])
    else:
        messages.success(request, f"“{document}” is complete. Here is the next one.")
        url = reverse("workspace", args=[project.pk, following.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_POST
def reopen(request, project_id: int, document_id: int):
    project = _project(request, project_id)
    document = _document(project, document_id)
    services.document_reopen(project=project, document=document, user=request.user)
    return _annotation(request, project, document, notice="Reopened: the document is in progress.")


@require_GET
def label_styles(request, project_id: int):
    """Each label's colour as CSS classes: our CSP allows no inline styles."""
    project = _project(request, project_id)
    rules = []
    for label in project.labels.all():
        # Colours are validated on input; this guards the stylesheet against any that weren't.
        color = label.color if HEX_COLOR.fullmatch(label.color) else "#555555"
        rules.append(f".c1-{label.pk}{{--c1:{color}}}.c2-{label.pk}{{--c2:{color}}}")
    response = HttpResponse("\n".join(rules), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, max-age=60"
    return response


def _quote(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
