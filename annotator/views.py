"""The analyst's pages: projects, documents and the annotation workspace.

Function views, one per URL. htmx requests get the ``#annotation`` partial of the
workspace page back; everything else gets whole pages.
"""

import re
from collections.abc import Iterable, Sequence

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from corpus.models import Document

from . import (
    category_bar,
    curation,
    document_table,
    homes,
    patches,
    relation_panel,
    relation_review,
    services,
    suggestion_panel,
)
from .categories import Category
from .consistency import report as consistency_report
from .document_table import DocumentFilters
from .history import EVENTS_PER_PAGE, category_history, document_history, history_rows
from .models import (
    Comment,
    Label,
    LabelKind,
    Membership,
    Project,
    Propagate,
    Review,
    Span,
    Status,
)
from .permissions import (
    Action,
    can_edit_layer,
    can_manage,
    can_review,
    can_see_layer,
    document_or_404,
    project_view,
    require,
    visible_comments,
    visible_spans,
)
from .progress import progress
from .relations import Relation, RelationType
from .rendering import (
    SpanRow,
    article_pieces,
    markdown_html,
    paragraph_starts,
    span_rows,
    trimmed,
)
from .services import BatchErrors
from .undo import last_change, undo_last

DOCUMENTS_PER_PAGE = 50
BULK_MAX = 10_000  # documents one assignment may take: one statement's parameters
CANDIDATES_PER_PAGE = 50
HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


@require_GET
def home(request):
    return render(request, "annotator/home.html", {"cards": homes.cards(request.user)})


@require_GET
@project_view()
def project_detail(request, project: Project):
    sees_team = can_review(request.user, project)
    manager = can_manage(request.user, project)
    people = (
        list(project.memberships.select_related("user").order_by("user__username"))
        if sees_team
        else []
    )
    filters = DocumentFilters(request.GET, people=people, sees_team=sees_team)
    if filters.is_valid():
        found = document_table.ids(project, request.user, filters)
        total = document_table.count(project, request.user, filters)
    else:
        found, total = project.documents.none(), 0
    paginator = Paginator(found, DOCUMENTS_PER_PAGE)
    paginator.count = total  # counted without reading the documents (document_table.count)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "project": project,
        "page": page,
        "rows": document_table.rows(project, request.user, list(page), sees_team=sees_team),
        "filters": filters,
        "query": query.urlencode(),
        "can_review": sees_team,
        "can_manage": manager,
        "members": people if manager else [],
    }
    return render(request, "annotator/project.html", context)


@require_POST
@project_view(Action.MANAGE)
def assign(request, project: Project):
    """A manager gives the ticked documents (or every match of the table's filters) to one
    member, or takes them back."""
    member = (
        Membership.objects.filter(project=project, user__username=request.POST.get("user", ""))
        .select_related("user")
        .first()
    )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("project", args=[project.pk])
    if request.POST.get("matching"):
        people = list(project.memberships.select_related("user"))
        filters = DocumentFilters(
            QueryDict(request.POST.get("filters", "")), people=people, sees_team=True
        )
        if not filters.is_valid():
            messages.error(request, "The filters changed or are not valid: select again.")
            return redirect(back)
        chosen = document_table.documents(project, request.user, filters)
    else:
        ids = [pk for pk in map(_int, request.POST.getlist("document")) if pk is not None]
        chosen = project.documents.filter(pk__in=ids[: BULK_MAX + 1])
    documents = list(chosen.only("id", "title", "external_id")[: BULK_MAX + 1])
    if len(documents) > BULK_MAX:
        messages.error(
            request,
            f"More than {BULK_MAX:,} documents chosen: narrow the filters and do it in parts.",
        )
    elif member is None:
        messages.error(request, "Choose a member of this project first.")
    elif not documents:
        messages.error(request, "Tick the documents first, or select every match.")
    elif request.POST.get("action") == "unassign":
        taken, begun = services.documents_unassign(
            project=project, documents=documents, user=member.user
        )
        messages.success(request, f"Took {len(taken)} document(s) back from {member.user}.")
        if begun:
            messages.warning(
                request,
                f"Kept {len(begun)} that {member.user} has begun ({_names(begun)}): "
                "their work stays theirs.",
            )
    else:
        added, full = services.documents_assign(
            project=project, documents=documents, user=member.user
        )
        already = len(documents) - len(added) - len(full)
        note = f" ({already} already theirs)" if already else ""
        messages.success(request, f"Assigned {len(added)} document(s) to {member.user}{note}.")
        if full:
            people = project.annotators_per_document
            messages.error(
                request,
                f"Not assigned, already with their {people} annotator(s): {_names(full)}.",
            )
    return redirect(back)


def _names(documents: list[Document], shown: int = 5) -> str:
    names = ", ".join(f"“{document}”" for document in documents[:shown])
    more = len(documents) - shown
    return f"{names} and {more} more" if more > 0 else names


@require_GET
@project_view()
def guidelines(request, project: Project):
    return render(
        request,
        "annotator/guidelines.html",
        {"project": project, "guidelines": markdown_html(project.guidelines)},
    )


@require_GET
@project_view()
def next_document(request, project: Project):
    document = services.document_next(project=project, user=request.user)
    if document is None:
        messages.success(request, "Nothing left for you to annotate in this project. Well done.")
        return redirect("project", project_id=project.pk)
    return redirect("workspace", project_id=project.pk, document_id=document.pk)


@require_GET
@project_view()
def workspace(request, project: Project, document_id: int):
    document = document_or_404(project, document_id)
    return render(request, "annotator/workspace.html", _workspace(request, project, document))


@require_GET
@project_view(Action.REVIEW)
def review(request, project: Project, document_id: int):
    """The reviewer's page: analysts' layers side by side, and the gold layer to curate."""
    document = document_or_404(project, document_id)
    context = _workspace(request, project, document, gold=True)
    return render(request, "annotator/workspace.html", context)


@require_GET
@project_view(Action.REVIEW)
def review_candidates(request, project: Project, document_id: int):
    """The next rows of the review page's comparison (the page holds the first ones); asked
    outside the page, the page itself."""
    document = document_or_404(project, document_id)
    if not request.htmx:
        return redirect("review", project_id=project.pk, document_id=document.pk)
    context = _candidate_page(project, document, curation.compare(project, document), request)
    return render(request, "annotator/workspace.html#candidate-page", context)


def _candidate_page(project: Project, document: Document, comparison, request=None) -> dict:
    """A page of the comparison's rows (one per stretch), disputed first, and where the next
    page is: a long article's hundreds of rows would make the review page megabytes. With
    ``?disputed=1`` only the disputed rows."""
    disputed = bool(request and request.method == "GET" and request.GET.get("disputed"))
    rows = comparison.for_review(disputed_only=disputed)
    page = Paginator(rows, CANDIDATES_PER_PAGE).get_page(
        request.GET.get("page") if request and request.method == "GET" else 1
    )
    url = reverse("review_candidates", args=[project.pk, document.pk])
    more_url = ""
    if page.has_next():
        more_url = f"{url}?page={page.next_page_number()}{'&disputed=1' if disputed else ''}"
    return {
        "project": project,
        "document": document,
        "comparison": comparison,
        "candidates": page.object_list,
        "disputed_only": disputed,
        "rows_url": url,
        "more_url": more_url,
        "more_count": len(rows) - page.end_index(),
    }


def _bands(comparison) -> dict:
    """The analysts' layers as the review page draws them under the text (bands.js): per
    analyst, each span as [start, end, label id, span id, rejected]. A few numbers a
    span, not markup: 1,500 spans cost about 30 KB."""
    return {
        "analysts": [analyst.username for analyst in comparison.analysts],
        "spans": [
            [
                column,
                candidate.start,
                candidate.end,
                candidate.label.pk,
                cell.span.pk,
                int(bool(cell.rejected)),
            ]
            for candidate in comparison.candidates
            for column, cell in enumerate(candidate.cells)
            if cell.span is not None
        ],
    }


def _workspace(request, project: Project, document: Document, *, gold: bool = False) -> dict:
    """The whole workspace page (or, with ``gold``, the review page)."""
    labels = services.labels_of(project)
    context = _annotation(
        request, project, document, gold=gold, names={label.pk: label.name for label in labels}
    )
    context |= category_bar.bar(request, project, document, labels, gold=gold)
    # From the project–document links alone, by their (project, document) index: through
    # the documents table, SQLite sorted the whole project (10,000 documents: 3.8 → 0.9 ms).
    links = Project.documents.through.objects.filter(project=project)
    neighbours = links.values_list("document_id", flat=True)
    # "Document n of m": one count over the same index (10,000 links: under a millisecond).
    place = links.aggregate(n=Count("pk", filter=Q(document_id__lte=document.pk)), m=Count("pk"))
    span_url = reverse("span_add", args=[project.pk, document.pk])
    return {
        "place": place,
        **context,
        **_comments(request, project, document, gold=gold),
        **suggestion_panel.panel(request, project, document, gold=gold),
        **relation_panel.panel(request, project, document, gold=gold),
        "labels": [label for label in labels if label.kind != LabelKind.DOCUMENT],
        "span_url": f"{span_url}?layer=gold" if gold else span_url,
        "page_name": "review" if gold else "workspace",
        "previous_id": neighbours.filter(document_id__lt=document.pk)
        .order_by("-document_id")
        .first(),
        "next_id": neighbours.filter(document_id__gt=document.pk).order_by("document_id").first(),
        "guidelines": markdown_html(project.guidelines),
        "can_review": can_review(request.user, project),
    }


def _annotation(
    request,
    project: Project,
    document: Document,
    *,
    gold: bool = False,
    names: dict[int, str] | None = None,
    notice: str = "",
    refused: str = "",
    can_undo: bool | None = None,
    spans: list[SpanRow] | None = None,
) -> dict:
    """What a change can alter: the article, the span list, the status line and actions
    (``#annotation`` and ``#span-list``), and on the review page the comparison.
    ``names`` (the labels' names), ``can_undo`` and the layer's ``spans`` are passed in
    when the caller knows them.
    """
    if names is None:
        names = services.label_names(project)
    if spans is None:
        # Plain rows, not model instances: hundreds of them.
        spans = services.layer_rows(project, document, request.user, gold=gold)
    text = document.text
    known = {} if can_undo is None else {"can_undo": can_undo}
    context = {
        **_actions(request, project, document, gold=gold, notice=notice, refused=refused, **known),
        "pieces": article_pieces(text, spans, names),
        "layer": patches.digest(spans),
        "span_count": len(spans),
        "rows": span_rows(text, spans, names),
    }
    if gold:
        comparison = curation.compare(project, document)
        context |= _candidate_page(project, document, comparison, request)
        context["bands"] = _bands(comparison)
        context |= relation_review.analysts(project, document)
    return context


def _actions(
    request, project: Project, document: Document, *, gold: bool, notice="", refused="", **known
) -> dict:
    """The status line and the document's actions (its state, undo, complete or reopen)."""
    context = {
        "project": project,
        "document": document,
        "gold": gold,
        "notice": notice,
        "refused": refused,
        **known,
    }
    if "can_undo" not in known:
        context["can_undo"] = last_change(project, document, request.user, gold=gold) is not None
    if gold:
        context["reviewed"] = (
            Review.objects.filter(project=project, document=document)
            .select_related("reviewer")
            .first()
        )
    else:
        status = services.status_of(project, document, request.user)
        context |= {"status": status, "is_complete": status == Status.COMPLETE}
    return context


def _comments(
    request, project: Project, document: Document, *, gold: bool, notice="", refused="", draft=""
) -> dict:
    """The team's notes: reviewers see all; an analyst, those on the document and their spans.
    ``draft`` is a refused comment's text, given back to the box so that nothing is lost."""
    comments = (
        Comment.objects.filter(project=project, document=document)
        .filter(visible_comments(request.user, project))
        .select_related("author", "span__label")
    )
    return {
        "project": project,
        "document": document,
        "gold": gold,
        "comments": list(comments),
        "comment_notice": notice,
        "comment_refused": refused,
        "comment_draft": draft,
    }


def _changed(
    request,
    project,
    document,
    *,
    gold=False,
    notice="",
    refused="",
    status=200,
    names=None,
    can_undo=None,
    comments_changed=False,
    spans=None,
    suggestions_removed=(),
    suggestions_changed=True,
    relations_changed=False,
):
    """After a change: the ``#annotation`` partial with the span list out of band (and the
    comments' list, when ``comments_changed``, the relations when ``relations_changed``);
    without htmx, a redirect back to the page. ``suggestions_changed`` False: the change
    cannot have changed the pending suggestions, whose state is then not asked (see
    ``_patched``)."""
    if request.htmx:
        context = _annotation(
            request,
            project,
            document,
            gold=gold,
            names=names,
            notice=notice,
            refused=refused,
            can_undo=can_undo,
            spans=spans,
        )
        if comments_changed:
            context |= _comments(request, project, document, gold=gold)
            context["comments_changed"] = True
        if suggestions_changed:
            context |= suggestion_panel.changes(
                request, project, document, gold=gold, removed=suggestions_removed
            )
        if relations_changed:
            context |= relation_panel.panel(request, project, document, gold=gold)
            context["relations_changed"] = bool(context["relation_types"])
        return render(request, "annotator/workspace.html#changes", context, status=status)
    if refused:
        messages.error(request, refused)
    elif notice:
        messages.success(request, notice)
    return redirect(
        "review" if gold else "workspace", project_id=project.pk, document_id=document.pk
    )


def _patched(
    request,
    project: Project,
    document: Document,
    change: patches.Change,
    *,
    gold: bool = False,
    names: dict[int, str] | None = None,
    notice: str = "",
    refused: str = "",
    status: int = 200,
    can_undo: bool | None = None,
    comments_changed: bool = False,
    candidates: Iterable[curation.Key] = (),
    suggestions_removed: Iterable[int] = (),
    suggestions_changed: bool = True,
    relations_changed: bool = False,
    relations_removed: Sequence[int] = (),
):
    """After a change to a layer the page shows (the user's own, or gold on the review
    page): only what it altered (``patches``), when the page showed the layer as it was
    just before; else the whole annotation, as ``_changed``. On the review page the
    comparison's rows of the spans changed (and of ``candidates``) come along; so do the
    relations' panel when ``relations_changed``, or only the rows of ``relations_removed``
    (those a span's deletion, or an undone tag, took).

    The pending suggestions' state comes along unless ``suggestions_changed`` is False (a
    refusal; a tag where nothing propagates): its query cost a tag 10–12 ms of server time
    on the long article with 500 pending (bench/browser.py --suggestions 500, loaded)."""
    if not request.htmx:
        return _changed(request, project, document, gold=gold, notice=notice, refused=refused)
    if names is None:
        names = services.label_names(project)
    spans = services.layer_rows(project, document, request.user, gold=gold)
    before, now = patches.digests(spans, change)
    if request.POST.get("layer") != before:
        return _changed(
            request,
            project,
            document,
            gold=gold,
            notice=notice,
            refused=refused,
            status=status,
            names=names,
            can_undo=can_undo,
            comments_changed=comments_changed,
            spans=spans,
            suggestions_removed=suggestions_removed,
            suggestions_changed=suggestions_changed,
            relations_changed=relations_changed or bool(relations_removed),
        )
    known = {} if can_undo is None else {"can_undo": can_undo}
    context = _actions(
        request, project, document, gold=gold, notice=notice, refused=refused, **known
    )
    context |= {"layer": now, "span_count": len(spans)}
    if change.ids:
        breaks = paragraph_starts(document.text)
        start, end = patches.stretch(spans, change, len(document.text), breaks)
        context |= {
            "stretch": (start, end),
            "pieces": article_pieces(
                document.text, spans, names, start=start, end=end, breaks=breaks
            ),
            "removed": " ".join(map(str, sorted(change.ids))),
            "rows": span_rows(
                document.text, [span for span in spans if span.id in change.ids], names
            ),
        }
    if gold:
        keys = {(s.start, s.end, s.label_id) for s in (*change.before, *change.after)}
        context |= _candidates_changed(project, document, keys | set(candidates))
    if comments_changed:
        context |= _comments(request, project, document, gold=gold)
        context["comments_changed"] = True
    # The suggestions decided, and the pending set's state (suggestion_panel).
    if suggestions_changed:
        context |= suggestion_panel.changes(
            request, project, document, gold=gold, removed=list(suggestions_removed)
        )
    if relations_changed:  # relations came back, or a batch undone took some
        context |= relation_panel.panel(request, project, document, gold=gold)
        context["relations_changed"] = bool(context["relation_types"])
    elif relations_removed:
        context |= relation_panel.patch(request, document, gold=gold, removed=relations_removed)
    response = render(request, "annotator/workspace.html#patch", context, status=status)
    return reswap(retarget(response, "#patch"), "innerHTML")


def _candidates_changed(project: Project, document: Document, keys: set[curation.Key]) -> dict:
    """The review page's comparison rows for these spans (start, end, label), and the
    count of what most agree on, which accepting changes."""
    if not keys:
        return {}
    comparison = curation.compare(project, document)
    wanted = {curation.row_id(key) for key in keys}
    found = [row for row in comparison.stretches() if row.row_id in wanted]
    return {
        "comparison": comparison,
        "candidates": found,
        "dropped": " ".join(sorted(wanted - {row.row_id for row in found})),
    }


def _refuse(request, project, document, message: str, *, gold: bool = False, names=None):
    """A refusal shown in place (422), the page otherwise unchanged."""
    change = patches.Change()
    return _patched(
        request,
        project,
        document,
        change,
        gold=gold,
        refused=message,
        status=422,
        names=names,
        suggestions_changed=False,
    )


def _message(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(m for messages_ in error.message_dict.values() for m in messages_)
    return " ".join(error.messages)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _gold(request, project: Project) -> bool:
    """Whether the request writes into gold (``?layer=gold``), which only reviewers may."""
    if request.GET.get("layer") != "gold":
        return False
    require(request.user, project, Action.REVIEW)
    return True


def _labels(project: Project) -> dict[int, Label]:
    """The project's labels by id: the one asked for, and every name to draw the layer."""
    return {label.pk: label for label in services.labels_of(project)}


@require_POST
@project_view(Action.ANNOTATE)
def span_add(request, project: Project, document_id: int):
    document = document_or_404(project, document_id)
    gold = _gold(request, project)
    labels = _labels(project)
    names = {pk: label.name for pk, label in labels.items()}
    start, end = _int(request.POST.get("start")), _int(request.POST.get("end"))
    refused = ""
    if start is None or end is None:
        refused = "Select some text first."
    elif 0 <= start < end <= len(document.text):
        start, end = trimmed(document.text, start, end)
        if start == end:
            refused = "The selection holds only whitespace."
    if refused:
        return _refuse(request, project, document, refused, gold=gold, names=names)
    try:
        span = services.span_create(
            project=project,
            document=document,
            annotator=request.user,
            label=labels.get(_int(request.POST.get("label"))),
            start=start,
            end=end,
            gold=gold,
        )
    except ValidationError as error:
        return _refuse(request, project, document, _message(error), gold=gold, names=names)
    notice = f"Saved {span.label.name}: “{_quote(span.text)}”."
    change = patches.Change(after=(span,))
    return _patched(
        request,
        project,
        document,
        change,
        gold=gold,
        notice=notice,
        names=names,
        can_undo=True,
        suggestions_changed=project.propagate != Propagate.OFF,
    )


def _editable_span(request, project: Project, span_id: int) -> Span:
    """A span of the user's own layer, or of gold for reviewers; else 404 or 403."""
    span = services.span_of(project, span_id)
    if span is None or not can_see_layer(
        request.user, project, annotator_id=span.annotator_id, gold=span.gold
    ):
        raise Http404("No such span.")
    span.project = project  # the one already read, with the user's role on it
    span.document = document_or_404(project, span.document_id)
    if not can_edit_layer(request.user, project, annotator_id=span.annotator_id, gold=span.gold):
        raise PermissionDenied("You may read this layer but not change it.")
    return span


@require_POST
@project_view(Action.ANNOTATE)
def span_relabel(request, project: Project, span_id: int):
    span = _editable_span(request, project, span_id)
    labels = _labels(project)
    names = {pk: label.name for pk, label in labels.items()}
    label = labels.get(_int(request.POST.get("label")))
    if label is None:
        refused = "Unknown label for this project."
        return _refuse(request, project, span.document, refused, gold=span.gold, names=names)
    before = SpanRow(span.pk, span.start, span.end, span.label_id)
    try:
        services.span_update(span=span, label=label, actor=request.user)
    except ValidationError as error:
        return _refuse(
            request, project, span.document, _message(error), gold=span.gold, names=names
        )
    notice = f"Relabelled as {label.name}: “{_quote(span.text)}”."
    change = patches.Change(before=(before,), after=(span,))
    # A comment names the span's label: the comments' list changes with it. The pending
    # suggestions do not (an acceptance counts while its span is there, whatever label).
    return _patched(
        request,
        project,
        span.document,
        change,
        gold=span.gold,
        notice=notice,
        names=names,
        can_undo=True,
        comments_changed=services.is_commented(span),
        suggestions_changed=False,
    )


@require_POST
@project_view(Action.ANNOTATE)
def span_remove(request, project: Project, span_id: int):
    span = _editable_span(request, project, span_id)
    deletion = services.span_delete(span=span, actor=request.user)
    return _patched(
        request,
        project,
        span.document,
        patches.Change(before=(span,)),
        gold=span.gold,
        notice=f"Deleted “{_quote(span.text)}”.",
        can_undo=True,
        comments_changed=deletion.commented,
        relations_removed=deletion.relations,
        suggestions_changed=deletion.reoffered,
    )


@require_POST
@project_view(Action.ANNOTATE)
def undo(request, project: Project, document_id: int):
    document = document_or_404(project, document_id)
    gold = _gold(request, project)
    try:
        undone = undo_last(project, document, request.user, gold=gold)
    except ValidationError as error:
        return _refuse(request, project, document, _message(error), gold=gold)
    if undone is None:
        return _refuse(request, project, document, "Nothing to undo.", gold=gold)
    if undone.categories:
        return _categories_changed(
            request, project, document, gold=gold, notice=undone.notice, can_undo=undone.more
        )
    return _patched(
        request,
        project,
        document,
        undone.change,
        gold=gold,
        notice=undone.notice,
        can_undo=undone.more,
        # Relations brought back (a deletion undone) come with the relations' panel; those
        # a tag undone took, as the rows to take out, as after a deletion.
        relations_changed=undone.relations,
        relations_removed=undone.relations_removed,
        suggestions_changed=undone.suggestions,
        comments_changed=undone.comments,
    )


@require_POST
@project_view(Action.ANNOTATE)
def relation_add(request, project: Project, document_id: int):
    """Relate two spans of the layer (the user's own, or gold with ``?layer=gold``)."""
    document = document_or_404(project, document_id)
    gold = _gold(request, project)
    ids = [_int(request.POST.get(name)) for name in ("source", "target")]
    spans = {
        span.pk: span
        for span in Span.objects.filter(
            project=project, document=document, pk__in=ids
        ).select_related("label")
    }
    relation_type = RelationType.objects.filter(
        project=project, pk=_int(request.POST.get("type"))
    ).first()
    try:
        relation = services.relation_create(
            project=project,
            document=document,
            annotator=request.user,
            relation_type=relation_type,
            source=spans.get(ids[0]),
            target=spans.get(ids[1]),
            gold=gold,
        )
    except ValidationError as error:
        return _relations_changed(request, project, document, gold=gold, refused=_message(error))
    notice = (
        f"Related: {relation.source.label.name} {relation.type.name} {relation.target.label.name}."
    )
    return _relations_changed(request, project, document, gold=gold, notice=notice, added=relation)


@require_POST
@project_view(Action.ANNOTATE)
def relation_remove(request, project: Project, relation_id: int):
    relation = (
        Relation.objects.filter(project=project, pk=relation_id)
        .select_related("document", "type")
        .first()
    )
    if relation is None or not can_see_layer(
        request.user, project, annotator_id=relation.annotator_id, gold=relation.gold
    ):
        raise Http404("No such relation.")
    if not can_edit_layer(
        request.user, project, annotator_id=relation.annotator_id, gold=relation.gold
    ):
        raise PermissionDenied("You may read this layer but not change it.")
    removed = [relation.pk]
    services.relation_delete(relation=relation, actor=request.user)
    notice = f"Deleted the {relation.type.name} relation."
    return _relations_changed(
        request, project, relation.document, gold=relation.gold, notice=notice, removed=removed
    )


@require_POST
@project_view(Action.REVIEW)
def relation_accept(request, project: Project, relation_id: int):
    """Copy an analyst's relation into gold, its spans first where gold lacks them."""
    relation = (
        Relation.objects.filter(project=project, pk=relation_id, gold=False)
        .select_related("document", "type", "source", "target")
        .first()
    )
    if relation is None:
        raise Http404("No such relation.")
    relation.project = project  # the one already read, with the user's role on it
    try:
        services.relation_accept(relation=relation, reviewer=request.user)
    except ValidationError as error:
        return _changed(
            request, project, relation.document, gold=True, refused=_message(error), status=422
        )
    notice = f"Accepted the {relation.type.name} relation into gold."
    return _changed(
        request,
        project,
        relation.document,
        gold=True,
        notice=notice,
        can_undo=True,
        relations_changed=True,
    )


def _relations_changed(
    request,
    project,
    document,
    *,
    gold: bool,
    notice="",
    refused="",
    added=None,
    removed=(),
    suggestion_removed: int | None = None,
):
    """After a change to the relations: the row ``added`` or ``removed``, the count and the
    status line (``relation_panel.patch``), all out of band, and the row of a suggested
    relation rejected (``suggestion_removed``) with the count left; a refusal, the status
    line alone (422). Without htmx, back to the page."""
    if not request.htmx:
        if refused:
            messages.error(request, refused)
        elif notice:
            messages.success(request, notice)
        return redirect(
            "review" if gold else "workspace", project_id=project.pk, document_id=document.pk
        )
    context = {"project": project, "document": document, "gold": gold, "notice": notice}
    if refused:
        context["refused"] = refused
    else:
        context |= relation_panel.patch(request, document, gold=gold, added=added, removed=removed)
        if suggestion_removed is not None:
            context |= {
                "relation_suggestion_removed": suggestion_removed,
                "relation_suggestion_count": services.relation_suggestions_pending(
                    project, document, request.user, gold=gold
                ).count(),
            }
    response = render(
        request, "annotator/workspace.html#relation-answer", context, status=422 if refused else 200
    )
    return reswap(retarget(response, "#relations"), "none")


@require_POST
@project_view(Action.ANNOTATE)
def category_toggle(request, project: Project, document_id: int):
    """Give the document a document label in the layer (the user's own, or gold with
    ``?layer=gold``), or take it back when the layer has it."""
    document = document_or_404(project, document_id)
    gold = _gold(request, project)
    labels = services.labels_of(project)
    label = next((one for one in labels if one.pk == _int(request.POST.get("label"))), None)
    layer = Category.objects.filter(project=project, document=document, label=label)
    category = (layer.gold() if gold else layer.by(request.user)).select_related("label").first()
    try:
        if category is not None:
            services.category_delete(category=category, actor=request.user)
            notice = f"Document label {category.label.name} removed."
        else:
            services.category_add(
                project=project, document=document, annotator=request.user, label=label, gold=gold
            )
            notice = f"Document label {label.name} given."
    except ValidationError as error:
        return _categories_changed(
            request,
            project,
            document,
            gold=gold,
            labels=labels,
            refused=_message(error),
            status=422,
        )
    return _categories_changed(
        request, project, document, gold=gold, labels=labels, notice=notice, can_undo=True
    )


def _categories_changed(
    request,
    project: Project,
    document: Document,
    *,
    gold: bool,
    labels: list[Label] | None = None,
    status: int = 200,
    **known,
):
    """After a change to the document labels: the bar, with the status line and the
    document's actions out of band; without htmx, a redirect back to the page."""
    if not request.htmx:
        if known.get("refused"):
            messages.error(request, known["refused"])
        elif known.get("notice"):
            messages.success(request, known["notice"])
        return redirect(
            "review" if gold else "workspace", project_id=project.pk, document_id=document.pk
        )
    if labels is None:
        labels = services.labels_of(project)
    context = _actions(request, project, document, gold=gold, **known)
    context |= category_bar.bar(request, project, document, labels, gold=gold)
    response = render(request, "annotator/workspace.html#category-answer", context, status=status)
    return reswap(retarget(response, "#categories"), "outerHTML")


@require_POST
@project_view(Action.ANNOTATE)
def complete(request, project: Project, document_id: int):
    """Mark the document complete and go on to the next one."""
    document = document_or_404(project, document_id)
    try:
        services.document_complete(project=project, document=document, user=request.user)
    except ValidationError as error:
        return _refuse(request, project, document, _message(error))
    following = services.document_next(project=project, user=request.user)
    if following is None:
        messages.success(request, f"“{document}” is complete. Nothing left for you here.")
        url = reverse("project", args=[project.pk])
    else:
        messages.success(request, f"“{document}” is complete. Here is the next one.")
        url = reverse("workspace", args=[project.pk, following.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_POST
@project_view(Action.ANNOTATE)
def reopen(request, project: Project, document_id: int):
    document = document_or_404(project, document_id)
    try:
        services.document_reopen(project=project, document=document, user=request.user)
    except ValidationError as error:
        return _refuse(request, project, document, _message(error))
    return _changed(request, project, document, notice="Reopened: the document is in progress.")


@require_GET
@project_view()
def label_styles(request, project: Project):
    """Each label's colour as CSS classes: our CSP allows no inline styles."""
    rules = []
    for label in project.labels.all():
        # Colours are validated on input; this guards the stylesheet against any that weren't.
        color = label.color if HEX_COLOR.fullmatch(label.color) else "#555555"
        rules.append(f".c1-{label.pk}{{--c1:{color}}}.c2-{label.pk}{{--c2:{color}}}")
        # Suggestions are drawn as highlights (suggestions.js), which take no classes.
        rules.append(
            f"::highlight(sg-{label.pk}){{text-decoration:underline dashed 2px {color};"
            f"background-color:{color}1f}}"
        )
    response = HttpResponse("\n".join(rules), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, max-age=60"
    return response


def _quote(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _key(value: str) -> tuple[int, int, int] | None:
    """A candidate span named as ``start:end:label_id`` by the review form."""
    parts = value.split(":")
    numbers = [_int(part) for part in parts]
    if len(numbers) != 3 or None in numbers:
        return None
    return numbers[0], numbers[1], numbers[2]


@require_POST
@project_view(Action.REVIEW)
def gold_accept(request, project: Project, document_id: int):
    """Copy the chosen analysts' spans, or every agreed one, into gold."""
    document = document_or_404(project, document_id)
    agreed = request.POST.get("agreed")
    if agreed in {"majority", "unanimous"}:
        comparison = curation.compare(project, document)
        keys = [
            c.key
            for c in comparison.candidates
            if c.gold is None and (c.unanimous if agreed == "unanimous" else c.in_majority)
        ]
    else:
        keys = [_key(value) for value in request.POST.getlist("key")]
        if None in keys:
            return _refuse(request, project, document, "Unknown span.", gold=True)
    if not keys:
        return _refuse(request, project, document, "No spans to accept.", gold=True)
    try:
        accepted = services.gold_accept(
            project=project, document=document, reviewer=request.user, keys=keys
        )
    except BatchErrors as refused:
        return _refuse(request, project, document, "; ".join(refused.problems()), gold=True)
    notice = f"Accepted {len(accepted)} span{'s' if len(accepted) != 1 else ''} into gold."
    change = patches.Change(after=tuple(accepted))
    return _patched(request, project, document, change, gold=True, notice=notice, can_undo=True)


@require_POST
@project_view(Action.REVIEW)
def span_reject(request, project: Project, span_id: int):
    """Reject an analyst's span with a reason they will see."""
    span = get_object_or_404(
        Span.objects.select_related("document", "label").annotations(),
        project=project,
        pk=span_id,
    )
    reason = request.POST.get("reason", "").strip()
    if not reason:
        return _refuse(
            request, project, span.document, "Give a reason: the analyst will read it.", gold=True
        )
    services.span_reject(span=span, reviewer=request.user, reason=reason[:2000])
    notice = f"Rejected {span.label.name} “{_quote(span.text)}” of {span.annotator}."
    key = (span.start, span.end, span.label_id)
    return _patched(
        request,
        project,
        span.document,
        patches.Change(),
        gold=True,
        notice=notice,
        candidates=[key],
    )


@require_POST
@project_view()
def comment(request, project: Project, document_id: int):
    """A note for the team on the document, or on a span the author can see."""
    document = document_or_404(project, document_id)
    gold = _gold(request, project)
    body = request.POST.get("body", "").strip()
    span = None
    refused = ""
    if request.POST.get("span"):
        span = (
            Span.objects.filter(visible_spans(request.user))
            .filter(project=project, document=document, pk=_int(request.POST["span"]))
            .first()
        )
        refused = "" if span else "Unknown span."
    if not body:
        refused = "Write something first."
    if not refused:
        services.comment_add(
            project=project, document=document, author=request.user, body=body[:5000], span=span
        )
    if not request.htmx:
        return _changed(
            request, project, document, gold=gold, notice="Comment added.", refused=refused
        )
    context = _comments(
        request,
        project,
        document,
        gold=gold,
        notice="" if refused else "Comment added.",
        refused=refused,
        draft=body if refused else "",
    )
    return render(
        request, "annotator/workspace.html#comments", context, status=422 if refused else 200
    )


@require_POST
@project_view(Action.REVIEW)
def mark_reviewed(request, project: Project, document_id: int):
    document = document_or_404(project, document_id)
    if request.POST.get("undo"):
        services.document_reopen_review(project=project, document=document)
        notice = "The document is back in review."
    else:
        services.document_mark_reviewed(project=project, document=document, reviewer=request.user)
        notice = "Marked reviewed: its gold layer counts as complete in exports."
    return _patched(request, project, document, patches.Change(), gold=True, notice=notice)


@require_GET
@project_view(Action.REVIEW)
def dashboard(request, project: Project):
    """Progress per analyst and per label, agreement, and the documents to review first."""
    sources = [
        (kind, source, row)
        for kind, stats in (
            ("spans", services.suggestion_stats(project)),
            ("document labels", services.category_suggestion_stats(project)),
            ("relations", services.relation_suggestion_stats(project)),
        )
        for source, row in stats.items()
    ]
    context = {
        "project": project,
        **progress(project),
        "sources": sources,
        "sources_of_labels": any(kind != "spans" for kind, _, _ in sources),
    }
    return render(request, "annotator/dashboard.html", context)


@require_GET
@project_view(Action.REVIEW)
def dashboard_consistency(request, project: Project):
    """The dashboard's consistency report, loaded after the page: it reads every gold span."""
    context = {"project": project, **consistency_report(project)}
    return render(request, "annotator/dashboard.html#consistency", context)


@require_http_methods(["GET", "POST"])
@project_view(Action.MANAGE)
def history(request, project: Project, document_id: int):
    """Managers: every change to the document's spans, and restoring a deleted span."""
    document = document_or_404(project, document_id)
    if request.method == "POST":
        event = get_object_or_404(
            document_history(project, document), pk=_int(request.POST.get("event"))
        )
        try:
            span = services.span_restore(event=event, user=request.user)
        except ValidationError as error:
            messages.error(request, f"Not restored: {_message(error)}")
        else:
            restored = (
                f"{len(event.spans)} spans"  # a batch comes back whole
                if event.spans is not None
                else f"{span.label.name}: “{_quote(span.text)}”"
            )
            messages.success(request, f"Restored {restored}.")
        return redirect("history", project_id=project.pk, document_id=document.pk)
    page = Paginator(document_history(project, document), EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "project": project,
        "document": document,
        "page": page,
        "rows": history_rows(document.text, page.object_list),
        # The newest changes to the document labels (undo reverses them; nothing to restore).
        "category_events": list(category_history(project, document)[:EVENTS_PER_PAGE]),
    }
    return render(request, "annotator/history.html", context)
