"""A list of spans is checked against its layer in O(n log n), by the same rules and with
the same messages as one span at a time; an upload carries a bounded number of spans."""

import random
import time

import pytest
from django.db.models.signals import post_init
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from annotator.api import views as api
from annotator.models import (
    Label,
    Project,
    Span,
    SpanAction,
    SpanEvent,
    quoted,
    span_errors,
    spans_errors,
)
from annotator.services import documents_import, spans_create
from corpus.models import Document

# Checking each span against the whole layer took 30 s and more for the lists below; they
# now take well under a second. The bound leaves room for a busy machine.
SECONDS = 10.0


def article(stretches: int) -> tuple[str, list[tuple[int, int]]]:
    """A text of ``stretches`` sentences, and the (start, end) of the name in each."""
    parts, extents, offset = [], [], 0
    for number in range(stretches):
        sentence = f"Line {number} names Kim Jong Un. "
        start = offset + sentence.index("Kim")
        extents.append((start, start + len("Kim Jong Un")))
        parts.append(sentence)
        offset += len(sentence)
    return "".join(parts), extents


def test_one_document_with_20000_spans_is_imported_in_seconds(project, people):
    text, extents = article(20_000)
    spans = [{"start": start, "end": end, "label": "PERSON"} for start, end in extents]
    began = time.perf_counter()
    documents_import(
        project=project, items=[{"text": text, "spans": spans}], uploader=people["manager"]
    )
    assert time.perf_counter() - began < SECONDS
    assert Span.objects.count() == 20_000


def test_10000_spans_join_a_layer_of_10000_in_seconds(project, people):
    text, extents = article(20_000)
    document = Document.objects.create(text=text)
    project.documents.add(document)
    person = project.labels.get(name="PERSON")
    items = [{"start": start, "end": end, "label": person} for start, end in extents]
    alice = people["alice"]
    spans_create(project=project, document=document, annotator=alice, items=items[::2])
    began = time.perf_counter()
    spans_create(project=project, document=document, annotator=alice, items=items[1::2])
    assert time.perf_counter() - began < SECONDS
    assert Span.objects.filter(annotator=alice).count() == 20_000


# The rules as the one-by-one loop that ``spans_errors`` replaced applied them, written
# plainly: every item against every stored span and every item before it that passed.


def one_by_one(text: str, project: Project, items: list[dict], layer: list[tuple]) -> dict:
    """A span that conflicts with several is reported with an exact duplicate first, else
    the stored span that starts first, else the item before it that starts first."""
    stored, added, errors = sorted(layer), [], {}
    for index, item in enumerate(items):
        start, end, label = item["start"], item["end"], item["label"]
        problems = span_errors(text=text, project=project, layer=[], **item)
        if label is not None and not problems.keys() & {"start", "end"}:
            overlapping = [
                other for other in [*stored, *sorted(added)] if other[0] < end and start < other[1]
            ]
            if (start, end, label.pk) in stored + added:
                problems["non_field_errors"] = [
                    f"This exact span is already in the layer: {quoted(text, start, end)}."
                ]
            elif overlapping and not project.allow_overlap:
                first_start, first_end, _ = overlapping[0]
                problems["non_field_errors"] = [
                    f"Overlaps the span {quoted(text, first_start, first_end)} in this layer; "
                    "this project does not allow overlapping spans."
                ]
        if problems:
            errors[index] = problems
        else:
            added.append((start, end, label.pk))
    return errors


@pytest.mark.parametrize("allow_overlap", [False, True])
def test_a_list_is_checked_as_if_its_spans_came_one_by_one(project, allow_overlap):
    project.allow_overlap = allow_overlap
    labels = list(project.labels.all())
    foreign = Label(pk=10**6, project_id=project.pk + 1, name="ELSEWHERE")
    text = "Kim met Putin  at the cosmodrome;   they spoke of shells. " * 2
    rng = random.Random(7)

    def offset() -> object:
        return rng.choice([rng.randrange(-2, len(text) + 3)] * 12 + ["3", None, True, 2.5])

    for _ in range(300):
        # Stored spans may overlap one another: the project may have allowed it once.
        layer = list(
            {
                (start, start + rng.randrange(1, 12), rng.choice(labels).pk)
                for start in rng.sample(range(len(text) - 12), rng.randrange(0, 12))
            }
        )
        items = [
            {
                "start": offset(),
                "end": offset(),
                "label": rng.choice([*labels, *labels, foreign, None]),
            }
            for _ in range(rng.randrange(1, 40))
        ]
        for item in items:  # mostly spans that could be stored, some that could not
            if isinstance(item["start"], int) and rng.random() < 0.7:
                item["end"] = item["start"] + rng.randrange(1, 15)
        if rng.random() < 0.3:  # exact duplicates, of stored spans and of earlier items
            stored = [
                {"start": s, "end": e, "label": Label(pk=pk, project_id=project.pk)}
                for s, e, pk in layer[:2]
            ]
            items += stored + items[:3]
        expected = one_by_one(text, project, items, layer)
        assert spans_errors(text=text, project=project, items=items, layer=layer) == expected


def test_one_span_is_a_list_of_one(project, weapons):
    text, layer = "Kim met Putin.", [(0, 3, weapons.pk)]
    for start, end in [(0, 3), (2, 5), (4, 7), (0, 40), (3, 3), (3, 4)]:
        item = {"start": start, "end": end, "label": weapons}
        alone = span_errors(text=text, project=project, layer=layer, **item)
        assert alone == spans_errors(text=text, project=project, items=[item], layer=layer).get(
            0, {}
        )


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_upload_of_more_spans_than_the_limit_is_refused_naming_it(project, people, monkeypatch):
    monkeypatch.setattr(api, "MAX_SPANS", 3)
    url = reverse("api:document-list", kwargs={"project_pk": project.pk})
    spans = [{"start": 0, "end": 3, "label": "PERSON"}, {"start": 8, "end": 13, "label": "PERSON"}]
    items = [{"text": "Kim met Putin.", "spans": spans}, {"text": "Kim again.", "spans": spans}]

    response = client_of(people["manager"]).post(url, items, format="json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["At most 3 spans a request."]}
    assert not Document.objects.exists()
    items[1]["spans"] = spans[:1]
    assert client_of(people["manager"]).post(url, items, format="json").status_code == 201
    assert Span.objects.count() == 3


def test_the_span_limit_of_an_upload_is_fifty_thousand(project, people):
    url = reverse("api:document-list", kwargs={"project_pk": project.pk})
    spans = [{"start": 0, "end": 3, "label": "PERSON"}] * 25_001
    items = [{"text": "Kim met Putin.", "spans": spans}] * 2

    response = client_of(people["manager"]).post(url, items, format="json")

    assert response.json() == {"non_field_errors": ["At most 50,000 spans a request."]}


# A list is stored with one event a layer of a document (``rows.spans_insert``), and its
# instances are made without ``Model.__init__`` (``spans._stored_spans``): the same rows and
# instances as one span at a time would give, in the list's order.


def test_a_list_is_stored_in_its_order_with_one_batch_event(
    project, people, django_assert_num_queries
):
    document = Document.objects.create(text="x" * 1000)
    project.documents.add(document)
    labels = list(project.labels.order_by("order"))
    alice, manager = people["alice"], people["manager"]
    # Not in the order of their offsets: the ids follow the list.
    starts = [500, 10, 300, 40, 0, 990]
    items = [
        {"start": start, "end": start + 7, "label": labels[number % 3]}
        for number, start in enumerate(starts)
    ]
    before = timezone.now()
    spans = spans_create(
        project=project, document=document, annotator=alice, items=items, actor=manager
    )
    after = timezone.now()

    ids = [span.pk for span in spans]
    assert ids == sorted(ids) and len(set(ids)) == len(items)
    rows = {row["id"]: row for row in Span.objects.filter(pk__in=ids).values()}
    for span, item in zip(spans, items, strict=True):
        # The instance is the stored row, dates included.
        assert {field.attname: getattr(span, field.attname) for field in Span._meta.fields} == (
            rows[span.pk]
        )
        assert (span.start, span.end, span.label_id) == (
            item["start"],
            item["end"],
            item["label"].pk,
        )
        assert not span._state.adding and span._state.db == "default"
    stamps = {span.created_at for span in spans} | {span.updated_at for span in spans}
    assert len(stamps) == 1 and before <= stamps.pop() <= after
    with django_assert_num_queries(0):  # its related objects are set, not fetched
        assert [span.label for span in spans] == [item["label"] for item in items]
        assert {(span.project, span.document, span.annotator) for span in spans} == {
            (project, document, alice)
        }

    # One event for the list: a batch of its spans, in the list's order.
    event = SpanEvent.objects.get(document=document)
    assert (event.action, event.actor_id, event.annotator_id, event.gold) == (
        SpanAction.CREATED,
        manager.pk,
        alice.pk,
        False,
    )
    assert (event.project_id, event.document_id, event.span_id) == (project.pk, document.pk, None)
    assert event.spans == [[span.pk, span.start, span.end, span.label_id] for span in spans]
    assert event.span_ids == ids
    assert (event.before_start, event.after_start, event.after_label_id) == (None,) * 3
    assert event.reverts_id is None and span.created_at <= event.at <= after


def test_a_gold_list_is_stored_as_gold_with_its_events(project, people):
    document = Document.objects.create(text="y" * 100)
    project.documents.add(document)
    label = project.labels.get(name="PERSON")
    reviewer = people["reviewer"]
    items = [{"start": 20, "end": 25, "label": label}, {"start": 0, "end": 5, "label": label}]
    spans = spans_create(
        project=project, document=document, annotator=reviewer, items=items, gold=True
    )
    stored = list(Span.objects.filter(document=document).order_by("id"))
    assert [(span.pk, span.start, span.gold, span.origin) for span in stored] == [
        (spans[0].pk, 20, True, "manual"),
        (spans[1].pk, 0, True, "manual"),
    ]
    event = SpanEvent.objects.get(document=document)
    assert (event.span_ids, event.gold, event.actor_id) == (
        [span.pk for span in stored],
        True,
        reviewer.pk,
    )


def test_a_receiver_of_post_init_still_sees_each_span_of_a_list(project, people):
    document = Document.objects.create(text="z" * 100)
    project.documents.add(document)
    label = project.labels.get(name="PERSON")
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Span)
    try:
        spans = spans_create(
            project=project,
            document=document,
            annotator=people["alice"],
            items=[{"start": 0, "end": 5, "label": label}, {"start": 9, "end": 12, "label": label}],
        )
    finally:
        post_init.disconnect(receiver, sender=Span)
    assert all(any(span is other for other in seen) for span in spans)
    assert [(span.start, span.label) for span in spans] == [(0, label), (9, label)]


def test_an_import_stores_its_spans_in_order_with_their_events(project, people):
    manager = people["manager"]
    items = [
        {
            "text": "a" * 100,
            "spans": [
                {"start": 50, "end": 60, "label": "PERSON", "annotator": "alice"},
                {"start": 0, "end": 5, "label": "WEAPONS"},
            ],
        },
        {
            "text": "b" * 100,
            "spans": [{"start": 20, "end": 30, "label": "LOCATION", "annotator": "bob"}],
        },
        {"text": "c" * 100},
    ]
    before = timezone.now()
    documents = documents_import(project=project, items=items, uploader=manager)
    spans = list(Span.objects.filter(document__in=documents).order_by("id"))
    assert [
        (span.document_id, span.start, span.end, span.label.name, span.annotator.username)
        for span in spans
    ] == [
        (documents[0].pk, 50, 60, "PERSON", "alice"),
        (documents[0].pk, 0, 5, "WEAPONS", "manager"),
        (documents[1].pk, 20, 30, "LOCATION", "bob"),
    ]
    assert {(span.origin, span.gold, span.project_id) for span in spans} == {
        ("imported", False, project.pk)
    }
    assert all(before <= span.created_at == span.updated_at for span in spans)
    events = SpanEvent.objects.filter(document__in=documents).order_by("id")
    made = ["span_id", "actor_id", "annotator_id", "document_id", "after_start", "after_end"]
    assert [event.action for event in events] == [SpanAction.CREATED] * 3
    assert [tuple(getattr(event, name) for name in made) for event in events] == [
        (span.pk, manager.pk, span.annotator_id, span.document_id, span.start, span.end)
        for span in spans
    ]
    assert [event.after_label_id for event in events] == [span.label_id for span in spans]
