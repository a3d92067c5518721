"""The stored disagreement state (``models.DocumentDispute``) stays the review page's rule,
decided from the layers (``curation.compare``), after every kind of write."""

import importlib

import pytest
from django.apps import apps

from annotator import services
from annotator.curation import compare
from annotator.models import DisputedSpan, DocumentDispute, LabelMerge, Span, Status, Suggestion
from annotator.search_edits import search_edit_later, search_edit_undo
from annotator.search_jobs import search_tag_later, search_tag_undo
from annotator.search_tags import EditKind, SearchEdit, SearchTag, TagInto
from annotator.services.disputes import disputes_fill
from annotator.undo import undo_last
from corpus.models import Document
from tests.jobs.conftest import run_worker

TEXT = "Kinzhal missiles hit Kyiv. Kinzhal is hypersonic. Putin said so."
KINZHAL, KYIV, PUTIN = (0, 7), (21, 25), (TEXT.index("Putin"), TEXT.index("Putin") + 5)


def computed(project, document) -> set[int]:
    """The review page's answer: with two or more completed, the ids of the analysts'
    spans no majority marked (the document is disputed when there are any)."""
    comparison = compare(project, document)
    if len(comparison.completed) < 2:
        return set()
    return {span.pk for c in comparison.candidates if c.disputed for span in c.marked_by.values()}


def check(project, *documents):
    stored = set(
        DocumentDispute.objects.filter(project=project, disputed=True).values_list(
            "document_id", flat=True
        )
    )
    for document in documents:
        weak = computed(project, document)
        assert (document.pk in stored) == bool(weak), document.title
        rows = DisputedSpan.objects.filter(project=project, document=document)
        assert sorted(rows.values_list("span_id", flat=True)) == sorted(weak), document.title
        # What search counts and pages them by: the span's label, annotator and offsets.
        copied = set(rows.values_list("span_id", "label_id", "annotator_id", "start", "end"))
        spans = Span.objects.filter(pk__in=weak)
        assert copied == set(spans.values_list("pk", "label_id", "annotator_id", "start", "end"))


@pytest.fixture
def two(project, people):
    """Two documents; alice and bob tag Kinzhal WEAPONS in both."""
    docs = [Document.objects.create(title=f"D{n}", text=TEXT, external_id=f"d{n}") for n in (1, 2)]
    project.documents.add(*docs)
    weapons = project.labels.get(name="WEAPONS")
    for document in docs:
        for name in ["alice", "bob"]:
            services.span_create(
                project=project,
                document=document,
                annotator=people[name],
                label=weapons,
                start=KINZHAL[0],
                end=KINZHAL[1],
            )
    return docs


def complete(project, people, document, *names):
    for name in names:
        services.document_complete(project=project, document=document, user=people[name])


def test_each_write_path_keeps_the_stored_state(project, people, two):
    first, second = two
    labels = {label.name: label for label in project.labels.all()}
    alice, bob = people["alice"], people["bob"]
    check(project, first, second)
    complete(project, people, first, "alice", "bob")
    check(project, first, second)  # agreed
    row = DocumentDispute.objects.get(project=project, document=first)
    assert (row.completed, row.disputed) == (2, False)

    # One span in one layer: created, relabelled, moved back, deleted.
    span = services.span_create(
        project=project,
        document=first,
        annotator=alice,
        label=labels["LOCATION"],
        start=21,
        end=25,
    )
    check(project, first)
    assert DocumentDispute.objects.get(document=first).disputed
    services.span_update(span=span, label=labels["PERSON"])
    check(project, first)
    services.span_delete(span=span)
    check(project, first)
    assert not DocumentDispute.objects.get(document=first).disputed

    # Undo brings the span back, then takes it away again.
    undo_last(project, first, alice, gold=False)
    check(project, first)
    assert DocumentDispute.objects.get(document=first).disputed
    undo_last(project, first, alice, gold=False)
    check(project, first)
    for extra in Span.objects.filter(document=first, annotator=alice).exclude(start=0):
        services.span_delete(span=extra)
    check(project, first)
    assert not DocumentDispute.objects.get(document=first).disputed

    # A list of spans at once, and a batch deleted.
    made = services.spans_create(
        project=project,
        document=first,
        annotator=bob,
        items=[
            {"start": KYIV[0], "end": KYIV[1], "label": labels["LOCATION"]},
            {"start": PUTIN[0], "end": PUTIN[1], "label": labels["PERSON"]},
        ],
    )
    check(project, first)
    assert DocumentDispute.objects.get(document=first).disputed
    services.spans_delete(spans=made, reverts=None, actor=bob)
    check(project, first)

    # Reopened and completed again; a third analyst's status does not count until complete.
    services.document_reopen(project=project, document=first, user=bob)
    assert not DocumentDispute.objects.filter(document=first).exists()
    check(project, first)
    complete(project, people, first, "bob")
    check(project, first)

    # Gold never counts.
    services.span_create(
        project=project,
        document=first,
        annotator=people["reviewer"],
        label=labels["PERSON"],
        start=PUTIN[0],
        end=PUTIN[1],
        gold=True,
    )
    check(project, first)
    assert not DocumentDispute.objects.get(document=first).disputed

    # A suggestion accepted into one layer, then several at once into the other.
    suggestion = Suggestion.objects.create(
        project=project,
        document=first,
        label=labels["PERSON"],
        start=PUTIN[0],
        end=PUTIN[1],
        source="rules:x",
    )
    services.suggestion_accept(suggestion=suggestion, user=alice)
    check(project, first)
    assert DocumentDispute.objects.get(document=first).disputed
    services.suggestions_accept(project=project, document=first, user=bob, source="rules:x")
    check(project, first)
    assert not DocumentDispute.objects.get(document=first).disputed

    # A label merged into another (alice's PERSON becomes LOCATION, bob's too), and back.
    services.span_create(
        project=project,
        document=first,
        annotator=alice,
        label=labels["PERSON"],
        start=KYIV[0],
        end=KYIV[1],
    )
    services.span_create(
        project=project,
        document=first,
        annotator=bob,
        label=labels["LOCATION"],
        start=KYIV[0],
        end=KYIV[1],
    )
    check(project, first)
    assert DocumentDispute.objects.get(document=first).disputed
    services.label_merge(label=labels["PERSON"], into=labels["LOCATION"], actor=people["manager"])
    check(project, first)
    assert not DocumentDispute.objects.get(document=first).disputed
    services.label_merge_undo(merge=LabelMerge.objects.get(), actor=people["manager"])
    check(project, first)
    assert DocumentDispute.objects.get(document=first).disputed


def test_search_jobs_keep_the_stored_state(transactional_db, project, people, two):
    first, second = two
    complete(project, people, first, "alice", "bob")
    complete(project, people, second, "alice", "bob")
    weapons = project.labels.get(name="WEAPONS")
    person = project.labels.get(name="PERSON")
    alice = people["alice"]
    # alice tags every "Putin" in her layer: both documents disputed, then undone.
    job = search_tag_later(project=project, user=alice, q="Putin", label=person, into=TagInto.MINE)
    run_worker()
    check(project, first, second)
    assert DocumentDispute.objects.filter(disputed=True).count() == 2
    search_tag_undo(tag=SearchTag.objects.get(job=job), user=alice)
    check(project, first, second)
    assert not DocumentDispute.objects.filter(disputed=True).exists()
    # alice relabels every WEAPONS span of hers, then deletes them, each undone.
    for kind, label in [(EditKind.RELABEL, person), (EditKind.DELETE, None)]:
        job = search_edit_later(
            project=project, user=alice, kind=kind, filters={"label": weapons.name}, label=label
        )
        run_worker()
        check(project, first, second)
        assert DocumentDispute.objects.filter(disputed=True).count() == 2
        search_edit_undo(edit=SearchEdit.objects.get(job=job), user=alice)
        check(project, first, second)
        assert not DocumentDispute.objects.filter(disputed=True).exists()


def test_an_import_into_a_completed_document_decides_it_again(project, people, two):
    first, _ = two
    complete(project, people, first, "alice", "bob")
    services.documents_import(
        project=project,
        items=[
            {
                "text": TEXT,
                "title": "D1",
                "external_id": "d1",
                "meta": {},
                "source": "",
                "spans": [{"start": 21, "end": 25, "label": "LOCATION", "annotator": "bob"}],
            }
        ],
        uploader=people["manager"],
    )
    check(project, first)
    assert DocumentDispute.objects.get(document=first).disputed


def test_the_state_is_decided_from_scratch_from_the_layers(project, people, two):
    """``disputes_fill`` (the benchmarks' copied rows) asks the rule of the migration that
    made the table (0017), with the stored columns of 0018."""
    first, second = two
    complete(project, people, first, "alice", "bob")
    complete(project, people, second, "alice")
    services.span_create(
        project=project,
        document=first,
        annotator=people["alice"],
        label=project.labels.get(name="PERSON"),
        start=PUTIN[0],
        end=PUTIN[1],
    )
    DocumentDispute.objects.all().delete()
    DisputedSpan.objects.all().delete()
    disputes_fill(project.pk)
    assert list(DocumentDispute.objects.values_list("document_id", "completed", "disputed")) == [
        (first.pk, 2, True)
    ]
    assert DisputedSpan.objects.count() == 1
    check(project, first, second)


def test_the_migration_copies_each_disputed_spans_label_and_place(project, people, two):
    first, second = two
    complete(project, people, first, "alice", "bob")
    labels = {label.name: label for label in project.labels.all()}
    for start, end, name in [(*PUTIN, "PERSON"), (*KYIV, "LOCATION")]:
        services.span_create(
            project=project,
            document=first,
            annotator=people["alice"],
            label=labels[name],
            start=start,
            end=end,
        )
    assert DisputedSpan.objects.count() == 2
    # As 0018 finds them: no label, annotator or offsets; and a row whose span is gone.
    DisputedSpan.objects.update(label_id=0, annotator_id=0, start=0, end=0)
    DisputedSpan.objects.create(
        project=project, document=first, span_id=10**9, label_id=0, annotator_id=0, start=0, end=0
    )
    migration = importlib.import_module(
        "annotator.migrations.0018_disputed_span_label_reading_order"
    )
    migration.fill(apps, None)
    assert DisputedSpan.objects.count() == 2
    check(project, first, second)
    assert Status.COMPLETE == "complete"  # the migrations name the value themselves
