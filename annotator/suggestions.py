"""Suggestions: spans no person has confirmed, in a project's suggestion layer, each with
its ``source`` (``import``, ``rules:<name>``, ``propagation``, ``model:<version>`` or a
client's own name); each person's decision on one; a project's named rule sets.

A suggestion is never a ``Span`` (DESIGN.md, "Suggestions are not annotations"): accepting
one copies it into the person's layer (or gold) through ``services.span_create``'s
validation and history, and the decision remembers which span it became.
"""

import math
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

SOURCE_MAX = 100
RULE_NAME_MAX = 80  # ``rules:<name>`` fits a source
IMPORT_SOURCE = "import"
PROPAGATION_SOURCE = "propagation"
RULES_PREFIX = "rules:"


class Suggestion(models.Model):
    # No index of its own: every index below starts with it. A rule set applied to 10,000
    # documents stores 730,000 suggestions (bench/rules.py); each index more costs them
    # time: with this one and a (project, source) index, COPY took 25.6 s, without 16.6 s.
    project = models.ForeignKey(
        "annotator.Project", on_delete=models.CASCADE, related_name="suggestions", db_index=False
    )
    document = models.ForeignKey(
        "corpus.Document", on_delete=models.CASCADE, related_name="suggestions"
    )
    # A label deleted (or merged into another) takes its undecided suggestions with it;
    # the spans accepted from them stay, with their ``source``.
    label = models.ForeignKey(
        "annotator.Label", on_delete=models.CASCADE, related_name="suggestions"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    source = models.CharField(max_length=SOURCE_MAX)
    score = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document_id", "start", "end", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(start__gte=0), name="suggestion_start_not_negative"),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="suggestion_not_empty"
            ),
            models.CheckConstraint(condition=~Q(source=""), name="suggestion_has_source"),
            # One source suggests a place once; two sources may suggest the same place.
            # Source second, so that it also finds a source's suggestions (rules, stats).
            models.UniqueConstraint(
                fields=["project", "source", "document", "start", "end", "label"],
                name="suggestion_unique_in_source",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "document", "start"], name="suggestion_document"),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.label_id} [{self.start}, {self.end})"


class SuggestionDecision(models.Model):
    """One person's decision on a suggestion, for their own layer or (``gold``) for gold.

    ``span_id`` is the span an acceptance became: a plain number, as ``SpanEvent.span_id``
    is, so that deleting a span (an undo of the acceptance) costs no statement more; an
    acceptance whose span is gone counts as no decision, and the suggestion is offered
    again (restoring the span, under its id, makes it an acceptance again).
    """

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="decisions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suggestion_decisions"
    )
    gold = models.BooleanField(default=False)
    accepted = models.BooleanField()
    span_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["suggestion_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion", "user"],
                condition=Q(gold=False),
                name="suggestion_decision_one_a_person",
            ),
            models.UniqueConstraint(
                fields=["suggestion"], condition=Q(gold=True), name="suggestion_decision_one_gold"
            ),
            models.CheckConstraint(
                condition=Q(accepted=False, span_id__isnull=True)
                | Q(accepted=True, span_id__isnull=False),
                name="suggestion_decision_accepted_has_span",
            ),
        ]

    def __str__(self) -> str:
        verdict = "accepted" if self.accepted else "rejected"
        return f"{self.user_id} {verdict} suggestion {self.suggestion_id}"


class RuleSet(models.Model):
    """A project's named patterns in spaCy's EntityRuler format: ``[{"label", "pattern"}]``
    where ``pattern`` is a phrase (a string) or a token pattern (a list of dicts)."""

    project = models.ForeignKey(
        "annotator.Project", on_delete=models.CASCADE, related_name="rule_sets"
    )
    name = models.CharField(max_length=RULE_NAME_MAX)
    patterns = models.JSONField(default=list)
    case_sensitive = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="rule_set_name_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="rule_set_has_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def source(self) -> str:
        return f"{RULES_PREFIX}{self.name}"


def source_problem(source: object) -> str | None:
    """What is wrong with a suggestion's source; None when it may be stored."""
    if not isinstance(source, str) or not source.strip():
        return "Must be a non-empty string naming where the suggestion comes from."
    if len(source) > SOURCE_MAX:
        return f"At most {SOURCE_MAX} characters."
    if any(not character.isprintable() for character in source):
        return "May not contain control characters or line breaks."
    return None


def suggestions_errors(
    *, text: str, project, items: Sequence[Mapping[str, Any]]
) -> dict[int, dict[str, list[str]]]:
    """Everything wrong with each suggestion of a list for one document, by item index.

    Each item has ``start``, ``end``, ``label`` (a Label, or None when unknown),
    ``source`` and ``score``. Offsets and labels are checked as a span's
    (``models._extent_errors``); suggestions may overlap one another, but one source may
    not suggest the same place twice.
    """
    from .models import _extent_errors

    errors: dict[int, dict[str, list[str]]] = {}
    seen: set[tuple] = set()
    for index, item in enumerate(items):
        start, end, label = item["start"], item["end"], item["label"]
        problems = _extent_errors(text, project.pk, start, end, label)
        problem = source_problem(item.get("source"))
        if problem:
            problems["source"] = [problem]
        score = item.get("score")
        if score is not None and (
            isinstance(score, bool)
            or not isinstance(score, int | float)
            or not math.isfinite(score)
        ):
            problems["score"] = ["Must be a number (or null)."]
        if not problems:
            key = (item["source"], start, end, label.pk)
            if key in seen:
                problems["non_field_errors"] = ["This source suggests this span twice."]
            seen.add(key)
        if problems:
            errors[index] = problems
    return errors
