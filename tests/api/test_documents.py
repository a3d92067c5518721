"""Documents through the API: atomic bulk upload, the list with my status, next, complete."""

import json

import pytest
from django.urls import reverse

from annotator.models import DocumentStatus, Span, SpanEvent, Status
from corpus.models import Document, text_hash
from tests.conftest import TRICKY_TEXT


def documents_url(world, query: str = "") -> str:
    url = reverse("api:document-list", kwargs={"project_pk": world.project.pk})
    return f"{url}?{query}" if query else url


def document_url(world, document) -> str:
    return reverse(
        "api:document-detail", kwargs={"project_pk": world.project.pk, "pk": document.pk}
    )


def complete_url(world, document) -> str:
    return reverse(
        "api:document-complete", kwargs={"project_pk": world.project.pk, "pk": document.pk}
    )


def next_url(world) -> str:
    return reverse("api:project-next", kwargs={"pk": world.project.pk})


def test_a_bulk_upload_answers_ids_in_input_order(world, client_for):
    texts = ["  Leading spaces stay.\r\n", "cafe\u0301 (NFD) stays NFD.", TRICKY_TEXT + " again"]
    body = [{"text": text, "title": f"T{n}", "meta": {"n": n}} for n, text in enumerate(texts)]

    response = client_for("manager").post(documents_url(world), body, format="json")

    assert response.status_code == 201
    ids = response.json()["ids"]
    assert [Document.objects.get(pk=pk).text for pk in ids] == texts
    assert set(ids) <= set(world.project.documents.values_list("pk", flat=True))


def test_a_bulk_upload_stores_documents_and_spans_as_one_by_one_saves_would(world, client_for):
    text = "Kim sold artillery shells."
    body = [
        {"text": text, "external_id": "wire-1", "meta": {"source": "KCNA", "n": [1, 2]}},
        {
            "text": TRICKY_TEXT,
            "title": "Tricky again",
            "spans": [
                {"start": 0, "end": 2, "label": "PERSON"},
                {"start": 0, "end": 2, "label": "PERSON", "annotator": "alice"},
            ],
        },
    ]

    response = client_for("manager").post(documents_url(world), body, format="json")

    assert response.status_code == 201
    first, second = (Document.objects.get(pk=pk) for pk in response.json()["ids"])
    assert (first.text, first.external_id, first.meta) == (text, "wire-1", body[0]["meta"])
    assert (second.title, second.external_id, second.source) == ("Tricky again", None, "")
    assert first.content_hash == text_hash(text) and second.content_hash == text_hash(TRICKY_TEXT)
    assert first.created_at is not None
    spans = Span.objects.filter(document=second).order_by("annotator__username")
    assert [(s.annotator.username, s.origin, s.gold) for s in spans] == [
        ("alice", "imported", False),
        ("manager", "imported", False),
    ]
    assert all(s.created_at and s.updated_at for s in spans)
    events = SpanEvent.objects.filter(span_id__in=[s.pk for s in spans])
    assert sorted(events.values_list("action", "actor__username", "annotator__username")) == [
        ("created", "manager", "alice"),
        ("created", "manager", "manager"),
    ]
    statuses = DocumentStatus.objects.filter(document=second)
    assert sorted(statuses.values_list("user__username", "status")) == [
        ("alice", Status.IN_PROGRESS),
        ("manager", Status.IN_PROGRESS),
    ]
    assert not DocumentStatus.objects.filter(document=first).exists()


def test_characters_escaped_as_surrogate_pairs_are_stored(world, client_for):
    text = "Hi 👋🏽 and 北朝鮮\u00a0💣."
    body = json.dumps({"text": text, "external_id": "escaped"}, ensure_ascii=True)
    assert "\\ud83d" in body

    response = client_for("manager").post(
        documents_url(world), body, content_type="application/json"
    )

    assert response.status_code == 201
    assert Document.objects.get(external_id="escaped").text == text


def test_one_document_may_be_sent_as_an_object(world, client_for):
    response = client_for("manager").post(
        documents_url(world), {"text": "One.", "external_id": "one"}, format="json"
    )

    assert response.status_code == 201
    assert response.json() == {"ids": [Document.objects.get(external_id="one").pk]}


def test_uploaded_spans_go_to_the_uploader_or_the_named_annotator(world, client_for):
    text = "Kim sold artillery shells."
    body = {
        "text": text,
        "spans": [
            {"start": 0, "end": 3, "label": "PERSON"},
            {"start": 9, "end": 25, "label": "WEAPONS", "annotator": "alice"},
        ],
    }
    response = client_for("manager").post(documents_url(world), body, format="json")

    assert response.status_code == 201
    spans = Span.objects.filter(document_id=response.json()["ids"][0])
    assert sorted((s.annotator.username, text[s.start : s.end]) for s in spans) == [
        ("alice", "artillery shells"),
        ("manager", "Kim"),
    ]


def test_uploaded_spans_marked_gold_go_into_gold(world, client_for):
    body = {
        "text": "Kim sold artillery shells.",
        "spans": [
            {"start": 0, "end": 3, "label": "PERSON", "gold": True},
            {"start": 0, "end": 3, "label": "PERSON"},
        ],
    }
    response = client_for("manager").post(documents_url(world), body, format="json")

    assert response.status_code == 201
    spans = Span.objects.filter(document_id=response.json()["ids"][0])
    assert sorted(spans.values_list("gold", "annotator__username")) == [
        (False, "manager"),
        (True, "manager"),
    ]


def test_uploaded_spans_in_the_layer_gold_go_into_gold_as_exported(world, client_for):
    """As the JSONL export writes a gold span: ``"layer": "gold"`` and who curated it."""
    body = {
        "text": "Kim sold artillery shells.",
        "spans": [
            {"start": 0, "end": 3, "label": "PERSON", "layer": "gold", "annotator": "reviewer"},
            {"start": 9, "end": 25, "label": "WEAPONS", "layer": "annotator"},
        ],
    }
    response = client_for("manager").post(documents_url(world), body, format="json")

    assert response.status_code == 201, response.json()
    spans = Span.objects.filter(document_id=response.json()["ids"][0])
    assert sorted(spans.values_list("gold", "annotator__username", "start")) == [
        (False, "manager", 9),
        (True, "reviewer", 0),
    ]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": 42}, "text"),
        ({"text": None}, "text"),
        ({"title": "x" * 501}, "title"),
        ({"title": ["a"]}, "title"),
        ({"external_id": 12}, "external_id"),
        ({"external_id": "e" * 256}, "external_id"),
        ({"meta": [1, 2]}, "meta"),
        ({"spans": "all"}, "spans"),
        ({"spans": [{"start": 0, "end": 99, "label": "PERSON"}]}, "spans"),
        ({"spans": [{"start": 3, "end": 1, "label": "PERSON"}]}, "spans"),
        ({"spans": [{"start": 0, "end": 3, "label": "NOPE"}]}, "spans"),
        ({"spans": [{"start": "0", "end": 3, "label": "PERSON"}]}, "spans"),
        ({"spans": [{"start": 0, "end": 3, "label": "PERSON", "annotator": "ghost"}]}, "spans"),
        ({"spans": [{"start": 0, "end": 3, "label": "PERSON", "annotator": {}}]}, "spans"),
        ({"spans": [7]}, "spans"),
        ({"spans": [{"start": 0, "end": 3, "label": "PERSON", "gold": "yes"}]}, "spans"),
        (
            {
                "spans": [
                    {"start": 0, "end": 3, "label": "PERSON", "gold": True, "annotator": "bob"}
                ]
            },
            "spans",
        ),
        (
            {
                "spans": [
                    {"start": 0, "end": 3, "label": "PERSON", "gold": True},
                    {"start": 1, "end": 3, "label": "PERSON", "gold": True},
                ]
            },
            "spans",
        ),
        ({"spans": [{"start": 0, "end": 3, "label": "PERSON", "layer": "mine"}]}, "spans"),
        (
            {"spans": [{"start": 0, "end": 3, "label": "PERSON", "layer": "gold", "gold": False}]},
            "spans",
        ),
        (
            {
                "spans": [
                    {"start": 0, "end": 3, "label": "PERSON", "layer": "gold", "annotator": "x"}
                ]
            },
            "spans",
        ),
        ({"external_id": ["x"]}, "external_id"),
        ({"source": 5}, "source"),
        ({"source": "s" * 501}, "source"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bulk_upload_with_one_bad_document_stores_nothing(world, client_for, bad, field):
    documents, spans = Document.objects.count(), Span.objects.count()
    body = [{"text": "Fine text."}, {"text": "Kim met Putin.", **bad}, {"text": "Also fine."}]

    response = client_for("manager").post(documents_url(world), body, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"1"}
    assert errors["1"][field]
    assert (Document.objects.count(), Span.objects.count()) == (documents, spans)


@pytest.mark.parametrize("body", [[], "text", 7, [1, 2]])
def test_a_body_that_is_not_documents_is_refused(world, client_for, body):
    response = client_for("manager").post(documents_url(world), body, format="json")

    assert response.status_code == 400


def test_an_annotator_may_not_upload(world, client_for):
    response = client_for("alice").post(documents_url(world), {"text": "Mine."}, format="json")

    assert response.status_code == 403
    assert not Document.objects.filter(text="Mine.").exists()


def test_the_list_has_length_in_code_points_and_my_status(world, client_for):
    DocumentStatus.objects.filter(document=world.document, user=world.people["alice"]).update(
        status=Status.COMPLETE
    )
    rows = client_for("alice").get(documents_url(world)).json()["results"]
    by_id = {row["id"]: row for row in rows}

    assert by_id[world.document.pk] == {
        "id": world.document.pk,
        "title": "Tricky",
        "external_id": "tricky",
        "length": len(TRICKY_TEXT),
        "status": "complete",
    }
    assert by_id[world.second.pk]["status"] == "new"
    # bob's status is his own.
    bobs = client_for("bob").get(documents_url(world)).json()["results"]
    assert {row["status"] for row in bobs if row["id"] == world.document.pk} == {"in_progress"}


@pytest.mark.parametrize(
    ("status", "expected"), [("complete", []), ("in_progress", ["tricky"]), ("new", ["second"])]
)
def test_the_list_filters_by_my_status(world, client_for, status, expected):
    rows = client_for("alice").get(documents_url(world, f"status={status}")).json()["results"]

    assert [row["external_id"] for row in rows] == expected


def test_an_unknown_status_filter_is_a_400(world, client_for):
    response = client_for("alice").get(documents_url(world, "status=done"))

    assert response.status_code == 400
    assert response.json()["status"]


def test_the_list_is_paginated(world, client_for):
    response = client_for("alice").get(documents_url(world, "page_size=1&page=2"))

    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2 and len(body["results"]) == 1 and body["previous"]


def test_the_detail_adds_text_and_meta(world, client_for):
    world.document.meta = {"source": "KCNA"}
    world.document.save()
    body = client_for("bob").get(document_url(world, world.document)).json()

    assert body["text"] == TRICKY_TEXT
    assert body["meta"] == {"source": "KCNA"}


def test_next_offers_the_same_document_until_it_is_complete(world, client_for):
    alice = client_for("alice")
    first = alice.get(next_url(world))
    again = alice.get(next_url(world))

    assert first.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert {"text", "meta", "length", "status"} <= set(first.json())
    alice.post(complete_url(world, Document.objects.get(pk=first.json()["id"])))
    assert alice.get(next_url(world)).json()["id"] != first.json()["id"]


def test_next_answers_204_when_nothing_is_left(world, client_for):
    for document in (world.document, world.second):
        DocumentStatus.objects.update_or_create(
            project=world.project,
            document=document,
            user=world.people["bob"],
            defaults={"status": Status.COMPLETE},
        )

    response = client_for("bob").get(next_url(world))

    assert response.status_code == 204
    assert response.content == b""


def test_complete_and_reopen(world, client_for):
    alice = client_for("alice")

    completed = alice.post(complete_url(world, world.document))
    reopened = alice.delete(complete_url(world, world.document))

    assert completed.status_code == 200 and completed.json()["status"] == "complete"
    assert reopened.status_code == 200 and reopened.json()["status"] == "in_progress"
    assert (
        DocumentStatus.objects.get(document=world.document, user=world.people["alice"]).status
        == Status.IN_PROGRESS
    )
