"""Spans through the API: exact offsets, the one validation, all-or-nothing lists."""

import json

import pytest
from django.urls import reverse

from annotator.models import Span
from tests.conftest import TRICKY_TEXT


def spans_url(world, query: str = "") -> str:
    url = reverse(
        "api:spans-list", kwargs={"project_pk": world.project.pk, "document_pk": world.document.pk}
    )
    return f"{url}?{query}" if query else url


def span_url(span) -> str:
    return reverse("api:span-detail", kwargs={"pk": span.pk})


def stored() -> list[tuple]:
    return list(Span.objects.order_by("pk").values_list("pk", "start", "end", "label__name"))


@pytest.mark.parametrize("covered", ["北朝鮮\u00a0💣", "👋🏽", "café\u0301", "arrived."])
def test_offsets_after_emoji_and_no_break_space_round_trip(world, client_for, covered):
    alice = client_for("alice")
    start = TRICKY_TEXT.index(covered)
    body = {"start": start, "end": start + len(covered), "label": "LOCATION"}

    created = alice.post(spans_url(world), body, format="json")

    assert created.status_code == 201, created.json()
    assert created.json()["text"] == covered
    listed = alice.get(spans_url(world)).json()["results"]
    mine = next(span for span in listed if span["id"] == created.json()["id"])
    assert (mine["start"], mine["end"], mine["text"]) == (start, start + len(covered), covered)
    detail = reverse(
        "api:document-detail", kwargs={"project_pk": world.project.pk, "pk": world.document.pk}
    )
    text = alice.get(detail).json()["text"]
    assert text == TRICKY_TEXT
    assert text[mine["start"] : mine["end"]] == covered


def test_a_created_span_has_the_contract_fields(world, client_for):
    response = client_for("bob").post(
        spans_url(world), {"start": 0, "end": 2, "label": "PERSON"}, format="json"
    )

    assert response.status_code == 201
    span = response.json()
    assert {"id", "start", "end", "label", "text", "annotator", "created_at", "layer"} <= set(span)
    assert (span["label"], span["annotator"], span["layer"], span["text"]) == (
        "PERSON",
        "bob",
        "annotator",
        "Hi",
    )


def test_label_may_be_given_by_id(world, client_for):
    body = {"start": 0, "end": 2, "label": world.weapons.pk}
    response = client_for("bob").post(spans_url(world), body, format="json")

    assert response.status_code == 201
    assert response.json()["label"] == "WEAPONS"


def test_a_reviewer_writes_gold_carrying_their_name(world, client_for):
    body = {"start": 0, "end": 2, "label": "PERSON"}
    response = client_for("reviewer").post(spans_url(world, "layer=gold"), body, format="json")

    assert response.status_code == 201
    assert (response.json()["layer"], response.json()["annotator"]) == ("gold", "reviewer")
    gold = client_for("manager").get(spans_url(world, "layer=gold")).json()["results"]
    assert {(span["start"], span["label"]) for span in gold} >= {(0, "PERSON")}


def test_a_list_of_spans_is_stored_in_order(world, client_for):
    body = [
        {"start": 0, "end": 2, "label": "PERSON"},
        {"start": TRICKY_TEXT.index("北"), "end": TRICKY_TEXT.index("北") + 3, "label": "LOCATION"},
    ]
    response = client_for("bob").post(spans_url(world), body, format="json")

    assert response.status_code == 201
    assert [(span["start"], span["text"]) for span in response.json()] == [
        (0, "Hi"),
        (TRICKY_TEXT.index("北"), "北朝鮮"),
    ]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"start": "zero"}, "start"),
        ({"end": "abc"}, "end"),
        ({"start": 1.5}, "start"),
        ({"start": True}, "start"),
        ({"end": None}, "end"),
        ({"end": [3]}, "end"),
        ({"start": -1}, "start"),
        ({"end": len(TRICKY_TEXT) + 1}, "end"),
        ({"start": 10**30}, "start"),
        ({"end": 10**30}, "end"),
        ({"start": 5, "end": 2}, "end"),
        ({"start": 2, "end": 2}, "end"),
        ({"label": "NOPE"}, "label"),
        ({"label": 999_999}, "label"),
        ({"label": None}, "label"),
        ({"label": {"name": "PERSON"}}, "label"),
        ({"label": "x" * 100_000}, "label"),
        ({"start": 2, "end": 3}, "end"),  # a space: whitespace only
    ],
)
def test_bad_span_fields_are_refused_with_a_field_message(world, client_for, bad, field):
    body = {"start": 0, "end": 2, "label": "PERSON", **bad}
    before = stored()

    response = client_for("bob").post(spans_url(world), body, format="json")

    assert response.status_code == 400
    assert response.json()[field]
    assert stored() == before


BAD_ITEMS = [
    {"start": "zero"},
    {"start": 1.5},
    {"start": True},
    {"end": None},
    {"start": -1},
    {"end": 10**30},
    {"label": "NOPE"},
    {"label": None},
    {"label": {"name": "PERSON"}},
    {"label": True},
]


@pytest.mark.parametrize("bad", BAD_ITEMS)
def test_a_bad_item_in_a_list_is_named_by_its_index_and_field(world, client_for, bad):
    good = {"start": 0, "end": 2, "label": "PERSON"}
    before = stored()

    response = client_for("bob").post(spans_url(world), [good, {**good, **bad}], format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["1"]
    assert set(response.json()["errors"]["1"]) == set(bad)
    assert stored() == before


@pytest.mark.parametrize(
    "items",
    [
        [{"start": 0, "end": 2, "label": "PERSON"}, {"start": 5, "end": 9, "label": "WEAPONS"}],
        [{"start": 0, "end": 2, "label": "PERSON"}],
        # Not plain (a number as text, a number with a point, a field more): DRF's path.
        [{"start": "0", "end": 2, "label": "PERSON"}],
        [{"start": 0, "end": 2.0, "label": "PERSON"}],
        [{"start": 0, "end": 2, "label": "PERSON", "text": "Hi", "id": 7}],
    ],
)
def test_a_plain_list_is_validated_as_drf_validates_it(world, items):
    from rest_framework import serializers

    from annotator.api.serializers import SpanSerializer

    labels = dict(world.project.labels.values_list("name", "pk"))
    items += [{**item, "label": labels[item["label"]]} for item in items]  # by id too
    quick = SpanSerializer(data=items, many=True, context={"project": world.project})
    assert quick.is_valid(), quick.errors
    drf = SpanSerializer(data=items, many=True, context={"project": world.project})
    assert serializers.ListSerializer.to_internal_value(drf, items) == quick.validated_data
    plain = all(type(item["start"]) is type(item["end"]) is int for item in items)
    assert (quick._plain(items) is not None) == (plain and all(len(item) == 3 for item in items))


@pytest.mark.parametrize("missing", ["start", "end", "label"])
def test_a_missing_field_is_named(world, client_for, missing):
    body = {"start": 0, "end": 2, "label": "PERSON"}
    del body[missing]
    response = client_for("bob").post(spans_url(world), body, format="json")

    assert response.status_code == 400
    assert missing in response.json()


def test_another_projects_label_is_unknown(world, client_for):
    secret = world.elsewhere.labels.get()
    response = client_for("bob").post(
        spans_url(world), {"start": 0, "end": 2, "label": secret.pk}, format="json"
    )

    assert response.status_code == 400
    assert "label" in response.json()


def test_an_overlap_and_a_duplicate_are_refused(world, client_for):
    alice_span = world.spans["alice"]
    alice = client_for("alice")
    same = {"start": alice_span.start, "end": alice_span.end, "label": "WEAPONS"}
    overlap = {"start": alice_span.start + 2, "end": alice_span.end + 3, "label": "PERSON"}

    for body in (same, overlap):
        response = alice.post(spans_url(world), body, format="json")
        assert response.status_code == 400
        assert response.json()["non_field_errors"]


def test_a_list_with_one_bad_span_stores_nothing(world, client_for):
    before = stored()
    body = [
        {"start": 0, "end": 2, "label": "PERSON"},
        {"start": 0, "end": 2, "label": "NOPE"},
        {"start": 3, "end": 1, "label": "PERSON"},
    ]
    response = client_for("bob").post(spans_url(world), body, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"1"} and "label" in errors["1"]
    assert stored() == before

    body[1] = {
        "start": TRICKY_TEXT.index("北"),
        "end": TRICKY_TEXT.index("北") + 3,
        "label": "PERSON",
    }
    response = client_for("bob").post(spans_url(world), body, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"2"}
    assert stored() == before


def test_spans_overlapping_each_other_in_one_list_are_refused(world, client_for):
    body = [{"start": 0, "end": 2, "label": "PERSON"}, {"start": 1, "end": 2, "label": "PERSON"}]
    response = client_for("bob").post(spans_url(world), body, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"1"}


@pytest.mark.parametrize("body", [[], 5, "span", None])
def test_a_body_that_is_not_a_span_or_a_list_is_refused(world, client_for, body):
    response = client_for("bob").post(
        spans_url(world), json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400


@pytest.mark.parametrize(
    "raw",
    [
        '{"start": 0, "end": 2,',
        '{"start": NaN, "end": 2, "label": "PERSON"}',
        '{"start": 0, "end": 2, "label": "PER\\u0000SON"}',
        '{"start": 0, "end": 2, "label": "\\ud800"}',
        '{"start": 0, "end": 2, "label": "PERSON", "n\\u0000": 1}',
        '{"start": 0, "end": 2, "label": "\\udc4b\\ud83d"}',
        "[" * 100_000 + "]" * 100_000,
        b'{"start": 0, "end": 2, "label": "\xff"}',
    ],
    ids=[
        "truncated",
        "nan",
        "nul",
        "lone-surrogate",
        "nul-in-a-key",
        "surrogates-out-of-order",
        "deep",
        "not-utf8",
    ],
)
def test_malformed_json_is_a_400(world, client_for, raw):
    before = stored()
    response = client_for("bob").post(spans_url(world), raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"]
    assert stored() == before


def test_a_body_over_the_size_limit_is_refused(world, client_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = [{"start": 0, "end": 2, "label": "PERSON"}] * 1000
    response = client_for("bob").post(spans_url(world), body, format="json")

    assert response.status_code == 400
    assert "larger than" in response.json()["detail"]


def test_too_many_spans_in_one_list_are_refused(world, client_for):
    body = [{"start": 0, "end": 2, "label": "PERSON"}] * 10_001
    response = client_for("bob").post(spans_url(world), body, format="json")

    assert response.status_code == 400


def test_another_content_type_is_refused(world, client_for):
    response = client_for("bob").post(spans_url(world), "start=0&end=2", content_type="text/plain")

    assert response.status_code == 415


def test_patch_moves_and_relabels_a_span(world, client_for):
    span = world.spans["alice"]
    start = TRICKY_TEXT.index("shells")
    response = client_for("alice").patch(
        span_url(span), {"start": start, "end": start + 6, "label": "PERSON"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["text"], response.json()["label"]) == ("shells", "PERSON")
    span.refresh_from_db()
    assert (span.start, span.end, span.label.name) == (start, start + 6, "PERSON")


@pytest.mark.parametrize(
    "bad",
    [
        {"start": "x"},
        {"end": -4},
        {"end": 10**30},
        {"start": 40, "end": 30},
        {"label": "NOPE"},
        {"label": 10**30},
    ],
)
def test_a_bad_patch_changes_nothing(world, client_for, bad):
    before = stored()
    response = client_for("alice").patch(span_url(world.spans["alice"]), bad, format="json")

    assert response.status_code == 400
    assert set(response.json()) & {"start", "end", "label"}
    assert stored() == before


def test_a_patch_into_an_overlap_is_refused(world, client_for):
    alice = client_for("alice")
    created = alice.post(spans_url(world), {"start": 0, "end": 2, "label": "PERSON"}, format="json")
    span = Span.objects.get(pk=created.json()["id"])
    moved = alice.patch(span_url(span), {"end": world.spans["alice"].start + 1}, format="json")

    assert moved.status_code == 400
    assert moved.json()["non_field_errors"]


def test_delete_removes_the_span(world, client_for):
    response = client_for("alice").delete(span_url(world.spans["alice"]))

    assert response.status_code == 204
    assert not Span.objects.filter(pk=world.spans["alice"].pk).exists()


def test_reviewers_read_every_layer(world, client_for):
    reviewer = client_for("reviewer")
    everyone = reviewer.get(spans_url(world, "annotator=all")).json()["results"]
    bobs = reviewer.get(spans_url(world, "annotator=bob")).json()["results"]

    assert {span["annotator"] for span in everyone} == {"alice", "bob"}
    assert {span["annotator"] for span in bobs} == {"bob"}
    assert all(span["layer"] == "annotator" for span in everyone)


@pytest.mark.parametrize("query", ["layer=silver", "annotator=nobody", "page=0", "page_size=x"])
def test_bad_query_parameters_are_a_400(world, client_for, query):
    response = client_for("reviewer").get(spans_url(world, query))

    assert response.status_code == 400
    assert response.json()


def test_a_document_of_another_project_is_not_found(world, client_for):
    secret = world.elsewhere.documents.get()
    url = reverse(
        "api:spans-list", kwargs={"project_pk": world.project.pk, "document_pk": secret.pk}
    )

    assert client_for("manager").get(url).status_code == 404
    assert client_for("outsider").get(url).status_code == 404


def test_a_listed_span_looks_exactly_like_a_created_one(world, client_for):
    start = TRICKY_TEXT.index("北")
    created = client_for("reviewer").post(
        spans_url(world, "layer=gold"),
        {"start": start, "end": start + 3, "label": world.weapons.pk},
        format="json",
    )
    listed = client_for("reviewer").get(spans_url(world, "layer=gold")).json()["results"]

    assert created.json() in listed
    alice = client_for("alice").get(span_url(world.spans["alice"])).json()
    assert client_for("alice").get(spans_url(world)).json()["results"] == [alice]
