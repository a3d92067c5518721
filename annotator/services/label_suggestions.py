"""Suggested document labels and relations: pending for a person (or gold) until they
decide; accepted through the categories and relations services (their rules, their
history), rejected as a recorded decision. See ``label_suggestions``."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from corpus.models import Document

from ..categories import Category
from ..label_suggestions import (
    CategorySuggestion,
    CategorySuggestionDecision,
    RelationSuggestion,
    RelationSuggestionDecision,
)
from ..models import Origin, Project, Span
from ..relations import Relation
from ..suggestions import Suggestion, SuggestionDecision
from .categories import category_add
from .relations import relation_create
from .spans import BatchErrors, lock_layer, spans_create
from .suggestions import _decision as _span_decision
from .suggestions import _whose, stats_by_source

# What each kind of decision became, and where that lives.
_MADE = {
    CategorySuggestionDecision: ("category_id", Category),
    RelationSuggestionDecision: ("relation_id", Relation),
}


def _counting(model, user, *, gold: bool) -> QuerySet:
    """The decisions of ``model`` that count for ``user``'s layer (or gold's): rejections,
    and acceptances whose category or relation is still there."""
    field, made = _MADE[model]
    decisions = (
        model.objects.filter(gold=True) if gold else model.objects.filter(gold=False, user=user.pk)
    )
    return decisions.filter(Q(accepted=False) | Exists(made.objects.filter(pk=OuterRef(field))))


def category_suggestions_pending(project: Project, document: Document, user, *, gold: bool = False):
    decided = _counting(CategorySuggestionDecision, user, gold=gold).filter(
        suggestion=OuterRef("pk")
    )
    return (
        CategorySuggestion.objects.filter(project=project, document=document)
        .exclude(Exists(decided))
        .order_by("id")
    )


def relation_suggestions_pending(project: Project, document: Document, user, *, gold: bool = False):
    decided = _counting(RelationSuggestionDecision, user, gold=gold).filter(
        suggestion=OuterRef("pk")
    )
    return (
        RelationSuggestion.objects.filter(project=project, document=document)
        .exclude(Exists(decided))
        .order_by("id")
    )


def with_counts(suggestions: QuerySet, model) -> QuerySet:
    """Annotate ``accepted_count`` and ``rejected_count`` (everyone's and gold's; an
    acceptance undone since does not count)."""
    field, made = _MADE[model]
    live = Exists(made.objects.filter(pk=OuterRef(f"decisions__{field}")))
    return suggestions.annotate(
        accepted_count=Count("decisions", filter=Q(decisions__accepted=True) & live),
        rejected_count=Count("decisions", filter=Q(decisions__accepted=False)),
    )


def _found(model, suggestion, user, *, gold: bool):
    decisions = model.objects.filter(suggestion=suggestion, gold=gold)
    return (decisions if gold else decisions.filter(user=user.pk)).first()


def _accepted_before(model, suggestion, user, *, gold: bool, what: str):
    """The decision on it so far; refused when it is an acceptance still standing."""
    field, made = _MADE[model]
    found = _found(model, suggestion, user, gold=gold)
    if found is not None and found.accepted:
        made_id = getattr(found, field)
        if made.objects.filter(pk=made_id).exists():
            raise ValidationError(
                {
                    "non_field_errors": [
                        f"{_whose(gold)} already accepted this suggestion: it is {what} {made_id}."
                    ]
                }
            )
    return found


def category_suggestion_accept(
    *, suggestion: CategorySuggestion, user, gold: bool = False
) -> Category:
    """Give the document the suggested label in ``user``'s layer (or gold) through
    ``category_add`` (its rules: a document label, once a layer; ``single`` replaces), and
    record the decision."""
    with transaction.atomic():
        lock_layer(suggestion.project, suggestion.document, user.pk, gold=gold)
        found = _accepted_before(
            CategorySuggestionDecision, suggestion, user, gold=gold, what="document label"
        )
        category = category_add(
            project=suggestion.project,
            document=suggestion.document,
            annotator=user,
            label=suggestion.label,
            gold=gold,
        )
        if found is not None:
            found.delete()
        CategorySuggestionDecision.objects.create(
            suggestion=suggestion, user=user, gold=gold, accepted=True, category_id=category.pk
        )
    return category


def _reject(model, suggestion, user, *, gold: bool, what: str) -> None:
    field, made = _MADE[model]
    with transaction.atomic():
        lock_layer(suggestion.project, suggestion.document, user.pk, gold=gold)
        found = _found(model, suggestion, user, gold=gold)
        if found is not None and found.accepted:
            made_id = getattr(found, field)
            if made.objects.filter(pk=made_id).exists():
                raise ValidationError(
                    {
                        "non_field_errors": [
                            f"{_whose(gold)} accepted this suggestion: it is {what} {made_id}. "
                            f"Delete that {what} to take it back."
                        ]
                    }
                )
            found.delete()
            found = None
        if found is None:
            model.objects.create(suggestion=suggestion, user=user, gold=gold, accepted=False)


def category_suggestion_reject(*, suggestion: CategorySuggestion, user, gold: bool = False) -> None:
    """Record that ``user`` (or gold) does not want the suggested label; again: nothing."""
    _reject(CategorySuggestionDecision, suggestion, user, gold=gold, what="document label")


def relation_suggestion_reject(*, suggestion: RelationSuggestion, user, gold: bool = False) -> None:
    """Record that ``user`` (or gold) does not want the suggested relation; again: nothing."""
    _reject(RelationSuggestionDecision, suggestion, user, gold=gold, what="relation")


def _record_span_decision(end: Suggestion, span: Span, user, *, gold: bool) -> None:
    """``user`` (or gold) accepted the span suggestion ``end`` as ``span``: whatever they
    had decided on it before is replaced."""
    SuggestionDecision.objects.filter(
        suggestion=end, gold=gold, **({} if gold else {"user": user.pk})
    ).delete()
    SuggestionDecision.objects.create(
        suggestion=end, user=user, gold=gold, accepted=True, span_id=span.pk
    )


def relation_suggestion_accept(
    *, suggestion: RelationSuggestion, user, gold: bool = False
) -> Relation:
    """Relate, in ``user``'s layer (or gold), the spans the suggestion's two ends became,
    accepting either end first when it is not yet accepted there (the ends of one source
    one batch of the history: undoing it takes the relation too), then the relation through
    ``relation_create`` (its rules and messages); all or nothing."""
    project, document = suggestion.project, suggestion.document
    with transaction.atomic():
        lock_layer(project, document, user.pk, gold=gold)
        found = _accepted_before(
            RelationSuggestionDecision, suggestion, user, gold=gold, what="relation"
        )
        ends = [suggestion.from_suggestion, suggestion.to_suggestion]
        spans: dict[int, Span] = {}
        for end in ends:
            decision = _span_decision(end, user, gold=gold)
            if decision is not None and decision.accepted:
                span = Span.objects.filter(pk=decision.span_id).select_related("label").first()
                if span is not None:
                    spans[end.pk] = span
        # An end the layer already holds as it is (tagged by hand, or accepted into gold
        # with its agreed spans) is that span: accepted as it stands, not copied.
        layer = Span.objects.filter(project=project, document=document).select_related("label")
        layer = layer.gold() if gold else layer.by(user)
        for end in ends:
            if end.pk not in spans:
                span = layer.filter(start=end.start, end=end.end, label=end.label_id).first()
                if span is not None:
                    spans[end.pk] = span
                    _record_span_decision(end, span, user, gold=gold)
        missing = [end for end in ends if end.pk not in spans]
        by_source: dict[str, list[Suggestion]] = {}
        for end in missing:
            by_source.setdefault(end.source, []).append(end)
        for source, group in by_source.items():
            items = [{"start": s.start, "end": s.end, "label": s.label} for s in group]
            try:
                made = spans_create(
                    project=project,
                    document=document,
                    annotator=user,
                    items=items,
                    gold=gold,
                    origin=Origin.SUGGESTED,
                    source=source,
                )
            except BatchErrors as refused:
                field = {e.pk: f for e, f in zip(ends, ("source", "target"), strict=True)}
                raise ValidationError(
                    {
                        field[group[int(index)].pk]: [
                            f"Its suggested span cannot be accepted: {message}"
                            for messages in problems.values()
                            for message in messages
                        ]
                        for index, problems in refused.errors.items()
                    }
                ) from None
            for end, span in zip(group, made, strict=True):
                spans[end.pk] = span
                _record_span_decision(end, span, user, gold=gold)
        relation = relation_create(
            project=project,
            document=document,
            annotator=user,
            relation_type=suggestion.type,
            source=spans[suggestion.from_suggestion_id],
            target=spans[suggestion.to_suggestion_id],
            gold=gold,
        )
        if found is not None:
            found.delete()
        RelationSuggestionDecision.objects.create(
            suggestion=suggestion, user=user, gold=gold, accepted=True, relation_id=relation.pk
        )
    return relation


# Stats ----------------------------------------------------------------------------------


def category_suggestion_stats(project: Project) -> dict:
    """Suggested document labels by source, as ``suggestion_stats``: a suggestion matches
    gold when gold gives its document its label."""
    gold = Category.objects.filter(project=project, gold=True)
    return stats_by_source(
        project,
        CategorySuggestion.objects.filter(project=project),
        CategorySuggestionDecision.objects.filter(suggestion__project=project),
        Exists(Category.objects.filter(pk=OuterRef("category_id"))),
        Exists(gold.filter(document=OuterRef("document"), label=OuterRef("label"))),
        gold,
    )


def relation_suggestion_stats(project: Project) -> dict:
    """Suggested relations by source, as ``suggestion_stats``: a suggestion matches gold
    when gold relates, by its type, spans with its ends' offsets and labels."""
    gold = Relation.objects.filter(project=project, gold=True)
    ends = {
        f"{end}__{part}": OuterRef(f"{suggested}__{part}")
        for end, suggested in (("source", "from_suggestion"), ("target", "to_suggestion"))
        for part in ("start", "end", "label")
    }
    return stats_by_source(
        project,
        RelationSuggestion.objects.filter(project=project),
        RelationSuggestionDecision.objects.filter(suggestion__project=project),
        Exists(Relation.objects.filter(pk=OuterRef("relation_id"))),
        Exists(gold.filter(document=OuterRef("document"), type=OuterRef("type"), **ends)),
        gold,
    )
