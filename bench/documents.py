"""The project page's documents table at 100,000 documents: a filtered, sorted page, as a
manager asks for it, through Django's full stack in one process (server time, median and
p95, and the statements each request ran). Goal: under 150 ms on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/margin_bench_documents \\
        .venv/bin/python bench/documents.py                 # builds the corpus once
    .venv/bin/python bench/documents.py --documents 20000  # its own SQLite file

The corpus: news-like texts of ~700 characters, two annotators on each document (four
annotators in turn), three spans in each layer (one document in five disputed), three in
ten completed by both and reviewed. It is built once and reused while the document count
matches (``--rebuild`` starts again); the database is the bench's own.
"""

import argparse
import re
import statistics
import time

from inprocess import start_django

start_django("documents")

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from annotator.models import (  # noqa: E402
    DocumentDispute,
    DocumentStatus,
    Label,
    Membership,
    Project,
    Review,
    Role,
    Span,
    Status,
)
from annotator.services.disputes import disputes_fill  # noqa: E402
from corpus.models import Document  # noqa: E402

NAME = "Documents-table bench"
MATCHES = re.compile(r'id="match-count"[^>]*>(\d+) document')
ANNOTATORS = 4
BATCH = 5_000
WORDS = ["artillery", "shells", "satellite", "technology", "transfer", "summit", "Vostochny"]


def text_of(n: int) -> str:
    lead = f"Report {n}: Kim Jong Un and Vladimir Putin met to discuss {WORDS[n % len(WORDS)]}. "
    return lead + "North Korea and Russia discussed artillery shells and launch sites. " * 9


def build(size: int) -> Project:
    User = get_user_model()
    manager, _ = User.objects.get_or_create(username="bench-manager")
    reviewer, _ = User.objects.get_or_create(username="bench-reviewer")
    analysts = [User.objects.get_or_create(username=f"bench-analyst-{i}")[0] for i in range(4)]
    project = Project.objects.create(name=NAME, annotators_per_document=2)
    Membership.objects.create(project=project, user=manager, role=Role.MANAGER)
    Membership.objects.create(project=project, user=reviewer, role=Role.REVIEWER)
    for analyst in analysts:
        Membership.objects.create(project=project, user=analyst, role=Role.ANNOTATOR)
    labels = [
        Label.objects.create(project=project, name=name, color=color, shortcut=str(i), order=i)
        for i, (name, color) in enumerate(
            [("WEAPONS", "#b42318"), ("PERSON", "#1d4ed8"), ("LOCATION", "#047857")], start=1
        )
    ]
    through = Project.documents.through
    for first in range(0, size, BATCH):
        with transaction.atomic():
            documents = Document.objects.bulk_create(
                Document(title=f"Bench article {n:06}", text=text_of(n), content_hash=f"b{n}")
                for n in range(first, min(first + BATCH, size))
            )
            through.objects.bulk_create(through(project=project, document=d) for d in documents)
            statuses, spans, reviews = [], [], []
            for document in documents:
                n = document.pk
                pair = [analysts[n % ANNOTATORS], analysts[(n + 1) % ANNOTATORS]]
                done = n % 10 < 3
                for who, analyst in enumerate(pair):
                    state = Status.COMPLETE if done else [Status.NEW, Status.IN_PROGRESS][who]
                    statuses.append(
                        DocumentStatus(
                            project=project, document=document, user=analyst, status=state
                        )
                    )
                    for k, label in enumerate(labels):
                        shift = 1 if (n % 5 == 0 and who == 1 and k == 0) else 0
                        spans.append(
                            Span(
                                project=project,
                                document=document,
                                annotator=analyst,
                                label=label,
                                start=10 * k + shift,
                                end=10 * k + 8,
                            )
                        )
                if done:
                    reviews.append(Review(project=project, document=document, reviewer=reviewer))
            DocumentStatus.objects.bulk_create(statuses)
            Span.objects.bulk_create(spans)
            Review.objects.bulk_create(reviews)
        print(f"  built {min(first + BATCH, size):,} documents", flush=True)
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    project = Project.objects.filter(name=NAME).first()
    if args.rebuild or project is None or project.documents.count() != args.documents:
        call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        project = build(args.documents)
        print(f"built in {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("VACUUM ANALYZE")
            else:
                cursor.execute("ANALYZE")
    if not DocumentDispute.objects.filter(project=project).exists():
        # Rows copied around the services: their agreement is decided once, here, after
        # ANALYZE (without statistics PostgreSQL plans the rule as a scan a document).
        started = time.perf_counter()
        disputes_fill(project.pk)
        print(f"disputes decided in {time.perf_counter() - started:.0f} s", flush=True)
    manager = get_user_model().objects.get(username="bench-manager")
    analyst = get_user_model().objects.get(username="bench-analyst-1")
    client = Client()
    client.force_login(manager)
    url = reverse("project", args=[project.pk])
    queries = {
        "first page": {},
        "page 1,000": {"page": 1000},
        "analyst's status, sorted by title": {
            "assignee": analyst.pk,
            "status": "in_progress",
            "sort": "title",
        },
        "not reviewed, newest first": {"reviewed": "no", "sort": "newest"},
        "nobody assigned": {"assignee": "none"},
        "disputed": {"disputed": "yes"},
        "disputed, not reviewed, by title": {"disputed": "yes", "reviewed": "no", "sort": "title"},
        "search a title": {"q": "article 012345"},
        "search the text": {"q": "Vostochny"},
    }
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"{engine}, {args.documents:,} documents, {args.rounds} rounds each (ms)")
    print(f"{'query':38} {'median':>8} {'p95':>8} {'statements':>10} {'matches':>8}")
    for name, query in queries.items():
        response = client.get(url, query)
        assert response.status_code == 200, response.status_code
        matches = int(MATCHES.search(response.content.decode())[1])
        times = []
        for _ in range(args.rounds):
            with CaptureQueriesContext(connection) as statements:
                started = time.perf_counter()
                response = client.get(url, query)
                times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[max(0, round(0.95 * len(times)) - 1)]
        print(
            f"{name:38} {statistics.median(times):8.1f} {p95:8.1f} "
            f"{len(statements):>10} {matches:>8,}"
        )


if __name__ == "__main__":
    main()
