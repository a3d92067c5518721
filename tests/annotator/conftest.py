"""Fixtures for the export tests: a project with several layers, overlaps and tricky text."""

import pytest

from annotator.models import DocumentStatus, Status
from annotator.services import document_complete, document_mark_reviewed, span_create
from corpus.models import Document

PLAIN_TEXT = "Kim Jong Un met Vladimir Putin in Vostochny. They spoke about artillery shells."


def find(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """Code-point offsets of the nth occurrence of ``needle`` in ``text``."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


@pytest.fixture
def annotated(project, document, people):
    """Three documents; alice and bob completed the first two, the reviewer curated gold.

    - tricky (emoji, NBSP): alice and bob both tag "artillery shells" WEAPONS, bob also
      "shells" (an overlap in his layer) and "💣" WEAPONS; gold has "artillery shells".
    - plain: alice tags "Kim Jong Un" PERSON and "Vostochny" LOCATION, bob "Kim Jong Un"
      PERSON only; gold "Vladimir Putin" PERSON.
    - draft: only alice, in progress: "Putin" PERSON.
    """
    project.allow_overlap = True
    project.save()
    labels = {label.name: label for label in project.labels.all()}
    plain = Document.objects.create(title="Plain", text=PLAIN_TEXT, external_id="plain")
    draft = Document.objects.create(title="Draft", text=PLAIN_TEXT + " Draft.", external_id="draft")
    project.documents.add(plain, draft)
    alice, bob, reviewer = people["alice"], people["bob"], people["reviewer"]

    def tag(doc, user, needle, label, *, gold=False, nth=0):
        start, end = find(doc.text, needle, nth)
        span_create(
            project=project,
            document=doc,
            annotator=user,
            label=labels[label],
            start=start,
            end=end,
            gold=gold,
        )

    tag(document, alice, "artillery shells", "WEAPONS")
    tag(document, bob, "artillery shells", "WEAPONS")
    tag(document, bob, "shells", "WEAPONS")
    tag(document, bob, "💣", "WEAPONS")
    tag(document, reviewer, "artillery shells", "WEAPONS", gold=True)
    tag(plain, alice, "Kim Jong Un", "PERSON")
    tag(plain, alice, "Vostochny", "LOCATION")
    tag(plain, bob, "Kim Jong Un", "PERSON")
    tag(plain, reviewer, "Vladimir Putin", "PERSON", gold=True)
    tag(draft, alice, "Putin", "PERSON")
    for doc in (document, plain):
        for user in (alice, bob):
            document_complete(project=project, document=doc, user=user)
    document_mark_reviewed(project=project, document=plain, reviewer=reviewer)
    assert DocumentStatus.objects.filter(status=Status.COMPLETE).count() == 4
    return {"project": project, "tricky": document, "plain": plain, "draft": draft, **people}


@pytest.fixture
def layers(project, document, people):
    """alice and bob completed the document; they agree on one span and differ on another."""
    weapons = project.labels.get(name="WEAPONS")
    person = project.labels.get(name="PERSON")
    for name in ["alice", "bob"]:
        span_create(
            project=project,
            document=document,
            annotator=people[name],
            label=weapons,
            start=20,
            end=36,
        )
        document_complete(project=project, document=document, user=people[name])
    span_create(
        project=project, document=document, annotator=people["alice"], label=person, start=0, end=2
    )
    return project


@pytest.fixture
def table(annotated):
    """``annotated`` (tricky and plain disputed and complete, plain reviewed, draft begun by
    alice), plus "Agreed" (alice and bob completed the same span) and "Fresh" (nobody's)."""
    project, alice, bob = annotated["project"], annotated["alice"], annotated["bob"]
    agreed = Document.objects.create(title="Agreed", text="Kim met Putin.", external_id="agreed")
    fresh = Document.objects.create(title="Fresh", text="Nothing ARRIVED here.")
    project.documents.add(agreed, fresh)
    person = project.labels.get(name="PERSON")
    for user in (alice, bob):
        span_create(project=project, document=agreed, annotator=user, label=person, start=0, end=3)
        document_complete(project=project, document=agreed, user=user)
    return {**annotated, "agreed": agreed, "fresh": fresh}
