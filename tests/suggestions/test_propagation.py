"""Propagation: a span made by hand suggests its label on the other occurrences."""

import time

from annotator import services
from annotator.models import Project
from annotator.suggestions import Suggestion
from corpus.models import Document

from .conftest import TEXT


def tag(arms, user, start, end, label="WEAPONS", document=None):
    return services.span_create(
        project=Project.objects.get(pk=arms.project.pk),
        document=document or arms.document,
        annotator=arms.people[user],
        label=arms.labels[label],
        start=start,
        end=end,
    )


def propagated(arms):
    rows = Suggestion.objects.filter(project=arms.project, source="propagation")
    return sorted(rows.values_list("document_id", "start", "end", "label__name"))


def whole_kinzhals(text=TEXT) -> list[int]:
    """ "Kinzhal" as a word, exactly as written: not "kinzhal", and "Kinzhal-class" is
    "Kinzhal", "-", "class"."""
    return [p for p in range(len(text)) if text.startswith("Kinzhal", p)]


def test_off_by_default(arms):
    tag(arms, "alice", TEXT.index("Kinzhal"), TEXT.index("Kinzhal") + 7)
    assert not Suggestion.objects.exists()


def test_document_scope_suggests_the_other_whole_word_occurrences(arms):
    first, *others = whole_kinzhals()
    # Alice tagged the last one as PERSON before propagation was on: that place is left out.
    tag(arms, "alice", others[-1], others[-1] + 7, label="PERSON")
    Project.objects.filter(pk=arms.project.pk).update(propagate="document")
    tag(arms, "alice", first, first + 7)
    assert propagated(arms) == [(arms.document.pk, p, p + 7, "WEAPONS") for p in others[:-1]]
    # Bob tags the same: nothing suggested twice.
    tag(arms, "bob", first, first + 7)
    assert len(propagated(arms)) == len(others)
    # "Kim" stands once as a word: nothing to suggest.
    kim = TEXT.index("Kim")
    tag(arms, "alice", kim, kim + 3, label="PERSON")
    assert not [row for row in propagated(arms) if row[3] == "PERSON"]


def test_gold_and_accepted_spans_do_not_propagate(arms, client_for):
    Project.objects.filter(pk=arms.project.pk).update(propagate="document")
    first = whole_kinzhals()[0]
    services.span_create(
        project=Project.objects.get(pk=arms.project.pk),
        document=arms.document,
        annotator=arms.people["reviewer"],
        label=arms.labels["WEAPONS"],
        start=first,
        end=first + 7,
        gold=True,
    )
    assert not Suggestion.objects.exists()


def test_the_tag_costs_at_most_two_statements_more(arms):
    """Counted on the service, each a person's second tag in the document: propagation off,
    then on (document) with occurrences to suggest, then on with none."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = whole_kinzhals()[0]
    tag(arms, "alice", 0, 6, label="LOCATION")
    tag(arms, "bob", 0, 6, label="LOCATION")
    with CaptureQueriesContext(connection) as off:
        tag(arms, "alice", first, first + 7)
    Project.objects.filter(pk=arms.project.pk).update(propagate="document")
    with CaptureQueriesContext(connection) as on:
        tag(arms, "bob", first, first + 7)
    assert len(on) == len(off) + 2, [q["sql"] for q in on]
    kim = TEXT.index("Kim")
    with CaptureQueriesContext(connection) as alone:
        tag(arms, "bob", kim, kim + 3, label="PERSON")
    assert len(alone) == len(off)


def test_timing_of_a_tag_on_a_long_document(arms):
    """A tag on a 200,000-character document with 2,000 occurrences stays quick."""
    text = " ".join(["Kinzhal missiles and more words here."] * 5000)
    long = Document.objects.create(title="Long", text=text)
    arms.project.documents.add(long)
    Project.objects.filter(pk=arms.project.pk).update(propagate="document")
    started = time.perf_counter()
    tag(arms, "alice", 0, 7, document=long)
    took = time.perf_counter() - started
    assert Suggestion.objects.filter(document=long).count() == 4999
    assert took < 2.0, took


def test_project_scope_runs_as_a_job(arms, worker):
    other = Document.objects.create(title="Other", text="The Kinzhal again; Kinzhals no.")
    arms.project.documents.add(other)
    Project.objects.filter(pk=arms.project.pk).update(propagate="project")
    first, *others = whole_kinzhals()
    tag(arms, "alice", first, first + 7)
    assert not Suggestion.objects.exists()  # queued, not done in the tag
    worker()
    assert propagated(arms) == sorted(
        [(arms.document.pk, p, p + 7, "WEAPONS") for p in others] + [(other.pk, 4, 11, "WEAPONS")]
    )
