"""Search at 100,000 documents and 2,000,000 spans: p95 of phrase, label and disputed
queries through the API (server time, in one process), and the time to tag 10,000 hits.
Goal: p95 under 300 ms on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/margin_bench_search \\
        .venv/bin/python bench/search.py                  # builds the corpus once (COPY)
    .venv/bin/python bench/search.py --documents 5000    # its own SQLite file

The corpus: ~600-character texts of made-up words (3,000 of them, so that a word is as
selective as in news), two analysts on each document with seven spans each and six in
gold (20 spans a document), both analysts having completed every document; they label one
span differently in one document in five, and "Kinzhal missiles" opens one document in a
hundred, where they disagree on its label and gold says WEAPONS or TECHNOLOGY_TRANSFER
(21,000 disputed documents, decided once after the copy: ``services.disputes_fill``);
"Vostochny" stands once in one document in ten (the 10,000 hits that are tagged). Deep
pages of spans: the last, the middle by its number, and the middle by the previous page's
``next`` link (``after=``). Built once and reused
while the document count matches (``--rebuild`` starts again).
"""

import argparse
import random
import statistics
import time

from inprocess import start_django

start_django("search")

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from annotator.jobs import Job, JobKind, job_run  # noqa: E402
from annotator.models import (  # noqa: E402
    DocumentDispute,
    Label,
    Membership,
    Project,
    Role,
    SearchTag,
    Status,
)
from annotator.search_jobs import _search_tag, search_tag_undo  # noqa: E402
from annotator.services.disputes import disputes_fill  # noqa: E402
from annotator.suggestions import Suggestion  # noqa: E402

NAME = "Search bench"
ANALYSTS = 4
BATCH = 10_000
LABELS = ["WEAPONS", "PERSON", "LOCATION", "TECHNOLOGY_TRANSFER", "DIPLOMACY"]
COLORS = ["#b42318", "#1d4ed8", "#047857", "#7c3aed", "#9a3412"]


def vocabulary(rng: random.Random) -> list[str]:
    syllables = ["ka", "lo", "mi", "ren", "sto", "var", "ek", "du", "pri", "zan", "ol", "te"]
    words = set()
    while len(words) < 3000:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))))
    return sorted(words)


def text_of(n: int, rng: random.Random, words: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """A document's text and the (start, end) of its words."""
    parts = []
    if n % 100 == 7:
        parts += ["Kinzhal", "missiles"]
    parts += [rng.choice(words) for _ in range(85)]
    if n % 10 == 3:
        parts.insert(40, "Vostochny")
    text, places, at = "", [], 0
    for index, word in enumerate(parts):
        if index and index % 12 == 0:
            text += ". "
            at += 2
        elif index:
            text += " "
            at += 1
        places.append((at, at + len(word)))
        text += word
        at += len(word)
    return text + ".", places


def copy_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Many rows at once: COPY on PostgreSQL, executemany elsewhere."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ", ".join(f'"{c}"' for c in columns)
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            names = ", ".join(f'"{c}"' for c in columns)
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


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
        Label.objects.create(project=project, name=name, color=color, order=i)
        for i, (name, color) in enumerate(zip(LABELS, COLORS, strict=True))
    ]
    rng = random.Random(19)
    words = vocabulary(rng)
    now = timezone.now()
    for first in range(0, size, BATCH):
        numbers = range(first, min(first + BATCH, size))
        made = [text_of(n, rng, words) for n in numbers]
        with transaction.atomic():
            copy_rows(
                "corpus_document",
                ["title", "text", "source", "meta", "content_hash", "created_at"],
                [
                    (f"Search bench {n:06}", text, "", "{}", f"s{n}", now)
                    for n, (text, _) in zip(numbers, made, strict=True)
                ],
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id FROM corpus_document WHERE title >= %s AND title <= %s ORDER BY id",
                    [f"Search bench {numbers[0]:06}", f"Search bench {numbers[-1]:06}"],
                )
                ids = [row[0] for row in cursor.fetchall()]
            copy_rows(
                "annotator_project_documents",
                ["project_id", "document_id"],
                [(project.pk, pk) for pk in ids],
            )
            # Both analysts completed every document: the disputed ones are those where
            # they differ (``services.disputes``, the review page's rule).
            copy_rows(
                "annotator_documentstatus",
                ["project_id", "document_id", "user_id", "status", "created_at", "updated_at"],
                [
                    (project.pk, pk, analyst.pk, Status.COMPLETE, now, now)
                    for n, pk in zip(numbers, ids, strict=True)
                    for analyst in (analysts[n % ANALYSTS], analysts[(n + 1) % ANALYSTS])
                ],
            )
            spans = []
            for n, pk, (_, places) in zip(numbers, ids, made, strict=True):
                pair = [analysts[n % ANALYSTS], analysts[(n + 1) % ANALYSTS]]
                for who, analyst in enumerate(pair):
                    for k in range(7):
                        start, end = places[2 * k + 3]
                        label = labels[(k + (1 if n % 5 == 0 and who and k == 0 else 0)) % 5]
                        spans.append((pk, label.pk, analyst.pk, False, start, end))
                for k in range(6):
                    start, end = places[2 * k + 3]
                    spans.append((pk, labels[k % 5].pk, reviewer.pk, True, start, end))
                if n % 100 == 7:  # the analysts disagree on Kinzhal; gold varies
                    start, end = places[0]
                    spans.append((pk, labels[0].pk, pair[0].pk, False, start, end))
                    spans.append((pk, labels[3].pk, pair[1].pk, False, start, end))
                    gold = labels[0] if n % 300 != 7 else labels[3]
                    spans.append((pk, gold.pk, reviewer.pk, True, start, end))
            copy_rows(
                "annotator_span",
                [
                    "project_id",
                    "document_id",
                    "label_id",
                    "annotator_id",
                    "gold",
                    "start",
                    "end",
                    "origin",
                    "source",
                    "created_at",
                    "updated_at",
                ],
                [(project.pk, *row, "manual", "", now, now) for row in spans],
            )
        print(f"  built {numbers[-1] + 1:,} documents", flush=True)
    return project


def timed(client: Client, url: str, rounds: int) -> tuple[float, float, int, int]:
    answer = client.get(url)
    assert answer.status_code == 200, (answer.status_code, answer.content[:300])
    count = answer.json()["count"]
    times = []
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as statements:
            started = time.perf_counter()
            answer = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    return statistics.median(times), p95, len(statements), count


def tag_time(project: Project, user, q: str, label: Label, into: str) -> tuple[float, dict]:
    """Run a tag's job in this process (the worker's code path), then undo it."""
    job = Job.objects.create(project=project, kind=JobKind.SEARCH_TAG, created_by=user)
    tag = SearchTag.objects.create(
        project=project,
        job=job,
        user=user,
        q=q,
        label_pk=label.pk,
        label_name=label.name,
        into=into,
    )
    started = time.perf_counter()
    result = job_run(job.pk, lambda job: _search_tag(job, tag.pk))
    took = time.perf_counter() - started
    tag.refresh_from_db()
    undo_started = time.perf_counter()
    undone = search_tag_undo(tag=tag, user=user)
    result["undo_s"] = round(time.perf_counter() - undo_started, 1)
    result["undone"] = undone["removed"]
    return took, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--no-tag", action="store_true", help="skip the tagging figures")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    project = Project.objects.filter(name=NAME).first()
    stale = project is not None and not project.statuses.exists()  # built before statuses
    if args.rebuild or stale or project is None or project.documents.count() != args.documents:
        call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        project = build(args.documents)
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    if not DocumentDispute.objects.filter(project=project).exists():
        # Rows copied around the services: their agreement is decided once, here, after
        # ANALYZE (without statistics PostgreSQL plans the rule as a scan a document).
        started = time.perf_counter()
        disputes_fill(project.pk)
        print(f"disputes decided in {time.perf_counter() - started:.0f} s", flush=True)
        with connection.cursor() as cursor:
            # Their tables were empty at the ANALYZE above: without statistics PostgreSQL
            # plans disputed queries for no rows (the disputed phrase 780 ms against 54).
            for table in ["annotator_documentdispute", "annotator_disputedspan"]:
                cursor.execute(f"ANALYZE {table}")
    User = get_user_model()
    reviewer = User.objects.get(username="bench-reviewer")
    analyst = User.objects.get(username="bench-analyst-1")
    spans = project.spans.count()
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"{engine}, {args.documents:,} documents, {spans:,} spans, {args.rounds} rounds (ms)")
    base = f"/api/projects/{project.pk}/search/"
    weapons = project.spans.filter(label__name="WEAPONS").count()
    middle = max(2, (weapons + 99) // 200)  # page numbers of 100 hits
    queries = {
        "phrase 'Kinzhal missiles'": ("reviewer", "?q=Kinzhal%20missiles"),
        "phrase 'Vostochny' (10,000 hits)": ("reviewer", "?q=Vostochny"),
        "phrase, last page": ("reviewer", "?q=Vostochny&page=last"),
        "phrase + label WEAPONS": ("reviewer", "?q=Kinzhal&label=WEAPONS"),
        "label WEAPONS (spans)": ("reviewer", "?label=WEAPONS"),
        "label WEAPONS, last page": ("reviewer", "?label=WEAPONS&page=last"),
        "label WEAPONS, middle page": ("reviewer", f"?label=WEAPONS&page={middle}"),
        "the same by its next link (after=)": ("reviewer", None),
        "analyst: label in my layer": ("analyst", "?label=PERSON"),
        "gold layer, label": ("reviewer", "?layer=gold&label=TECHNOLOGY_TRANSFER"),
        "disputed phrase": ("reviewer", "?q=Kinzhal&disputed=1"),
        "disputed + label (spans)": ("reviewer", "?label=WEAPONS&disputed=1"),
        "consistency of gold": ("reviewer", None),
    }
    clients = {"reviewer": Client(), "analyst": Client()}
    clients["reviewer"].force_login(reviewer)
    clients["analyst"].force_login(analyst)
    print(f"{'query':36} {'median':>8} {'p95':>8} {'statements':>10} {'count':>9}")
    for name, (who, query) in queries.items():
        if name.startswith("the same by its next link"):
            before = f"{base}?label=WEAPONS&page={middle - 1}"
            url, rounds = clients[who].get(before).json()["next"], args.rounds
        elif query is None:
            url, rounds = f"/api/projects/{project.pk}/consistency/", max(3, args.rounds // 10)
        else:
            url, rounds = base + query, args.rounds
        median, p95, statements, count = timed(clients[who], url, rounds)
        print(f"{name:36} {median:8.1f} {p95:8.1f} {statements:>10} {count:>9,}", flush=True)
    if args.no_tag:
        return
    person = project.labels.get(name="PERSON")
    for into in ["suggestions", "mine", "gold"]:
        user = reviewer
        took, result = tag_time(project, user, "Vostochny", person, into)
        print(f"tag 'Vostochny' as {into}: {took:.1f} s, {result}", flush=True)
    assert not Suggestion.objects.filter(project=project, source="search:Vostochny").exists()


if __name__ == "__main__":
    main()
