"""Each written-out statement of ``annotator/sql.py`` against its ORM version, same sitting.

For every statement the services (and, for now, the workspace view) run on a tag, the same
read or write through the ORM; both run in turn in one process, on one database, over a
small project (8 labels, a layer of 40 spans). Prints microseconds per call (the median of
seven alternating rounds) and the ratio: the figure each statement's docstring quotes.

    .venv/bin/python bench/statements.py             # its own SQLite file under bench/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/margin_statements \\
        .venv/bin/python bench/statements.py         # a PostgreSQL database (made if missing)
"""

import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from inprocess import start_django

start_django("statements")

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.db.models.functions import Coalesce  # noqa: E402
from django.utils import timezone  # noqa: E402

from annotator import sql  # noqa: E402
from annotator.models import (  # noqa: E402
    Comment,
    DocumentStatus,
    Label,
    Membership,
    Project,
    Role,
    Span,
    SpanAction,
    SpanEvent,
)
from corpus.models import Document  # noqa: E402

CALLS = 300
ROUNDS = 7
SPANS = 40


def setup() -> dict:
    if connection.vendor == "sqlite":
        Path(settings.DATABASES["default"]["NAME"]).unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="statements-analyst")
    project = Project.objects.create(name=f"Statements {time.time()}")
    Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
    labels = [
        Label.objects.create(project=project, name=f"L{i}", shortcut=str(i), order=i)
        for i in range(1, 9)
    ]
    document = Document.objects.create(text="artillery " * 500, title="Statements")
    project.documents.add(document)
    Span.objects.bulk_create(
        Span(
            project=project,
            document=document,
            annotator=user,
            label=labels[i % 8],
            start=i * 20,
            end=i * 20 + 9,
        )
        for i in range(SPANS)
    )
    DocumentStatus.objects.create(project=project, document=document, user=user)
    span = Span.objects.filter(project=project).first()
    Comment.objects.create(
        project=project, document=document, span=span, author=user, body="Comment"
    )
    # Undo's stack: since sign-in, 200 tags each undone, then 10 tags in force.
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    made = {"project": project, "document": document, "actor": user, "annotator": user}
    for n in range(210):
        created = SpanEvent.objects.create(
            **made, action=SpanAction.CREATED, span_id=10_000 + n, after_start=0, after_end=5
        )
        if n < 200:
            SpanEvent.objects.create(
                **made, action=SpanAction.DELETED, span_id=10_000 + n, reverts=created
            )
    return {"p": project.pk, "d": document.pk, "u": user.pk, "s": span.pk, "user": user}


def pairs(w: dict) -> dict[str, tuple[Callable, Callable]]:
    """statement name -> (the written-out statement, the ORM's version of it)."""
    p, d, u, s, user = w["p"], w["d"], w["u"], w["s"], w["user"]
    layer = {"project_id": p, "document_id": d, "gold": False, "annotator_id": u}
    found = {
        "project_with_role": (
            lambda: sql.project_with_role(p, u),
            lambda: Project.objects.with_role(user).filter(pk=p).first(),
        ),
        "project_document": (
            lambda: sql.project_document(p, d),
            lambda: Document.objects.filter(pk=d, projects=p).first(),
        ),
        "span": (
            lambda: sql.span(p, s),
            lambda: Span.objects.filter(project_id=p, pk=s).first(),
        ),
        "labels": (
            lambda: sql.labels(p),
            lambda: list(Label.objects.filter(project_id=p)),
        ),
        "status": (
            lambda: sql.status(p, d, u),
            lambda: (
                DocumentStatus.objects.filter(project_id=p, document_id=d, user_id=u)
                .values_list("status", flat=True)
                .first()
            ),
        ),
        "has_comments": (
            lambda: sql.has_comments(s),
            lambda: Comment.objects.filter(span_id=s).exists(),
        ),
        "layer_keys": (
            lambda: sql.layer_keys(p, d, u, gold=False),
            lambda: list(Span.objects.filter(**layer).values_list("start", "end", "label_id")),
        ),
        "layer_rows": (
            lambda: sql.layer_rows(p, d, u, gold=False),
            lambda: list(
                Span.objects.filter(**layer)
                .order_by("start", "end", "id")
                .values_list("id", "start", "end", "label_id", "rejection__reason")
            ),
        ),
        "changes_in_force": (
            lambda: sql.changes_in_force(
                SpanEvent, p, d, u, gold=False, since=user.last_login, before=None, limit=8
            ),
            lambda: list(
                SpanEvent.objects.select_related("before_label", "annotator")
                .alias(undoes=Coalesce("reverts", 0))
                .filter(**layer, at__gte=user.last_login, undoes=0, reverted_by__isnull=True)
                .order_by("-id")[:8]
            ),
        ),
        "lock_status": (
            lambda: sql.lock_status(p, d, u),
            lambda: (
                DocumentStatus.objects.select_for_update()
                .filter(project_id=p, document_id=d, user_id=u)
                .first()
            ),
        ),
    }
    if connection.features.has_select_for_no_key_update:
        found["lock_document"] = (
            lambda: sql.lock_document(d),
            lambda: list(
                Document.objects.select_for_update(no_key=True).filter(pk=d).values_list("pk")
            ),
        )
        found["lock_statuses"] = (
            lambda: sql.lock_statuses(p, [(d, u)]),
            lambda: list(
                DocumentStatus.objects.select_for_update(of=("self",))
                .filter(Q(document_id=d, user_id=u), project_id=p)
                .order_by("document_id", "user_id")
                .values_list("pk")
            ),
        )
    return found


def timed(call: Callable, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - started) / calls * 1e6


def span_writes(w: dict) -> dict[str, tuple[Callable, Callable]]:
    """insert and delete_span, each timed on its own span (made or removed untimed)."""
    label = Label.objects.filter(project_id=w["p"]).first()

    def new_span(start: int) -> Span:
        return Span(
            project_id=w["p"],
            document_id=w["d"],
            annotator_id=w["u"],
            label=label,
            start=start,
            end=start + 5,
        )

    def insert_time(store: Callable[[Span], None]) -> Callable[[], float]:
        def run(calls: int) -> float:
            spans = [new_span(4000 + i * 6) for i in range(calls)]
            started = time.perf_counter()
            for span in spans:
                store(span)
            took = time.perf_counter() - started
            Span.objects.filter(pk__in=[span.pk for span in spans]).delete()
            return took / calls * 1e6

        return run

    def delete_time(remove: Callable[[int], None]) -> Callable[[], float]:
        def run(calls: int) -> float:
            spans = Span.objects.bulk_create(new_span(4000 + i * 6) for i in range(calls))
            started = time.perf_counter()
            for span in spans:
                remove(span.pk)
            return (time.perf_counter() - started) / calls * 1e6

        return run

    return {
        "insert (a span)": (
            insert_time(sql.insert),
            insert_time(lambda span: span.save(force_insert=True)),
        ),
        "delete_span": (
            delete_time(sql.delete_span),
            delete_time(lambda pk: Span.objects.filter(pk=pk).delete()),
        ),
    }


def main() -> None:
    w = setup()
    engine = connection.vendor
    print(f"statements on {engine}: µs per call, median of {ROUNDS} alternating rounds")
    print(f"  {'statement':<18} {'SQL':>8} {'ORM':>8}  ORM/SQL")

    def report(name: str, times: tuple[list[float], list[float]]) -> None:
        written, orm = (statistics.median(t) for t in times)
        print(f"  {name:<18} {written:8.0f} {orm:8.0f}  {orm / written:5.2f}×")

    for name, (written, orm) in pairs(w).items():
        times: tuple[list[float], list[float]] = ([], [])
        with transaction.atomic():  # the locking reads need one; the others do not mind
            for call in (written, orm):
                timed(call, 20)  # warm: the ORM's and the cursor's first-call work
            for _ in range(ROUNDS):
                for index, call in enumerate((written, orm)):
                    times[index].append(timed(call, CALLS))
        report(name, times)
    for name, (written, orm) in span_writes(w).items():
        times = ([], [])
        for run in (written, orm):
            run(20)
        for _ in range(ROUNDS):
            for index, run in enumerate((written, orm)):
                with transaction.atomic():
                    times[index].append(run(CALLS // 3))
        report(name, times)


if __name__ == "__main__":
    if os.environ["DATABASE_URL"].startswith("postgres"):
        import psycopg

        base, name = os.environ["DATABASE_URL"].rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                admin.execute(f'CREATE DATABASE "{name}"')
    main()
