"""Suggestions made in a worker (DESIGN.md, "Background work"): a rule set applied to every
document of its project, and a tag's propagation across a project."""

from typing import Any

from django.db import transaction
from django.tasks import task

from .jobs import Job, JobFailed, JobKind, job_run
from .models import Label, Project, Span
from .rules import Rules
from .services.suggestions import occurrences, suggestions_replace, suggestions_store
from .suggestions import PROPAGATION_SOURCE, RuleSet, Suggestion

# Documents read (and matched) at once.
CHUNK = 500


def rules_apply_later(*, rule_set: RuleSet, user) -> Job:
    """Queue the application of a rule set to its project's documents; the job."""
    with transaction.atomic():
        job = Job.objects.create(project=rule_set.project, kind=JobKind.RULES, created_by=user)
    job.task_id = rules_apply.enqueue(job.pk, rule_set.pk).id
    job.save(update_fields=["task_id"])
    return job


@task
def rules_apply(job_id: int, rule_set_id: int) -> dict[str, Any] | None:
    return job_run(job_id, lambda job: _rules_apply(job, rule_set_id))


def _rules_apply(job: Job, rule_set_id: int) -> dict[str, int]:
    """Match the set on every document, then, in one transaction, replace the set's
    undecided suggestions with what it finds now: suggestions someone decided stay (with
    the spans they became), and are not offered twice."""
    rule_set = RuleSet.objects.filter(pk=rule_set_id, project=job.project_id).first()
    if rule_set is None:
        raise JobFailed("The rule set has been deleted since; nothing was stored.")
    project = job.project
    labels = dict(Label.objects.filter(project=project).values_list("name", "pk"))
    missing = {p["label"] for p in rule_set.patterns} - labels.keys()
    if missing:
        raise JobFailed(
            f"The label(s) {', '.join(sorted(missing))} of this rule set have been deleted "
            "since; nothing was stored."
        )
    rules = Rules(rule_set.patterns, case_sensitive=rule_set.case_sensitive)
    ids = list(project.documents.order_by("pk").values_list("pk", flat=True))
    found: list[tuple[int, int, int, int]] = []
    for first in range(0, len(ids), CHUNK):
        chunk = ids[first : first + CHUNK]
        rows = project.documents.filter(pk__in=chunk).order_by("pk").values_list("pk", "text")
        document_ids, texts = zip(*rows, strict=True) if rows else ((), ())
        for document_id, matches in zip(document_ids, rules.matches(texts), strict=True):
            found += [(document_id, labels[label], start, end) for start, end, label in matches]
        job.advance(first + len(chunk), len(ids) * 1.1)  # the last tenth: storing
    stored = suggestions_replace(project=project, source=rule_set.source, found=found)
    return {"documents": len(ids), "matches": len(found), "suggestions": stored}


def propagation_later(*, span: Span, actor) -> Job:
    """Queue the propagation of a span just made across its project (inside the tag's
    transaction: the job is queued with the span, or not at all)."""
    job = Job.objects.create(project_id=span.project_id, kind=JobKind.PROPAGATION, created_by=actor)
    job.task_id = propagate_project.enqueue(
        job.pk, span.document_id, span.start, span.end, span.label_id, span.annotator_id
    ).id
    job.save(update_fields=["task_id"])
    return job


@task
def propagate_project(
    job_id: int, document_id: int, start: int, end: int, label_id: int, user_id: int
) -> dict[str, Any] | None:
    return job_run(
        job_id, lambda job: _propagate_project(job, document_id, start, end, label_id, user_id)
    )


def _propagate_project(
    job: Job, document_id: int, start: int, end: int, label_id: int, user_id: int
) -> dict[str, int]:
    """Suggest the label on every whole-word occurrence of the text in the project's
    documents, except where the person has a span or the label is suggested already."""
    project: Project = job.project
    source_document = project.documents.filter(pk=document_id).values_list("text", flat=True)
    text = source_document.first()
    if text is None or end > len(text) or not Label.objects.filter(pk=label_id).exists():
        raise JobFailed("The document or the label has gone since; nothing was suggested.")
    needle = text[start:end]
    candidates = project.documents.filter(text__contains=needle).order_by("pk")
    rows = list(candidates.values_list("pk", "text"))
    ids = [pk for pk, _ in rows]
    taken: dict[int, list[tuple[int, int]]] = {}
    for doc, s, e in Span.objects.filter(
        project=project, document__in=ids, annotator=user_id, gold=False
    ).values_list("document_id", "start", "end"):
        taken.setdefault(doc, []).append((s, e))
    suggested = set(
        Suggestion.objects.filter(project=project, document__in=ids, label=label_id).values_list(
            "document_id", "start", "end"
        )
    )
    length = end - start
    new = []
    for number, (pk, body) in enumerate(rows, start=1):
        # The tagged span itself is in ``taken``: its own place is left out with the others.
        for place in _places(needle, body, taken.get(pk, [])):
            if (pk, place, place + length) not in suggested:
                new.append(
                    Suggestion(
                        project_id=project.pk,
                        document_id=pk,
                        label_id=label_id,
                        start=place,
                        end=place + length,
                        source=PROPAGATION_SOURCE,
                    )
                )
        job.advance(number, len(rows))
    with transaction.atomic():
        suggestions_store(new)
    return {"documents": len(rows), "suggestions": len(new)}


def _places(needle: str, text: str, taken: list[tuple[int, int]]) -> list[int]:
    length = len(needle)
    return [
        place
        for place in occurrences(needle, text)
        if not any(s < place + length and place < e for s, e in taken)
    ]
