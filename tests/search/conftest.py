"""A project whose documents say "Kinzhal" in several ways, with spans in every layer."""

from types import SimpleNamespace

import pytest

from annotator.models import Label, Membership, Project, Role
from annotator.services import span_create
from annotator.suggestions import Suggestion
from corpus.models import Document
from tests.api.conftest import client_for  # noqa: F401  (fixtures)
from tests.jobs.conftest import worker  # noqa: F401

# "Kinzhal" as a word four times (once after a no-break space, once in capitals, once
# before a hyphen), and inside other words twice.
FIRST = (
    "Russia showed the Kinzhal to Kim.\u00a0KINZHAL missiles fly fast; the Kinzhal-class "
    "is new, unlike Kinzhals or superkinzhal. Kinzhal\nmissiles again 👋🏽 kinzhal."
)
SECOND = "The Kinzhal missiles were not mentioned by Putin."
THIRD = "Nothing about that weapon here."


def places(text: str, word: str = "kinzhal") -> list[int]:
    import re

    return [m.start() for m in re.finditer(rf"(?<!\w){word}(?!\w)", text, re.IGNORECASE)]


@pytest.fixture
def corpus(project, people):
    documents = [
        Document.objects.create(title=f"Doc {n}", text=text, external_id=f"d{n}")
        for n, text in enumerate([FIRST, SECOND, THIRD], start=1)
    ]
    project.documents.add(*documents)
    labels = {label.name: label for label in project.labels.all()}
    first, second, _ = documents
    at = FIRST.index("Kinzhal")

    def tag(user, document, start, word, label, **extra):
        return span_create(
            project=project,
            document=document,
            annotator=people[user],
            label=labels[label],
            start=start,
            end=start + len(word),
            **extra,
        )

    spans = {
        "alice": tag("alice", first, at, "Kinzhal", "WEAPONS"),
        # bob disagrees with alice on the first Kinzhal.
        "bob": tag("bob", first, at, "Kinzhal", "LOCATION"),
        "gold": tag("reviewer", first, at, "Kinzhal", "WEAPONS", gold=True),
        "gold2": tag("reviewer", second, 4, "Kinzhal", "LOCATION", gold=True),
        "bob2": tag("bob", second, 4, "Kinzhal", "WEAPONS"),
    }
    Suggestion.objects.create(
        project=project,
        document=second,
        label=labels["WEAPONS"],
        start=4,
        end=11,
        source="rules:arms",
    )
    elsewhere = Project.objects.create(name="Elsewhere")
    Membership.objects.create(project=elsewhere, user=people["outsider"], role=Role.MANAGER)
    secret = Document.objects.create(title="Secret", text="Secret Kinzhal.", external_id="s")
    elsewhere.documents.add(secret)
    Label.objects.create(project=elsewhere, name="SECRET")
    return SimpleNamespace(
        project=project, documents=documents, labels=labels, spans=spans, people=people
    )
