"""Does opening a document grow with the project? A 20-span document opened in a project
of 1,000 documents and in one of 10,000, alternately, through Django's full stack in one
process. Goal: the larger within 10 % of the smaller (both databases).

    .venv/bin/python bench/page_open.py            # its own SQLite file under bench/
    DATABASE_URL=postgres://…/margin_bench_page .venv/bin/python bench/page_open.py

The database is the bench's own: it is emptied first.
"""

import statistics
import time
from pathlib import Path

from inprocess import start_django

start_django("page_open")

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from annotator.models import Label, Membership, Project, Role, Span  # noqa: E402
from corpus.models import Document  # noqa: E402

ROUNDS = 300
SPANS = 20
TEXT = "North Korea and Russia discussed artillery shells and satellite technology. " * 12


def project_of(size: int, user) -> tuple[Project, Document]:
    """A project of ``size`` documents; the one in the middle has the analyst's 20 spans."""
    project = Project.objects.create(name=f"Page-open bench, {size:,} documents {time.time()}")
    Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
    label = Label.objects.create(project=project, name="WEAPONS", color="#1d4ed8", shortcut="1")
    documents = Document.objects.bulk_create(
        Document(text=TEXT, title=f"Document {i}") for i in range(size)
    )
    through = Project.documents.through
    through.objects.bulk_create(through(project=project, document=d) for d in documents)
    middle = documents[size // 2]
    Span.objects.bulk_create(
        Span(
            project=project,
            document=middle,
            annotator=user,
            label=label,
            start=i * 40,
            end=i * 40 + 9,
        )
        for i in range(SPANS)
    )
    return project, middle


def main() -> None:
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        Path(settings.DATABASES["default"]["NAME"]).unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="page-open-analyst")
    client = Client()
    client.force_login(user)
    urls = {
        size: reverse("workspace", args=[p.pk, d.pk])
        for size in (1_000, 10_000)
        for p, d in [project_of(size, user)]
    }
    times: dict[int, list[float]] = {size: [] for size in urls}
    for url in urls.values():
        assert client.get(url).status_code == 200  # warm
    for _ in range(ROUNDS):
        for size, url in urls.items():
            started = time.perf_counter()
            response = client.get(url)
            times[size].append(time.perf_counter() - started)
            assert response.status_code == 200
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"page-open bench on {engine}: a {SPANS}-span document, {ROUNDS} rounds, alternating")
    medians = {}
    for size, values in times.items():
        values.sort()
        medians[size] = statistics.median(values)
        p95 = values[int(len(values) * 0.95) - 1]
        print(
            f"  in a project of {size:>6,} documents: median {medians[size] * 1000:5.1f} ms"
            f"   p95 {p95 * 1000:5.1f} ms"
        )
    ratio = medians[10_000] / medians[1_000]
    verdict = "ok" if ratio <= 1.10 else "MISSED"
    print(f"  10,000 / 1,000 (medians): ×{ratio:.3f} (goal ≤ ×1.10): {verdict}")


if __name__ == "__main__":
    main()
