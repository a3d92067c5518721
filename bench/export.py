"""Export benchmark: 10,000 documents (~3,000 characters) with 200,000 spans.

    .venv/bin/python bench/export.py                 # SQLite: bench/export.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/margin_bench .venv/bin/python bench/export.py

Builds the project in the configured database (SQLite by default, in its own file under
bench/) once: the bench project is reused when it is already there, ``--rebuild`` drops
it (and, on SQLite, the file), then exports it in every format, each in a fresh
subprocess, the way the HTTP response does: ``export_response()`` (including, for the
formats whose overlap rule may merge or drop spans, the span-only pre-pass that fills the
``X-Margin-Merged``/``X-Margin-Dropped`` headers) and its ``streaming_content`` consumed.

Figures: wall time of the whole export, and peak memory growth — the highest resident set
size (RSS, from /proc/self/statm sampled every 2 ms, so spaCy's C allocations that
tracemalloc cannot see are included) minus the RSS just before the export, after Django,
the URLconf, the database connection and the spaCy pipeline are loaded.
Goals: jsonl < 1.5 s, every other format < 10 s, growth < 50 MB.
"""

import argparse
import gc
import os
import random
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SQLITE = ROOT / "bench" / "export.sqlite3"
PROJECT = "Export benchmark"
DOCUMENTS, SPANS_PER_DOCUMENT, TEXT_LENGTH = 10_000, 20, 3_000
FORMATS = ["jsonl", "doccano", "conll", "spacy", "hf", "brat", "csv"]
GOALS = {"jsonl": 1.5}
DEFAULT_GOAL, MEMORY_GOAL_MB = 10.0, 50.0

WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "on",
    "with",
    "as",
    "was",
    "by",
    "at",
    "from",
    "it",
    "an",
    "be",
    "has",
    "are",
    "said",
    "Russia",
    "North",
    "Korea",
    "Kim",
    "Jong",
    "Un",
    "Vladimir",
    "Putin",
    "Pyongyang",
    "Moscow",
    "Vostochny",
    "cosmodrome",
    "artillery",
    "shells",
    "ammunition",
    "missiles",
    "satellite",
    "technology",
    "sanctions",
    "weapons",
    "talks",
    "summit",
    "leader",
    "meeting",
    "military",
    "cooperation",
    "Security",
    "Council",
    "official",
    "analysts",
    "“support”",
    "arms",
    "deal",
    "Ukraine",
    "war",
    "rockets",
    "supply—reports",
    "(152-mm)",
    "café",
    "北朝鮮",
    "🚀",
]


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{SQLITE}")
    import django

    django.setup()


def text_of(rng: random.Random) -> tuple[str, list[tuple[int, int]]]:
    """A ~3,000-character text and the (start, end) of its words."""
    parts, words, length = [], [], 0
    sentence = 0
    while length < TEXT_LENGTH:
        word = rng.choice(WORDS)
        if sentence == 0:
            word = word[:1].upper() + word[1:]
        words.append((length, length + len(word)))
        parts.append(word)
        length += len(word)
        sentence += 1
        end = ".\n" if sentence > 14 and rng.random() < 0.2 else " "
        if end != " ":
            sentence = 0
        if rng.random() < 0.01:
            end = "\u00a0"
        parts.append(end)
        length += len(end)
    return "".join(parts), words


def build(rebuild: bool) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction

    from annotator.models import DocumentStatus, Label, Membership, Project, Role, Span, Status
    from corpus.models import Document, text_hash

    call_command("migrate", verbosity=0)
    existing = Project.objects.filter(name=PROJECT).first()
    if existing and not rebuild and existing.spans.count() == DOCUMENTS * SPANS_PER_DOCUMENT:
        print(f"Reusing the bench project (id {existing.pk}).")
        return
    started = time.perf_counter()
    with transaction.atomic():
        if existing:
            Span.objects.filter(project=existing).delete()
            Document.objects.filter(external_id__startswith="bench-").delete()
            existing.delete()
        users = get_user_model().objects
        people = [users.get_or_create(username=f"bench-{name}")[0] for name in "abr"]
        project = Project.objects.create(name=PROJECT, allow_overlap=False)
        labels = [
            Label.objects.create(project=project, name=name, order=order)
            for order, name in enumerate(["WEAPONS", "PERSON", "LOCATION", "ORG", "EVENT"])
        ]
        for user, role in zip(people, [Role.ANNOTATOR, Role.ANNOTATOR, Role.REVIEWER], strict=True):
            Membership.objects.create(project=project, user=user, role=role)
        rng = random.Random(0)
        documents, extents = [], []
        for number in range(DOCUMENTS):
            text, words = text_of(rng)
            documents.append(
                Document(text=text, external_id=f"bench-{number}", content_hash=text_hash(text))
            )
            extents.append(words)
        documents = Document.objects.bulk_create(documents, batch_size=500)
        project.documents.add(*documents)
        spans, statuses = [], []
        half = SPANS_PER_DOCUMENT // 2
        for document, words in zip(documents, extents, strict=True):
            # Ten spans a layer at one-to-three-word extents; seven of ten shared by both.
            slots = rng.sample(range(0, len(words) - 3, 4), half + 3)
            for layer, user in enumerate(people[:2]):
                chosen = slots[:7] + (slots[7:10] if layer == 0 else slots[10:13])
                for slot in chosen:
                    width = 1 + slot % 3
                    spans.append(
                        Span(
                            project=project,
                            document=document,
                            annotator=user,
                            label=labels[slot % len(labels)],
                            start=words[slot][0],
                            end=words[slot + width - 1][1],
                        )
                    )
                statuses.append(
                    DocumentStatus(
                        project=project, document=document, user=user, status=Status.COMPLETE
                    )
                )
        Span.objects.bulk_create(spans, batch_size=5000)
        DocumentStatus.objects.bulk_create(statuses, batch_size=5000)
    print(
        f"Built {DOCUMENTS} documents, {len(spans)} spans in {time.perf_counter() - started:.1f} s."
    )


def run_one(format_name: str, layer: str) -> None:
    """Export once in this process and print 'seconds megabytes bytes'."""
    from django.urls import reverse

    from annotator.exports.engine import Export
    from annotator.exports.options import options_parse
    from annotator.exports.views import export_response
    from annotator.models import Project
    from annotator.tokens import pipeline

    project = Project.objects.get(name=PROJECT)
    pipeline()  # loaded once per process in the server too
    reverse("api_export_card", args=[project.pk])  # the URLconf (every app) is imported
    options = options_parse({"format": format_name, "layer": layer}, project=project, user=None)
    gc.collect()
    sampler = RssSampler()
    started = time.perf_counter()
    with sampler:
        response = export_response(Export(project=project, options=options))
        size = sum(len(block) for block in response.streaming_content)
    seconds = time.perf_counter() - started
    print(f"{seconds:.3f} {sampler.growth_mb:.1f} {size} {response['X-Margin-Dropped']}")


class RssSampler:
    """Peak growth of the resident set size over a block, sampled every 2 ms.

    Read from /proc/self/statm (current RSS, C allocations included); ru_maxrss alone
    cannot be used because start-up may already have set a higher peak.
    """

    def __init__(self) -> None:
        self._stop = threading.Event()
        self.peak = 0

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize()

    def _watch(self) -> None:
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, self.rss())

    def __enter__(self) -> "RssSampler":
        self.before = self.peak = self.rss()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.peak = max(self.peak, self.rss())
        self._stop.set()
        self._thread.join()

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.before) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--layer", default="all")
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args()
    if args.run:
        setup()
        run_one(args.run, args.layer)
        return
    if "DATABASE_URL" not in os.environ and args.rebuild:
        SQLITE.unlink(missing_ok=True)
    setup()
    build(args.rebuild)
    from django.db import connection

    print(f"Database: {connection.vendor}; layer {args.layer}; one subprocess per format.")
    print(
        f"{'format':<8} {'seconds':>8} {'goal':>5} {'time':>6}  {'MB peak+':>8} {'goal':>4} "
        f"{'memory':>6}  {'output MB':>9} {'X-Margin-Dropped':>16}"
    )
    missed = []
    for name in args.formats.split(","):
        result = subprocess.run(
            [sys.executable, __file__, "--run", name, "--layer", args.layer],
            capture_output=True,
            text=True,
            env={**os.environ},
            check=True,
        )
        seconds, growth, size, dropped = result.stdout.split()[-4:]
        goal = GOALS.get(name, DEFAULT_GOAL)
        fast, small = float(seconds) < goal, float(growth) < MEMORY_GOAL_MB
        missed += [f"{name} time"] * (not fast) + [f"{name} memory"] * (not small)
        print(
            f"{name:<8} {float(seconds):>8.2f} {goal:>5.1f} {'ok' if fast else 'MISSED':>6}  "
            f"{float(growth):>8.1f} {MEMORY_GOAL_MB:>4.0f} {'ok' if small else 'MISSED':>6}  "
            f"{int(size) / 1e6:>9.1f} {dropped:>16}"
        )
    print(f"Goals missed: {', '.join(missed)}." if missed else "Every goal ok.")
    failed = bool(missed)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
