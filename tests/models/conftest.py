"""A project of generated news-like articles with gold spans from a hidden truth, some
reviewed; models trained tiny (a few passes) so that the suite stays fast."""

import random
import re
from types import SimpleNamespace

import pytest

from annotator import ner
from annotator.models import Review, Span
from corpus.models import Document
from tests.api.conftest import client_for  # noqa: F401  (fixtures)
from tests.jobs.conftest import worker  # noqa: F401

NAMES = {
    "WEAPONS": ["Kinzhal", "Iskander", "Hwasong", "Javelin", "Shahed", "Storm Shadow"],
    "PERSON": ["Kim Jong Un", "Vladimir Putin", "Choe Son Hui", "Sergei Shoigu"],
    "LOCATION": ["Pyongyang", "Moscow", "Kyiv", "Crimea", "Vladivostok"],
}
SENTENCES = [
    "{PERSON} inspected the {WEAPONS} in {LOCATION}.",
    "Reports say {WEAPONS} missiles were moved to {LOCATION} after {PERSON} spoke.",
    "In {LOCATION}, {PERSON} praised the {WEAPONS}.",
    "The {WEAPONS} struck targets near {LOCATION} on Tuesday.",
    "Officials in {LOCATION} declined to comment.",
]


def article(rng: random.Random, sentences: int = 4) -> tuple[str, list[tuple[int, int, str]]]:
    """A text and its true spans."""
    text, spans = "", []
    for _ in range(sentences):
        for piece in re.split(r"(\{[A-Z]+\})", rng.choice(SENTENCES)):
            if piece.startswith("{"):
                label = piece[1:-1]
                name = rng.choice(NAMES[label])
                spans.append((len(text), len(text) + len(name), label))
                text += name
            else:
                text += piece
        text += " "
    return text, spans


@pytest.fixture(autouse=True)
def tiny_training(monkeypatch):
    """Three passes, a narrow network: seconds, not minutes (quality is the bench's)."""
    monkeypatch.setitem(ner.CONFIG, "iterations", 3)
    monkeypatch.setitem(ner.CONFIG, "min_updates", 0)
    monkeypatch.setitem(ner.CONFIG, "width", 32)
    monkeypatch.setitem(ner.CONFIG, "hidden_width", 32)
    monkeypatch.setitem(ner.CONFIG, "beam_width", 4)


@pytest.fixture
def taught(monkeypatch):
    """Enough passes in small batches that the tiny corpus's names are learnt (~1 s)."""
    monkeypatch.setitem(ner.CONFIG, "iterations", 10)
    monkeypatch.setitem(ner.CONFIG, "batch_size", 2)


def add_documents(project, count: int, *, seed: int = 0) -> list[tuple[Document, list]]:
    rng = random.Random(seed)
    made = []
    for number in range(count):
        text, spans = article(rng)
        document = Document.objects.create(title=f"News {number}", text=text)
        project.documents.add(document)
        made.append((document, spans))
    return made


def review(project, reviewer, made) -> None:
    """Gold from the truth, and the documents marked reviewed."""
    labels = {label.name: label for label in project.labels.all()}
    Span.objects.bulk_create(
        Span(
            project=project,
            document=document,
            annotator=reviewer,
            gold=True,
            label=labels[label],
            start=start,
            end=end,
        )
        for document, spans in made
        for start, end, label in spans
    )
    Review.objects.bulk_create(
        Review(project=project, document=document, reviewer=reviewer) for document, _ in made
    )


@pytest.fixture
def news(project, people):
    """``project`` with 10 reviewed articles to learn from and 2 in the evaluation slice
    (gold = truth), and 4 not reviewed (the slice goes by id: made until both are full)."""
    training, held_out, rest, seed = [], [], [], 0
    while len(training) < 10 or len(held_out) < 2:
        (made,) = add_documents(project, 1, seed=seed)
        seed += 1
        part = held_out if ner.in_evaluation(made[0].pk) else training
        (part if len(part) < (2 if part is held_out else 10) else rest).append(made)
    rest += add_documents(project, 4, seed=1000)
    review(project, people["reviewer"], training + held_out)
    truth = {document.pk: spans for document, spans in training + held_out + rest}
    return SimpleNamespace(
        project=project,
        people=people,
        training=[document for document, _ in training],
        held_out=[document for document, _ in held_out],
        open=[document for document, _ in rest],
        truth=truth,
        path=f"/api/projects/{project.pk}/models/",
    )
