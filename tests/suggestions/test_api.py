"""The suggestion contract through the API (../shared/API.md, "Suggestions")."""

import pytest

from annotator.models import Origin, Span, SpanAction, SpanEvent
from annotator.suggestions import Suggestion, SuggestionDecision

from .conftest import TEXT, kinzhals


def base(arms) -> str:
    return f"/api/projects/{arms.project.pk}/documents/{arms.document.pk}"


def upload(client, arms, suggestions, **extra):
    item = {"text": TEXT, "title": "again", "suggestions": suggestions, **extra}
    return client.post(f"/api/projects/{arms.project.pk}/documents/", item, format="json")


def suggest(arms, client_for, items):
    """Suggestions on ``arms.document`` through an upload that reuses it."""
    response = upload(client_for("manager"), arms, items, external_id="kinzhal")
    assert response.status_code == 201, response.json()
    return list(Suggestion.objects.filter(document=arms.document).order_by("start", "id"))


def test_upload_stores_suggestions_for_everyone_not_in_any_layer(arms, client_for):
    first, second, third, _fourth = kinzhals()
    response = upload(
        client_for("manager"),
        arms,
        [
            {"start": first, "end": first + 7, "label": "WEAPONS"},
            {"start": second, "end": second + 7, "label": "WEAPONS", "source": "gazetteer"},
            {"start": third, "end": third + 7, "label": "WEAPONS", "score": 0.25},
        ],
    )
    assert response.status_code == 201, response.json()
    document_id = response.json()["ids"][0]
    stored = Suggestion.objects.filter(document=document_id).order_by("start")
    assert [(s.start, s.source, s.score) for s in stored] == [
        (first, "import", None),
        (second, "gazetteer", None),
        (third, "import", 0.25),
    ]
    assert not Span.objects.filter(document=document_id).exists()


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        ({"start": 5, "end": 5, "label": "WEAPONS"}, "end", "cannot be empty"),
        ({"start": 0, "end": 999, "label": "WEAPONS"}, "end", "past the end"),
        ({"start": 0, "end": 6, "label": "NOPE"}, "label", "Unknown label 'NOPE'"),
        ({"start": 0, "end": 6, "label": "WEAPONS", "source": ""}, "source", "non-empty"),
        ({"start": 0, "end": 6, "label": "WEAPONS", "score": "high"}, "score", "number"),
        ({"start": 0, "end": 6, "label": "WEAPONS", "colour": 1}, "unknown", "colour"),
    ],
)
def test_a_bad_suggestion_refuses_the_whole_upload(arms, client_for, bad, field, words):
    good = {"start": 0, "end": 6, "label": "PERSON"}
    response = upload(client_for("manager"), arms, [good, bad])
    assert response.status_code == 400
    message = response.json()["errors"]["0"]["suggestions"][0]
    assert message.startswith("suggestion 1: ") and words in message and field in message
    assert not Suggestion.objects.exists()
    assert not arms.project.documents.filter(title="again").exists()


def test_the_same_suggestion_twice_is_refused(arms, client_for):
    twice = [{"start": 0, "end": 6, "label": "PERSON"}] * 2
    response = upload(client_for("manager"), arms, twice)
    assert response.status_code == 400
    assert "twice" in response.json()["errors"]["0"]["suggestions"][0]


def test_pending_list_accept_reject_and_origin(arms, client_for):
    first, second, third, _fourth = kinzhals()
    s1, s2, s3 = suggest(
        arms,
        client_for,
        [
            {"start": first, "end": first + 7, "label": "WEAPONS"},
            {"start": second, "end": second + 7, "label": "WEAPONS", "source": "gaz"},
            {"start": third, "end": third + 7, "label": "WEAPONS", "score": 0.5},
        ],
    )
    alice, bob = client_for("alice"), client_for("bob")
    listed = alice.get(f"{base(arms)}/suggestions/").json()
    assert listed["count"] == 3
    assert listed["results"][0] == {
        "id": s1.pk,
        "start": first,
        "end": first + 7,
        "label": "WEAPONS",
        "text": "Kinzhal",
        "source": "import",
        "score": None,
    }

    accepted = alice.post(f"/api/suggestions/{s1.pk}/accept/")
    assert accepted.status_code == 201, accepted.json()
    span = accepted.json()
    assert span["origin"] == "import" and span["annotator"] == "alice"
    assert (span["start"], span["end"], span["label"], span["layer"]) == (
        first,
        first + 7,
        "WEAPONS",
        "annotator",
    )
    stored = Span.objects.get(pk=span["id"])
    assert stored.origin == Origin.SUGGESTED and stored.source == "import" and not stored.gold
    assert SpanEvent.objects.filter(span_id=stored.pk, action=SpanAction.CREATED).exists()

    again = alice.post(f"/api/suggestions/{s1.pk}/accept/")
    assert again.status_code == 400
    assert again.json() == {
        "non_field_errors": [f"You have already accepted this suggestion: it is span {stored.pk}."]
    }
    assert alice.post(f"/api/suggestions/{s2.pk}/reject/").status_code == 204
    assert [s["id"] for s in alice.get(f"{base(arms)}/suggestions/").json()["results"]] == [s3.pk]
    # Bob decides for himself: everything is still pending for him.
    assert bob.get(f"{base(arms)}/suggestions/").json()["count"] == 3
    # A hand-made span carries origin null, in the list and on creation.
    made = alice.post(
        f"{base(arms)}/spans/", {"start": 0, "end": 6, "label": "LOCATION"}, format="json"
    )
    assert made.status_code == 201 and made.json()["origin"] is None
    origins = {s["label"]: s["origin"] for s in alice.get(f"{base(arms)}/spans/").json()["results"]}
    assert origins == {"WEAPONS": "import", "LOCATION": None}

    # Rejecting what I accepted is refused; its span is deleted instead.
    refused = alice.post(f"/api/suggestions/{s1.pk}/reject/")
    assert (
        refused.status_code == 400 and "Delete that span" in refused.json()["non_field_errors"][0]
    )


def test_accept_is_refused_like_any_span(arms, client_for):
    first = kinzhals()[0]
    (s1,) = suggest(arms, client_for, [{"start": first, "end": first + 7, "label": "WEAPONS"}])
    alice = client_for("alice")
    overlapping = {"start": first - 4, "end": first + 3, "label": "PERSON"}
    assert alice.post(f"{base(arms)}/spans/", overlapping, format="json").status_code == 201
    refused = alice.post(f"/api/suggestions/{s1.pk}/accept/")
    assert refused.status_code == 400
    assert "Overlaps the span" in refused.json()["non_field_errors"][0]
    assert not SuggestionDecision.objects.exists()
    assert alice.get(f"{base(arms)}/suggestions/").json()["count"] == 1


def test_undo_of_an_acceptance_offers_the_suggestion_again(arms, client_for, people):
    from annotator import undo

    first = kinzhals()[0]
    (s1,) = suggest(arms, client_for, [{"start": first, "end": first + 7, "label": "WEAPONS"}])
    alice = client_for("alice")
    span_id = alice.post(f"/api/suggestions/{s1.pk}/accept/").json()["id"]
    assert alice.get(f"{base(arms)}/suggestions/").json()["count"] == 0
    undone = undo.undo_last(arms.project, arms.document, people["alice"], gold=False)
    assert undone is not None and not Span.objects.filter(pk=span_id).exists()
    assert alice.get(f"{base(arms)}/suggestions/").json()["count"] == 1
    again = alice.post(f"/api/suggestions/{s1.pk}/accept/")
    assert again.status_code == 201 and again.json()["origin"] == "import"
    assert SuggestionDecision.objects.get().span_id == again.json()["id"]


def test_gold_decisions_are_for_reviewers(arms, client_for):
    first, second, *_ = kinzhals()
    s1, s2 = suggest(
        arms,
        client_for,
        [
            {"start": first, "end": first + 7, "label": "WEAPONS"},
            {"start": second, "end": second + 7, "label": "WEAPONS"},
        ],
    )
    alice, reviewer = client_for("alice"), client_for("reviewer")
    assert alice.get(f"{base(arms)}/suggestions/?layer=gold").status_code == 403
    assert alice.get(f"{base(arms)}/suggestions/?all=1").status_code == 403
    assert alice.post(f"/api/suggestions/{s1.pk}/accept/?layer=gold").status_code == 403
    assert alice.post(f"/api/suggestions/{s1.pk}/reject/?layer=gold").status_code == 403
    accepted = reviewer.post(f"/api/suggestions/{s1.pk}/accept/?layer=gold")
    assert accepted.status_code == 201 and accepted.json()["layer"] == "gold"
    assert accepted.json()["origin"] == "import"
    gold = reviewer.get(f"{base(arms)}/suggestions/?layer=gold").json()
    assert [s["id"] for s in gold["results"]] == [s2.pk]
    # Gold's decision is not the reviewer's own layer's.
    assert reviewer.get(f"{base(arms)}/suggestions/").json()["count"] == 2
    assert client_for("alice").post(f"/api/suggestions/{s1.pk}/reject/").status_code == 204
    every = reviewer.get(f"{base(arms)}/suggestions/?all=1").json()["results"]
    assert [s["decisions"] for s in every] == [
        {"accepted": 1, "rejected": 1},
        {"accepted": 0, "rejected": 0},
    ]
    assert alice.get(f"{base(arms)}/suggestions/?layer=wrong").status_code == 400


def test_outsiders_see_nothing(arms, client_for):
    first = kinzhals()[0]
    (s1,) = suggest(arms, client_for, [{"start": first, "end": first + 7, "label": "WEAPONS"}])
    outsider = client_for("outsider")
    assert outsider.get(f"{base(arms)}/suggestions/").status_code == 404
    assert outsider.post(f"/api/suggestions/{s1.pk}/accept/").status_code == 404
    assert outsider.post(f"/api/suggestions/{s1.pk}/reject/").status_code == 404
    assert (
        outsider.post(
            f"{base(arms)}/suggestions/accept/", {"source": "import"}, format="json"
        ).status_code
        == 404
    )
    assert outsider.get(f"/api/projects/{arms.project.pk}/suggestions/stats/").status_code == 404
    assert client_for("anonymous").post(f"/api/suggestions/{s1.pk}/accept/").status_code == 401
    # Another project's document through this project's path: 404.
    path = f"/api/projects/{arms.project.pk}/documents/{arms.secret.pk}/suggestions/"
    assert client_for("alice").get(path).status_code == 404


def test_bulk_accept_by_source_and_by_ids(arms, client_for):
    first, second, third, fourth = kinzhals()
    s1, _s2, _s3, s4, _s5 = suggest(
        arms,
        client_for,
        [
            {"start": first, "end": first + 7, "label": "WEAPONS", "source": "gaz"},
            {"start": first, "end": first + 3, "label": "PERSON", "source": "gaz"},
            {"start": second, "end": second + 7, "label": "WEAPONS", "source": "gaz"},
            {"start": third, "end": third + 7, "label": "WEAPONS"},
            {"start": fourth, "end": fourth + 7, "label": "WEAPONS"},
        ],
    )
    alice = client_for("alice")
    answer = alice.post(f"{base(arms)}/suggestions/accept/", {"source": "gaz"}, format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert len(body["created"]) == 2
    # In reading order: the shorter PERSON first, so the WEAPONS over it is refused.
    assert list(body["refused"]) == [str(s1.pk)]
    assert "Overlaps the span" in body["refused"][str(s1.pk)]
    assert {s.source for s in Span.objects.filter(pk__in=body["created"])} == {"gaz"}
    # One batch of the history: undone in one step.
    assert SpanEvent.objects.filter(annotator__username="alice").count() == 1

    answer = alice.post(
        f"{base(arms)}/suggestions/accept/", {"ids": [s4.pk, s1.pk, 999999]}, format="json"
    ).json()
    assert len(answer["created"]) == 1
    assert set(answer["refused"]) == {str(s1.pk), "999999"}
    assert "waits for a decision" in answer["refused"]["999999"]
    bad = alice.post(f"{base(arms)}/suggestions/accept/", {}, format="json")
    assert bad.status_code == 400 and "either" in bad.json()["non_field_errors"][0]
    assert (
        alice.post(
            f"{base(arms)}/suggestions/accept/?layer=gold", {"source": "gaz"}, format="json"
        ).status_code
        == 403
    )


def test_stats_per_source(arms, client_for, people):
    from annotator import services

    first, second, third, fourth = kinzhals()
    s1, _s2, s3, _s4 = suggest(
        arms,
        client_for,
        [
            {"start": first, "end": first + 7, "label": "WEAPONS", "source": "gaz"},
            {"start": second, "end": second + 7, "label": "WEAPONS", "source": "gaz"},
            {"start": third, "end": third + 7, "label": "PERSON", "source": "gaz"},
            {"start": fourth, "end": fourth + 7, "label": "WEAPONS"},
        ],
    )
    reviewer = client_for("reviewer")
    stats_path = f"/api/projects/{arms.project.pk}/suggestions/stats/"
    assert client_for("alice").get(stats_path).status_code == 403
    stats = reviewer.get(stats_path).json()
    assert stats["gaz"] == {
        "offered": 3,
        "accepted": 0,
        "rejected": 0,
        "pending": 3,
        "precision": None,
        "recall": None,
    }
    # Gold: s1 accepted into gold, s3 rejected, one more gold span by hand; reviewed.
    assert reviewer.post(f"/api/suggestions/{s1.pk}/accept/?layer=gold").status_code == 201
    assert reviewer.post(f"/api/suggestions/{s3.pk}/reject/?layer=gold").status_code == 204
    assert client_for("alice").post(f"/api/suggestions/{s3.pk}/reject/").status_code == 204
    hand = {"start": 0, "end": 6, "label": "LOCATION"}
    assert reviewer.post(f"{base(arms)}/spans/?layer=gold", hand, format="json").status_code == 201
    services.document_mark_reviewed(
        project=arms.project, document=arms.document, reviewer=people["reviewer"]
    )
    stats = reviewer.get(stats_path).json()
    assert stats["gaz"] == {
        "offered": 3,
        "accepted": 1,
        "rejected": 1,
        "pending": 1,
        "precision": 1 / 3,
        "recall": 1 / 2,
    }
    assert stats["import"]["precision"] == 0.0 and stats["import"]["pending"] == 1


def test_propagate_setting(arms, client_for):
    path = f"/api/projects/{arms.project.pk}/"
    manager = client_for("manager")
    assert (
        client_for("alice").patch(path, {"propagate": "document"}, format="json").status_code == 403
    )
    assert (
        client_for("outsider").patch(path, {"propagate": "document"}, format="json").status_code
        == 404
    )
    bad = manager.patch(path, {"propagate": "everywhere"}, format="json")
    assert bad.status_code == 400 and "document" in bad.json()["propagate"][0]
    unknown = manager.patch(path, {"colour": "red"}, format="json")
    assert unknown.status_code == 400 and unknown.json() == {
        "colour": ["Not a setting of this project."]
    }
    changed = manager.patch(path, {"propagate": "document"}, format="json")
    assert changed.status_code == 200 and changed.json()["propagate"] == "document"
    assert manager.get(path).json()["propagate"] == "document"
    arms.project.refresh_from_db()
    assert arms.project.propagate == "document"


def test_an_id_past_a_64_bit_key_is_a_400_not_a_500(arms, client_for):
    answer = client_for("alice").post(
        f"{base(arms)}/suggestions/accept/", {"ids": [1, 2**80]}, format="json"
    )
    assert answer.status_code == 400
    assert "ids" in answer.json()
