"""A 50-pattern rule set applied to 10,000 documents, as the worker runs the job (issue 16:
under 60 s). Prints the whole job's time and its parts: reading and matching, replacing
the set's undecided suggestions, storing.

    .venv/bin/python bench/rules.py                       # its own SQLite file under bench/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/margin_bench_rules \\
        .venv/bin/python bench/rules.py --documents 10000 --rounds 2

The corpus: ~3,000-character news articles made of the seed articles' sentences in a
different order each (built once, reused while the count matches). The patterns: 40
phrases and 10 token patterns for the seed project's labels. A second round applies the
set again, which first takes the first round's undecided suggestions away.
"""

import argparse
import random
import re
import statistics
import time

from inprocess import ROOT, start_django

start_django("rules")

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from annotator import suggestion_jobs  # noqa: E402
from annotator.jobs import Job, JobKind  # noqa: E402
from annotator.models import Label, Project  # noqa: E402
from annotator.rules import Rules  # noqa: E402
from annotator.suggestions import RuleSet, Suggestion  # noqa: E402
from corpus.models import Document  # noqa: E402

NAME = "Rules bench"
BATCH = 2_000
ARTICLE_CHARACTERS = 3_000
LABELS = ["WEAPONS", "TECHNOLOGY_TRANSFER", "DIPLOMACY", "PERSON", "ORGANIZATION", "LOCATION"]
PHRASES = {
    "WEAPONS": [
        "artillery shells",
        "ballistic missiles",
        "missiles",
        "munitions",
        "rockets",
        "warheads",
        "Hwasong",
        "nuclear weapons",
        "anti-tank missiles",
        "drones",
    ],
    "TECHNOLOGY_TRANSFER": [
        "satellite technology",
        "space technology",
        "technology transfer",
        "military technology",
        "launch vehicles",
        "nuclear submarines",
    ],
    "DIPLOMACY": ["summit", "talks", "rare visit", "state visit", "meeting", "sanctions"],
    "PERSON": [
        "Kim Jong Un",
        "Kim Jong-un",
        "Vladimir Putin",
        "Putin",
        "Kim",
        "Sergei Shoigu",
    ],
    "ORGANIZATION": ["United Nations", "Security Council", "Kremlin", "Pentagon", "KCNA"],
    "LOCATION": [
        "Vladivostok",
        "Vostochny",
        "Pyongyang",
        "Moscow",
        "North Korea",
        "Russia",
        "Ukraine",
    ],
}
TOKENS = [
    ("WEAPONS", [{"LOWER": "hwasong"}, {"IS_PUNCT": True, "OP": "?"}, {"IS_DIGIT": True}]),
    ("WEAPONS", [{"LOWER": {"IN": ["kh", "iskander", "kinzhal"]}}]),
    ("WEAPONS", [{"IS_DIGIT": True}, {"LOWER": "mm"}]),
    ("PERSON", [{"LOWER": "president"}, {"IS_TITLE": True}]),
    ("PERSON", [{"LOWER": "leader"}, {"IS_TITLE": True}, {"IS_TITLE": True, "OP": "?"}]),
    ("LOCATION", [{"LOWER": "amur"}, {"LOWER": "region"}]),
    ("LOCATION", [{"LOWER": {"IN": ["korean", "russian"]}}, {"LOWER": "peninsula"}]),
    ("DIPLOMACY", [{"LOWER": "foreign"}, {"LOWER": "minister"}]),
    ("ORGANIZATION", [{"IS_UPPER": True, "LENGTH": {">=": 3}}, {"LOWER": "agency"}]),
    ("TECHNOLOGY_TRANSFER", [{"LOWER": "rocket"}, {"LOWER": "engines"}]),
]


def patterns() -> list[dict]:
    found = [{"label": label, "pattern": p} for label, ps in PHRASES.items() for p in ps]
    found += [{"label": label, "pattern": body} for label, body in TOKENS]
    assert len(found) == 50, len(found)
    return found


def sentences() -> list[str]:
    seeds = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))
    text = " ".join(path.read_text() for path in seeds)
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s) > 20]


def build(size: int) -> Project:
    User = get_user_model()
    manager, _ = User.objects.get_or_create(username="rules-bench-manager")
    project = Project.objects.create(name=NAME, created_by=manager)
    for order, name in enumerate(LABELS):
        Label.objects.create(project=project, name=name, order=order)
    pool = sentences()
    through = Project.documents.through
    for first in range(0, size, BATCH):
        with transaction.atomic():
            texts = []
            for n in range(first, min(first + BATCH, size)):
                shuffled = random.Random(n).sample(pool, len(pool))
                body, used = [], 0
                for sentence in shuffled:
                    if used > ARTICLE_CHARACTERS:
                        break
                    body.append(sentence)
                    used += len(sentence) + 1
                texts.append((n, " ".join(body)))
            documents = Document.objects.bulk_create(
                Document(title=f"Rules bench {n:05}", text=t, content_hash=f"r{n}")
                for n, t in texts
            )
            through.objects.bulk_create(through(project=project, document=d) for d in documents)
    return project


def corpus(size: int, rebuild: bool) -> Project:
    call_command("migrate", verbosity=0)
    project = Project.objects.filter(name=NAME).first()
    if project and (rebuild or project.documents.count() != size):
        Suggestion.objects.filter(project=project).delete()
        Document.objects.filter(projects=project).delete()
        project.delete()
        project = None
    return project or build(size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    project = corpus(args.documents, args.rebuild)
    characters = sum(len(t) for t in project.documents.values_list("text", flat=True))
    print(
        f"{connection.vendor}: {args.documents:,} documents, {characters / 1e6:.1f} M characters "
        f"(ready in {time.perf_counter() - started:.1f} s)"
    )
    manager = project.created_by
    rule_set, _ = RuleSet.objects.update_or_create(
        project=project, name="bench", defaults={"patterns": patterns()}
    )
    totals = []
    for number in range(1, args.rounds + 1):
        job = Job.objects.create(project=project, kind=JobKind.RULES, created_by=manager)
        began = time.perf_counter()
        result = suggestion_jobs.rules_apply.call(job.pk, rule_set.pk)
        took = time.perf_counter() - began
        totals.append(took)
        print(
            f"round {number}: {took:.1f} s; {result['matches']:,} matches, "
            f"{result['suggestions']:,} suggestions stored"
        )
    print(f"median {statistics.median(totals):.1f} s (goal: under 60 s)")
    # The job's share that is spaCy's: tokenising and matching every text, nothing stored.
    rules = Rules(rule_set.patterns, case_sensitive=False)
    texts = list(project.documents.order_by("pk").values_list("text", flat=True))
    began = time.perf_counter()
    matched = sum(len(found) for found in rules.matches(texts))
    print(f"matching alone: {time.perf_counter() - began:.1f} s ({matched:,} matches)")


if __name__ == "__main__":
    main()
