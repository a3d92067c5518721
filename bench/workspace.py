"""Server-side time of the workspace page, of a span create and of its undo, on a big document.

A 20,000-character article with 500 spans of one analyst. Prints median and p95 over many
requests through Django's full stack (middleware, session, templates, database), in one
process on one core, and the size of the answers: a create from a page that shows the
layer (the workspace sends its digest) answers with only what changed; without the digest
(or from a page out of step) it answers with the whole annotation, as before patches.
Each round's create (with the digest) is then undone (Ctrl+Z, with the digest after the
create): the history grows by a create and its undo a round, so the last rounds' undos
read a stack of some 400 changes all taken off it (nothing left to undo: the walk to say
so is the longest). Goals: page p95 under 150 ms, create and undo p95 under 50 ms and
their answers under 4 KB.

    .venv/bin/python bench/workspace.py            # its own SQLite file under bench/
    DATABASE_URL=postgres://… .venv/bin/python bench/workspace.py
"""

import re
import statistics
import time
from pathlib import Path

from inprocess import start_django

start_django("workspace")

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from annotator.models import Label, Membership, Project, Role, Span, SpanEvent  # noqa: E402
from corpus.models import Document  # noqa: E402

ROUNDS = 200
SPANS = 500
WORD = "artillery "  # 10 characters: spans sit on every fourth word


def setup() -> tuple[Project, Document, Label, object]:
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        Path(settings.DATABASES["default"]["NAME"]).unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench-analyst")
    project = Project.objects.create(name=f"Workspace bench {time.time()}")
    Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
    labels = [
        Label.objects.create(project=project, name=f"L{i}", color="#1d4ed8", shortcut=str(i))
        for i in range(1, 9)
    ]
    text = ("👋🏽 " + WORD * 1999)[:20_000]
    document = Document.objects.create(text=text, title="Bench")
    project.documents.add(document)
    Span.objects.bulk_create(
        Span(
            project=project,
            document=document,
            annotator=user,
            label=labels[i % 8],
            start=3 + i * 40,
            end=3 + i * 40 + 9,
        )
        for i in range(SPANS)
    )
    return project, document, labels[0], user


def summary(name: str, times: list[float]) -> None:
    times = sorted(times)
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"{name:<34} median {statistics.median(times) * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms")


def main() -> None:
    project, document, label, user = setup()
    client = Client()
    client.force_login(user)
    page = reverse("workspace", args=[project.pk, document.pk])
    add = reverse("span_add", args=[project.pk, document.pk])
    undo = reverse("undo", args=[project.pk, document.pk])
    warm = client.get(page)
    assert warm.status_code == 200
    assert warm.content.count(b'class="span-row"') == SPANS, "the span list is not rendered"
    times: dict[str, list[float]] = {"page": [], "patch": [], "undo": [], "whole": []}
    sizes: dict[str, int] = {}
    for round_ in range(ROUNDS):
        started = time.perf_counter()
        response = client.get(page)
        times["page"].append(time.perf_counter() - started)
        assert response.status_code == 200
        sizes["page"] = len(response.content)
        layer = re.search(rb'data-layer="([0-9a-f]+)"', response.content).group(1).decode()
        # A free stretch between two spans: positions 23..32 of each 40-character block.
        start = 3 + (round_ % SPANS) * 40 + 20
        for kind, form in [("patch", {"layer": layer}), ("whole", {})]:
            form |= {"start": start, "end": start + 9, "label": label.pk}
            started = time.perf_counter()
            response = client.post(add, form, HTTP_HX_REQUEST="true")
            times[kind].append(time.perf_counter() - started)
            assert response.status_code == 200, response.content[:300]
            assert ("HX-Retarget" in response) == (kind == "patch")
            sizes[kind] = len(response.content)
            if kind == "patch":
                # Undo it, from the page as the create left it.
                after = re.search(rb'data-layer="([0-9a-f]+)"', response.content).group(1)
                started = time.perf_counter()
                response = client.post(undo, {"layer": after.decode()}, HTTP_HX_REQUEST="true")
                times["undo"].append(time.perf_counter() - started)
                assert response.status_code == 200, response.content[:300]
                assert b"Undone: the new span is removed." in response.content
                assert "HX-Retarget" in response, "the undo answered with the whole annotation"
                sizes["undo"] = len(response.content)
            else:  # a create outside the stack: its span and its history go
                spans = Span.objects.filter(project=project, document=document, start=start)
                SpanEvent.objects.filter(
                    span_id__in=list(spans.values_list("pk", flat=True))
                ).delete()
                spans.delete()
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"workspace bench on {engine}: {len(document.text):,} characters, {SPANS} spans, "
        f"{ROUNDS} rounds"
    )
    summary(f"workspace page (GET, {sizes['page']:,} B)", times["page"])
    summary(f"span create ({sizes['patch']:,} B answer)", times["patch"])
    summary(f"  whole answer ({sizes['whole']:,} B)", times["whole"])
    summary(f"undo of the create ({sizes['undo']:,} B answer)", times["undo"])
    late = times["undo"][ROUNDS // 2 :]
    summary("  its last half (200+ changes back)", late)


if __name__ == "__main__":
    main()
