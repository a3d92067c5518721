"""Suggestions: added (uploads, rules, propagation), accepted into a person's layer or gold
through the one span validation and history, rejected, counted per source.

A person's decision is theirs alone: an annotator decides for their own layer, a reviewer
for gold as well (``permissions.can_decide``, asked by the surfaces). A suggestion is
*pending* for someone until they decide it; an acceptance whose span has since been deleted
(an undo) no longer counts, so the suggestion is offered again.
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from corpus.models import Document

from .. import sql
from ..models import Origin, Project, Propagate, Review, Span, spans_errors
from ..rules import PatternsRefused, patterns_check
from ..suggestions import (
    IMPORT_SOURCE,
    PROPAGATION_SOURCE,
    RULE_NAME_MAX,
    RuleSet,
    Suggestion,
    SuggestionDecision,
    suggestions_errors,
)
from .rows import bulk_insert
from .spans import BatchErrors, lock_layer, span_create, spans_create

# Rows a bulk insert of suggestions writes at once (within SQLite's limit on parameters).
INSERT_CHUNK = 2000


def _decisions(user, *, gold: bool) -> QuerySet:
    """The decisions that count for ``user``'s layer (or gold's): rejections, and
    acceptances whose span is still there."""
    decisions = (
        SuggestionDecision.objects.filter(gold=True)
        if gold
        else (SuggestionDecision.objects.filter(gold=False, user=user.pk))
    )
    return decisions.filter(Q(accepted=False) | Exists(Span.objects.filter(pk=OuterRef("span_id"))))


def pending(project: Project, document: Document, user, *, gold: bool = False) -> QuerySet:
    """The document's suggestions ``user`` (or gold) has not decided, in reading order."""
    decided = _decisions(user, gold=gold).filter(suggestion=OuterRef("pk"))
    return (
        Suggestion.objects.filter(project=project, document=document)
        .exclude(Exists(decided))
        .order_by("start", "end", "id")
    )


def with_decision_counts(suggestions: QuerySet) -> QuerySet:
    """Annotate ``accepted`` and ``rejected``: how many decisions of each kind (everyone's
    and gold's) each suggestion has; an acceptance undone since does not count."""
    live = Exists(Span.objects.filter(pk=OuterRef("decisions__span_id")))
    return suggestions.annotate(
        accepted_count=Count("decisions", filter=Q(decisions__accepted=True) & live),
        rejected_count=Count("decisions", filter=Q(decisions__accepted=False)),
    )


def suggestions_add(
    *,
    project: Project,
    document: Document,
    items: Sequence[Mapping[str, Any]],
    default_source: str = IMPORT_SOURCE,
) -> list[Suggestion]:
    """Add suggestions ({start, end, label: Label|None, source?, score?}) to a document of
    the project, all or nothing: ``BatchErrors`` by item index names every problem (one
    the same source already suggested included), and nothing is stored then."""
    items = [{**item, "source": item.get("source") or default_source} for item in items]
    errors = suggestions_errors(text=document.text, project=project, items=items)
    stored = set(
        Suggestion.objects.filter(project=project, document=document).values_list(
            "source", "start", "end", "label_id"
        )
    )
    for index, item in enumerate(items):
        if index in errors:
            continue
        if (item["source"], item["start"], item["end"], item["label"].pk) in stored:
            errors[index] = {"non_field_errors": ["This source already suggests this span."]}
    if errors:
        raise BatchErrors({str(index): problems for index, problems in sorted(errors.items())})
    rows = [
        Suggestion(
            project=project,
            document=document,
            label=item["label"],
            start=item["start"],
            end=item["end"],
            source=item["source"],
            score=item.get("score"),
        )
        for item in items
    ]
    with transaction.atomic():
        return Suggestion.objects.bulk_create(rows, batch_size=INSERT_CHUNK)


def suggestions_store(rows: Iterable[Suggestion]) -> int:
    """Store suggestions made by Margin (rules, propagation), leaving out any its source
    already suggests; how many were offered."""
    rows = list(rows)
    for first in range(0, len(rows), INSERT_CHUNK):
        Suggestion.objects.bulk_create(rows[first : first + INSERT_CHUNK], ignore_conflicts=True)
    return len(rows)


def rule_set_create(
    *, project: Project, name: str, patterns: object, case_sensitive: bool, user
) -> RuleSet:
    """A named rule set for the project, its patterns checked (``rules.patterns_check``);
    ``ValidationError`` by field (``name``, ``patterns``) naming every problem."""
    name = name.strip()
    problems: dict[str, list[str]] = {}
    if not name or any(not character.isprintable() for character in name):
        problems["name"] = ["Give a name without control characters or line breaks."]
    elif len(name) > RULE_NAME_MAX:
        problems["name"] = [f"At most {RULE_NAME_MAX} characters."]
    try:
        patterns = patterns_check(patterns, project.labels.values_list("name", flat=True))
    except PatternsRefused as refused:
        problems["patterns"] = refused.problems
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        # Locked: two sets of one name at the same moment are one refusal, not a 500.
        list(Project.objects.select_for_update(no_key=True).filter(pk=project.pk).values("pk"))
        if RuleSet.objects.filter(project=project, name=name).exists():
            raise ValidationError({"name": ["This project already has a rule set of that name."]})
        return RuleSet.objects.create(
            project=project,
            name=name,
            patterns=patterns,
            case_sensitive=case_sensitive,
            created_by=user,
        )


def rule_set_delete(*, rule_set: RuleSet) -> int:
    """Delete a rule set and the suggestions it made that nobody decided (the decided ones
    stay, with the spans they became); how many suggestions went with it."""
    with transaction.atomic():
        removed = sql.delete_undecided_suggestions(rule_set.project_id, rule_set.source)
        rule_set.delete()
    return removed


def suggestions_replace(
    *, project: Project, source: str, found: Iterable[tuple[int, int, int, int]]
) -> int:
    """Make ``source``'s undecided suggestions in the project those of ``found``, (document,
    label, start, end) each once: an undecided one found again stays (under its id), one
    not found goes, a new one is stored; what someone decided stays (with the span it
    became) and is not offered again. All or nothing; how many are offered now.

    A difference, not a replacement: applying an unchanged 50-pattern set again to 10,000
    documents deleted and stored its 730,000 suggestions anew (PostgreSQL: 62–76 s, of
    which the delete 4.5 s, ``COPY`` 17–26 s and the commit's key checks 15–25 s); now it
    reads them, and stores nothing. Rows, not model instances, through ``bulk_insert``:
    ``bulk_create`` spent 35 s of a 44 s application (2,000 documents, profiled)."""
    decisions = SuggestionDecision.objects.filter(suggestion=OuterRef("pk"))
    with transaction.atomic():
        stored = {
            (document, label, start, end): (pk, decided)
            for pk, document, label, start, end, decided in Suggestion.objects.filter(
                project=project, source=source
            )
            .annotate(decided=Exists(decisions))
            .values_list("pk", "document_id", "label_id", "start", "end", "decided")
            .order_by()
        }
        wanted = set(found)
        stale = [pk for key, (pk, decided) in stored.items() if not decided and key not in wanted]
        sql.delete_undecided_suggestions(project.pk, source, stale)
        new = [(project.pk, source, *key) for key in wanted if key not in stored]
        bulk_insert(Suggestion, ["project", "source", "document", "label", "start", "end"], new)
    return sum(1 for key in wanted if not stored.get(key, (0, False))[1])


def _decision(suggestion: Suggestion, user, *, gold: bool) -> SuggestionDecision | None:
    decisions = SuggestionDecision.objects.filter(suggestion=suggestion, gold=gold)
    if not gold:
        decisions = decisions.filter(user=user.pk)
    return decisions.first()


def _whose(gold: bool) -> str:
    return "Gold has" if gold else "You have"


def suggestion_accept(*, suggestion: Suggestion, user, gold: bool = False) -> Span:
    """Copy a suggestion into ``user``'s layer (or gold) as a span with its source, through
    ``span_create`` (refused like any span: overlap, duplicate), and record the decision.
    A second acceptance is refused; a rejection may be changed into an acceptance."""
    with transaction.atomic():
        lock_layer(suggestion.project, suggestion.document, user.pk, gold=gold)
        found = _decision(suggestion, user, gold=gold)
        if found is not None and found.accepted and Span.objects.filter(pk=found.span_id).exists():
            raise ValidationError(
                {
                    "non_field_errors": [
                        f"{_whose(gold)} already accepted this suggestion: it is span "
                        f"{found.span_id}."
                    ]
                }
            )
        span = span_create(
            project=suggestion.project,
            document=suggestion.document,
            annotator=user,
            label=suggestion.label,
            start=suggestion.start,
            end=suggestion.end,
            gold=gold,
            origin=Origin.SUGGESTED,
            source=suggestion.source,
        )
        if found is not None:
            found.delete()
        SuggestionDecision.objects.create(
            suggestion=suggestion, user=user, gold=gold, accepted=True, span_id=span.pk
        )
    return span


def suggestion_reject(*, suggestion: Suggestion, user, gold: bool = False) -> None:
    """Record that ``user`` (or gold) does not want the suggestion; rejecting again changes
    nothing. One accepted is refused: its span is deleted instead."""
    with transaction.atomic():
        lock_layer(suggestion.project, suggestion.document, user.pk, gold=gold)
        found = _decision(suggestion, user, gold=gold)
        if found is not None and found.accepted:
            if Span.objects.filter(pk=found.span_id).exists():
                raise ValidationError(
                    {
                        "non_field_errors": [
                            f"{_whose(gold)} accepted this suggestion: it is span "
                            f"{found.span_id}. Delete that span to take it back."
                        ]
                    }
                )
            found.delete()
            found = None
        if found is None:
            SuggestionDecision.objects.create(
                suggestion=suggestion, user=user, gold=gold, accepted=False
            )


NOT_PENDING = "No suggestion with this id waits for a decision in this document."


def suggestions_accept(
    *,
    project: Project,
    document: Document,
    user,
    gold: bool = False,
    ids: Sequence[int] | None = None,
    source: str | None = None,
) -> tuple[list[int], dict[str, str]]:
    """Accept many of the document's pending suggestions at once (those of ``ids``, or every
    one from ``source``): the ids of the spans made, and the refused ones by suggestion id
    with the reason. They are checked in reading order as one list into the layer, so two
    overlapping suggestions make one span and one refusal; the spans of one source are one
    batch of the history (undone in one step)."""
    refused: dict[str, str] = {}
    with transaction.atomic():
        lock_layer(project, document, user.pk, gold=gold)
        suggestions = pending(project, document, user, gold=gold).select_related("label")
        if ids is not None:
            suggestions = list(suggestions.filter(pk__in=ids))
            found = {suggestion.pk for suggestion in suggestions}
            refused = {str(pk): NOT_PENDING for pk in ids if pk not in found}
        else:
            suggestions = list(suggestions.filter(source=source))
        items = [
            {"start": s.start, "end": s.end, "label": s.label, "suggestion": s} for s in suggestions
        ]
        layer = sql.layer_keys(project.pk, document.pk, user.pk, gold=gold)
        errors = spans_errors(text=document.text, project=project, items=items, layer=layer)
        by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for index, item in enumerate(items):
            if index in errors:
                messages = [m for problems in errors[index].values() for m in problems]
                refused[str(item["suggestion"].pk)] = " ".join(messages)
            else:
                by_source[item["suggestion"].source].append(item)
        accepted = [item["suggestion"] for group in by_source.values() for item in group]
        # Acceptances undone since (their spans gone) give way to the new ones.
        SuggestionDecision.objects.filter(
            suggestion__in=accepted, gold=gold, **({} if gold else {"user": user.pk})
        ).delete()
        created: list[int] = []
        decisions = []
        for group_source, group in by_source.items():
            spans = spans_create(
                project=project,
                document=document,
                annotator=user,
                items=group,
                gold=gold,
                origin=Origin.SUGGESTED,
                source=group_source,
            )
            for item, span in zip(group, spans, strict=True):
                created.append(span.pk)
                decisions.append(
                    SuggestionDecision(
                        suggestion=item["suggestion"],
                        user=user,
                        gold=gold,
                        accepted=True,
                        span_id=span.pk,
                    )
                )
        SuggestionDecision.objects.bulk_create(decisions, batch_size=INSERT_CHUNK)
    return created, dict(sorted(refused.items(), key=lambda pair: int(pair[0])))


def suggestion_stats(project: Project) -> dict[str, dict[str, Any]]:
    """Per source: ``offered`` (every suggestion), ``accepted`` (by at least one person or
    gold, its span still there), ``rejected`` (decided, accepted by nobody), ``pending``
    (nobody decided), and ``precision`` and ``recall`` against gold on reviewed documents
    (null when there is none to measure); a suggestion matches gold when gold has a span
    with its offsets and label."""
    gold = Span.objects.filter(project=project, gold=True)
    matched = Exists(
        gold.filter(
            document=OuterRef("document"),
            start=OuterRef("start"),
            end=OuterRef("end"),
            label=OuterRef("label"),
        )
    )
    return stats_by_source(
        project,
        Suggestion.objects.filter(project=project),
        SuggestionDecision.objects.filter(suggestion__project=project),
        Exists(Span.objects.filter(pk=OuterRef("span_id"))),
        matched,
        gold,
    )


def stats_by_source(
    project: Project,
    suggestions: QuerySet,
    decisions: QuerySet,
    live: Exists,
    matched: Exists,
    gold: QuerySet,
) -> dict[str, dict[str, Any]]:
    """The stats of ``suggestions`` (of spans, document labels or relations) by source,
    from their ``decisions`` (an acceptance counts while what it made is ``live``), and
    against ``gold`` on reviewed documents (``matched`` tells a suggestion gold has). Four
    queries whatever the number of sources; one when there are no suggestions.

    Each count is asked of the rows it needs: the decisions (few) for what was decided, the
    reviewed documents' suggestions for precision, the index for what was offered. One
    statement asking each suggestion for all of it took 1.6–2.4 s at 730,000 suggestions
    (PostgreSQL, bench/rules.py's corpus); these four 0.4–1.4 s, all but ~20 ms of it the
    count of what was offered."""
    offered = dict(suggestions.values_list("source").annotate(n=Count("pk")).order_by())
    if not offered:
        return {}
    decided = {
        source: (accepted, counted)
        for source, accepted, counted in decisions.annotate(live=live)
        .values_list("suggestion__source")
        .annotate(
            kept=Count("suggestion", distinct=True, filter=Q(accepted=True, live=True)),
            counted=Count("suggestion", distinct=True, filter=Q(accepted=False) | Q(live=True)),
        )
        .order_by()
    }
    reviewed = Review.objects.filter(project=project).values("document")
    measured = {
        source: (n, hits)
        for source, n, hits in suggestions.filter(document__in=reviewed)
        .annotate(matched=matched)
        .values_list("source")
        .annotate(n=Count("pk"), hits=Count("pk", filter=Q(matched=True)))
        .order_by()
    }
    on_gold = gold.filter(document__in=reviewed).count()
    stats = {}
    for source in sorted(offered):
        accepted, decisions_made = decided.get(source, (0, 0))
        on_reviewed, hits = measured.get(source, (0, 0))
        stats[source] = {
            "offered": offered[source],
            "accepted": accepted,
            "rejected": decisions_made - accepted,
            "pending": offered[source] - decisions_made,
            "precision": hits / on_reviewed if on_reviewed else None,
            "recall": hits / on_gold if on_gold else None,
        }
    return stats


# Propagation ---------------------------------------------------------------------------


def occurrences(needle: str, text: str) -> Iterable[int]:
    """Where ``needle`` stands in ``text`` as whole words: not run on from or into a letter
    or digit (the tag itself covers whole words, so its other occurrences must too)."""
    if not needle:
        return []
    before = r"(?<!\w)" if re.match(r"\w", needle[0]) else ""
    after = r"(?!\w)" if re.match(r"\w", needle[-1]) else ""
    return (found.start() for found in re.finditer(before + re.escape(needle) + after, text))


def propagation_places(
    text: str, start: int, end: int, taken: Sequence[tuple[int, int, Any]]
) -> list[int]:
    """The starts of the other whole-word occurrences of ``text[start:end]`` that overlap
    none of ``taken`` (the person's spans there)."""
    length = end - start
    return [
        place
        for place in occurrences(text[start:end], text)
        if place != start and not any(s < place + length and place < e for s, e, *_ in taken)
    ]


def propagate(span: Span, *, layer: Sequence[tuple[int, int, int]], actor) -> None:
    """Suggest the label of a span just made by hand on the other occurrences of its text:
    in its document at once (nothing when there is none; otherwise one read and one
    insert), in the whole project as a background job. Places the person already tagged,
    or where the label is already suggested, are left out. ``layer`` is the person's layer
    before the span."""
    project = span.project
    if project.propagate == Propagate.PROJECT:
        from ..suggestion_jobs import propagation_later

        propagation_later(span=span, actor=actor)
        return
    places = propagation_places(span.document.text, span.start, span.end, layer)
    if not places:
        return
    length = span.end - span.start
    suggested = set(
        Suggestion.objects.filter(
            project=project, document=span.document_id, label=span.label_id, start__in=places
        ).values_list("start", "end")
    )
    suggestions_store(
        Suggestion(
            project_id=project.pk,
            document_id=span.document_id,
            label_id=span.label_id,
            start=place,
            end=place + length,
            source=PROPAGATION_SOURCE,
        )
        for place in places
        if (place, place + length) not in suggested
    )
