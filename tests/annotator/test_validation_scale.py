"""A list of spans is checked against its layer in O(n log n), by the same rules and with
the same messages as one span at a time; an upload carries a bounded number of spans."""

import random
import time

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from annotator.api import views as api
from annotator.models import Label, Project, Span, span_errors, spans_errors
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
                problems["non_field_errors"] = ["This exact span is already in the layer."]
            elif overlapping and not project.allow_overlap:
                first_start, first_end, _ = overlapping[0]
                problems["non_field_errors"] = [
                    f"Overlaps the span [{first_start}, {first_end}) in this layer; "
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
