"""The figures of a project's dashboard, each in a fixed number of queries."""

from collections import defaultdict
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count

from .agreement import documents_by_agreement, project_agreement
from .models import DocumentStatus, Membership, Project, Review, Span, Status

LOWEST = 10


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def progress(project: Project) -> dict[str, Any]:
    """Analysts' progress, label counts, agreement and the least-agreed documents."""
    documents = project.documents.count()
    per_user: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for user_id, status, total in (
        DocumentStatus.objects.filter(project=project)
        .values_list("user_id", "status")
        .annotate(total=Count("pk"))
    ):
        per_user[user_id][status] += total
    spans_by_user = dict(
        Span.objects.filter(project=project, gold=False)
        .values_list("annotator_id")
        .annotate(total=Count("pk"))
    )
    members = dict(Membership.objects.filter(project=project).values_list("user_id", "role"))
    ids = set(per_user) | set(spans_by_user) | set(members)
    names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
    analysts = []
    for user_id in sorted(ids, key=lambda pk: names[pk]):
        counts = per_user[user_id]
        claimed = sum(counts.values())
        if not claimed and not spans_by_user.get(user_id):
            continue
        analysts.append(
            {
                "username": names[user_id],
                "role": members.get(user_id, "—"),
                "claimed": claimed,
                "in_progress": counts[Status.IN_PROGRESS] + counts[Status.NEW],
                "complete": counts[Status.COMPLETE],
                "spans": spans_by_user.get(user_id, 0),
                "percent": _percent(counts[Status.COMPLETE], claimed),
            }
        )

    label_rows = {
        label.pk: {"label": label, "annotations": 0, "gold": 0} for label in project.labels.all()
    }
    for label_id, gold, total in (
        Span.objects.filter(project=project)
        .values_list("label_id", "gold")
        .annotate(total=Count("pk"))
    ):
        label_rows[label_id]["gold" if gold else "annotations"] += total
    most = max((row["annotations"] for row in label_rows.values()), default=0)
    for row in label_rows.values():
        row["percent"] = _percent(row["annotations"], most)

    finished = (
        DocumentStatus.objects.filter(project=project, status=Status.COMPLETE)
        .values("document_id")
        .annotate(total=Count("pk"))
        .filter(total__gte=project.annotators_per_document)
        .count()
    )
    agreement = project_agreement(project)
    usernames = sorted(
        {p["a"] for p in agreement["pairwise"]} | {p["b"] for p in agreement["pairwise"]}
    )
    pairs = {(p["a"], p["b"]): p for p in agreement["pairwise"]}
    matrix = [
        {
            "username": a,
            "cells": [
                pairs.get((a, b)) or pairs.get((b, a)) if a != b else None for b in usernames
            ],
        }
        for a in usernames
    ]
    lowest_ids = documents_by_agreement(project)[:LOWEST]
    titles = {
        document.pk: document
        for document in project.documents.filter(pk__in=[pk for pk, _ in lowest_ids]).only(
            "id", "title", "external_id"
        )
    }
    return {
        "documents": documents,
        "finished": finished,
        "finished_percent": _percent(finished, documents),
        "reviewed": Review.objects.filter(project=project).count(),
        "analysts": analysts,
        "labels": list(label_rows.values()),
        "agreement": agreement,
        "usernames": usernames,
        "matrix": matrix,
        "lowest": [{"document": titles[pk], "f1": f1} for pk, f1 in lowest_ids if pk in titles],
    }
