"""Suggested document labels and relations (API.md, "Suggestions"): uploaded, listed,
accepted through the categories and relations services, rejected."""

import json

import pytest

from annotator.categories import Category
from annotator.exports.engine import Export
from annotator.exports.options import options_parse
from annotator.label_suggestions import (
    CategorySuggestion,
    CategorySuggestionDecision,
    RelationSuggestion,
)
from annotator.models import Label, LabelKind, Origin, Span, SpanEvent
from annotator.relations import Relation
from annotator.services import relation_type_create
from annotator.suggestions import Suggestion, SuggestionDecision

from .conftest import TEXT, kinzhals


@pytest.fixture
def typed(arms):
    """``arms`` with document labels TRANSFER and SUMMIT and SUPPLIES: PERSON → WEAPONS."""
    for order, name in enumerate(("TRANSFER", "SUMMIT"), start=10):
        arms.labels[name] = Label.objects.create(
            project=arms.project, name=name, kind=LabelKind.DOCUMENT, order=order
        )
    arms.type = relation_type_create(
        project=arms.project,
        name="SUPPLIES",
        source_labels=[arms.labels["PERSON"]],
        target_labels=[arms.labels["WEAPONS"]],
    )
    return arms


KIM = TEXT.index("Kim")
FIRST = kinzhals()[0]


def item(**extra) -> dict:
    """The Kinzhal document again, with a suggested PERSON "Kim" and WEAPONS "Kinzhal"."""
    return {
        "text": TEXT,
        "external_id": "kinzhal",
        "suggestions": [
            {"id": "kim", "start": KIM, "end": KIM + 3, "label": "PERSON", "source": "ner"},
            {"id": 7, "start": FIRST, "end": FIRST + 7, "label": "WEAPONS", "source": "ner"},
        ],
        **extra,
    }


def upload(client, typed, body):
    return client.post(f"/api/projects/{typed.project.pk}/documents/", body, format="json")


def document_url(typed, kind: str, query: str = "") -> str:
    path = f"/api/projects/{typed.project.pk}/documents/{typed.document.pk}/{kind}-suggestions/"
    return f"{path}?{query}" if query else path


@pytest.fixture
def suggested(typed, client_for):
    body = item(
        suggested_categories=["TRANSFER", {"label": "SUMMIT", "source": "clf", "score": 0.4}],
        suggested_relations=[{"type": "SUPPLIES", "from": "kim", "to": 7, "score": 0.9}],
    )
    response = upload(client_for("manager"), typed, body)
    assert response.status_code == 201, response.json()
    typed.transfer = CategorySuggestion.objects.get(label__name="TRANSFER")
    typed.summit = CategorySuggestion.objects.get(label__name="SUMMIT")
    typed.relation = RelationSuggestion.objects.get()
    return typed


def test_an_upload_stores_suggested_document_labels_and_relations(suggested):
    assert [(s.label.name, s.source, s.score) for s in CategorySuggestion.objects.all()] == [
        ("TRANSFER", "import", None),
        ("SUMMIT", "clf", 0.4),
    ]
    relation = suggested.relation
    assert (relation.type.name, relation.source, relation.score) == ("SUPPLIES", "import", 0.9)
    assert (relation.from_suggestion.start, relation.to_suggestion.start) == (KIM, FIRST)
    # Suggestions, not annotations: no layer holds anything.
    assert not Category.objects.exists() and not Relation.objects.exists()
    assert not Span.objects.filter(document=suggested.document).exists()


def test_refusals_are_named_by_index_field_and_number_and_nothing_is_stored(typed, client_for):
    body = item(
        suggested_categories=[
            *("WEAPONS", "NOPE", {"label": "SUMMIT", "score": "high"}, 4),
            *("TRANSFER", "TRANSFER", {"label": "SUMMIT", "by": "me"}),
        ],
        suggested_relations=[
            {"type": "SUPPLIES", "from": 7, "to": "kim"},
            {"type": "BUYS", "from": "kim", "to": "nobody"},
            {"type": "SUPPLIES", "from": "kim", "to": "kim"},
            {"type": "SUPPLIES", "from": "kim", "to": 7, "source": ""},
            {"type": "SUPPLIES", "from": "kim", "to": 7, "id": 3},
        ],
    )
    body["suggestions"].append({"id": 7, "start": 0, "end": 6, "label": "LOCATION"})

    response = upload(client_for("manager"), typed, body)

    assert response.status_code == 400
    errors = response.json()["errors"]["0"]
    assert errors["suggestions"] == ["suggestion 2: id: suggestion 1 has the id 7 already."]
    assert errors["suggested_categories"] == [
        "suggested category 0: label: WEAPONS is a span label: tag a stretch of text with it. "
        "Only document labels are categories.",
        "suggested category 1: label: Unknown label 'NOPE' for this project.",
        "suggested category 2: score: Must be a number (or null).",
        "suggested category 3: expected a label's name or an object with a label.",
        "suggested category 5: This source suggests this document label twice.",
        "suggested category 6: unknown field(s) by.",
    ]
    assert errors["suggested_relations"] == [
        "suggested relation 0: from: A SUPPLIES relation's source must be one of PERSON, not "
        "WEAPONS.",
        "suggested relation 0: to: A SUPPLIES relation's target must be one of WEAPONS, not "
        "PERSON.",
        "suggested relation 1: type: Unknown relation type 'BUYS': it is not one of this "
        "project's.",
        "suggested relation 1: to: No suggestion of this document has the id 'nobody'.",
        "suggested relation 2: to: A span cannot be related to itself: choose another target.",
        "suggested relation 3: source: Must be a non-empty string naming where the suggestion "
        "comes from.",
        "suggested relation 4: unknown field(s) id.",
    ]
    assert not Suggestion.objects.exists()
    assert not CategorySuggestion.objects.exists() and not RelationSuggestion.objects.exists()


def test_a_source_suggests_a_document_label_once_on_a_reused_document(suggested, client_for):
    response = upload(
        client_for("manager"),
        suggested,
        {**item(), "suggestions": []} | {"suggested_categories": ["TRANSFER"]},
    )

    assert response.status_code == 400
    assert response.json()["errors"]["0"] == {
        "suggested_categories": [
            "suggested category 0: This source already suggests this document label."
        ]
    }


def test_pending_lists_mine_gold_and_all(suggested, client_for, django_assert_max_num_queries):
    alice = client_for("alice")
    with django_assert_max_num_queries(8):
        listed = alice.get(document_url(suggested, "category")).json()
    assert [(s["label"], s["source"], s["score"]) for s in listed["results"]] == [
        ("TRANSFER", "import", None),
        ("SUMMIT", "clf", 0.4),
    ]
    with django_assert_max_num_queries(8):
        relations = alice.get(document_url(suggested, "relation")).json()["results"]
    assert relations == [
        {
            "id": suggested.relation.pk,
            "type": "SUPPLIES",
            "from": suggested.relation.from_suggestion_id,
            "to": suggested.relation.to_suggestion_id,
            "source": "import",
            "score": 0.9,
        }
    ]
    assert alice.get(document_url(suggested, "category", "layer=gold")).status_code == 403
    assert alice.get(document_url(suggested, "relation", "all=1")).status_code == 403

    assert (
        alice.post(f"/api/category-suggestions/{suggested.transfer.pk}/reject/").status_code == 204
    )
    assert [
        s["label"] for s in alice.get(document_url(suggested, "category")).json()["results"]
    ] == ["SUMMIT"]
    reviewer = client_for("reviewer")
    # Gold has decided nothing; everyone's decisions counted with all=1.
    gold = reviewer.get(document_url(suggested, "category", "layer=gold")).json()["results"]
    assert len(gold) == 2
    every = reviewer.get(document_url(suggested, "category", "all=1")).json()["results"]
    assert every[0]["decisions"] == {"accepted": 0, "rejected": 1}
    assert client_for("outsider").get(document_url(suggested, "category")).status_code == 404
    assert (
        client_for("outsider")
        .post(f"/api/category-suggestions/{suggested.transfer.pk}/accept/")
        .status_code
        == 404
    )


def test_accepting_a_document_label_gives_it_in_my_layer_once(suggested, client_for):
    alice = client_for("alice")
    url = f"/api/category-suggestions/{suggested.transfer.pk}/accept/"

    accepted = alice.post(url)

    assert accepted.status_code == 201, accepted.json()
    category = Category.objects.get()
    assert accepted.json()["id"] == category.pk
    assert (category.annotator.username, category.gold, category.label.name) == (
        "alice",
        False,
        "TRANSFER",
    )
    again = alice.post(url)
    assert again.status_code == 400
    assert again.json() == {
        "non_field_errors": [
            f"You have already accepted this suggestion: it is document label {category.pk}."
        ]
    }
    refused = alice.post(url.replace("accept", "reject"))
    assert refused.status_code == 400
    # Removing the category (an undo) makes it pending again.
    category.delete()
    assert [
        s["label"] for s in alice.get(document_url(suggested, "category")).json()["results"]
    ] == [
        "TRANSFER",
        "SUMMIT",
    ]
    # Gold: the reviewer's; an annotator is refused.
    assert alice.post(f"{url}?layer=gold").status_code == 403
    gold = client_for("reviewer").post(f"{url}?layer=gold")
    assert gold.status_code == 201
    assert Category.objects.filter(gold=True, label__name="TRANSFER").exists()
    assert CategorySuggestionDecision.objects.filter(gold=True, accepted=True).count() == 1


def test_accepting_a_relation_accepts_its_ends_first(suggested, client_for):
    alice = client_for("alice")

    accepted = alice.post(f"/api/relation-suggestions/{suggested.relation.pk}/accept/")

    assert accepted.status_code == 201, accepted.json()
    relation = Relation.objects.get()
    assert accepted.json()["id"] == relation.pk
    spans = Span.objects.filter(annotator__username="alice", document=suggested.document)
    assert {(s.start, s.origin, s.source) for s in spans} == {
        (KIM, Origin.SUGGESTED, "ner"),
        (FIRST, Origin.SUGGESTED, "ner"),
    }
    assert (relation.source.start, relation.target.start) == (KIM, FIRST)
    # The ends are accepted suggestions of alice's: no longer pending for her.
    decided = SuggestionDecision.objects.filter(user__username="alice", accepted=True)
    assert decided.count() == 2
    assert alice.get(document_url(suggested, "relation")).json()["results"] == []
    # Both ends were made in one step of the history (one batch event).
    assert SpanEvent.objects.filter(actor__username="alice").count() == 1


def test_an_end_already_accepted_is_used_not_copied_again(suggested, client_for):
    alice = client_for("alice")
    kim = suggested.relation.from_suggestion
    assert alice.post(f"/api/suggestions/{kim.pk}/accept/").status_code == 201

    accepted = alice.post(f"/api/relation-suggestions/{suggested.relation.pk}/accept/")

    assert accepted.status_code == 201, accepted.json()
    assert Span.objects.filter(annotator__username="alice").count() == 2


def test_a_relation_the_rules_refuse_is_refused_whole(suggested, client_for):
    # A type that takes no WEAPONS target: the relation rules' own message.
    suggested.type.target_labels.set([suggested.labels["LOCATION"]])

    refused = client_for("alice").post(f"/api/relation-suggestions/{suggested.relation.pk}/accept/")

    assert refused.status_code == 400
    assert refused.json() == {
        "target": ["A SUPPLIES relation's target must be one of LOCATION, not WEAPONS."]
    }
    assert not Span.objects.filter(annotator__username="alice").exists()
    assert not SuggestionDecision.objects.exists()


def test_rejecting_a_relation_takes_it_off_my_list(suggested, client_for):
    alice = client_for("alice")
    url = f"/api/relation-suggestions/{suggested.relation.pk}/reject/"

    assert alice.post(url).status_code == 204
    assert alice.post(url).status_code == 204
    assert alice.get(document_url(suggested, "relation")).json()["results"] == []
    assert len(client_for("bob").get(document_url(suggested, "relation")).json()["results"]) == 1


def test_the_suggestions_export_carries_them(suggested):
    options = options_parse(
        {"format": "jsonl", "layer": "suggestions"},
        project=suggested.project,
        user=suggested.people["manager"],
    )
    lines = [
        json.loads(line)
        for line in b"".join(
            Export(project=suggested.project, options=options).stream()
        ).splitlines()
    ]
    (line,) = [line for line in lines if line["id"] == suggested.document.pk]

    assert line["categories"] == [
        {"label": "SUMMIT", "annotator": None, "origin": "clf"},
        {"label": "TRANSFER", "annotator": None, "origin": "import"},
    ]
    spans = {span["id"]: span for span in line["spans"]}
    (relation,) = line["relations"]
    assert relation["type"] == "SUPPLIES" and relation["annotator"] is None
    assert (spans[relation["source"]]["text"], spans[relation["target"]]["text"]) == (
        "Kim",
        "Kinzhal",
    )


def test_a_sources_export_carries_only_that_sources_suggested_relations(suggested):
    """The relation between two ``model:1`` suggestions was suggested by another source
    (``import``): a ``model:1`` export has its spans, not that relation."""
    from annotator.ner_models import NerModel

    NerModel.objects.create(project=suggested.project, version=1)
    Suggestion.objects.filter(document=suggested.document).update(source="model:1")

    def relations(layer: str) -> list:
        options = options_parse(
            {"format": "jsonl", "layer": layer},
            project=suggested.project,
            user=suggested.people["manager"],
        )
        data = b"".join(Export(project=suggested.project, options=options).stream())
        (line,) = [json.loads(x) for x in data.splitlines() if json.loads(x)["spans"]]
        assert len(line["spans"]) == 2
        return line["relations"]

    assert relations("model:1") == []
    assert len(relations("suggestions")) == 1


HX = {"HTTP_HX_REQUEST": "true"}


def page(typed) -> str:
    return f"/projects/{typed.project.pk}/documents/{typed.document.pk}/"


def test_the_workspace_shows_them_and_decides_them(
    suggested, client, django_assert_max_num_queries
):
    client.force_login(suggested.people["alice"])
    with django_assert_max_num_queries(60):
        html = client.get(page(suggested)).content.decode()
    assert html.count('class="category-suggestion') == 2
    assert 'id="relation-suggestions"' in html
    assert "Kim” <strong>SUPPLIES</strong> → WEAPONS “Kinzhal”" in html

    url = f"/projects/{suggested.project.pk}/category-suggestions/{suggested.transfer.pk}/accept/"
    answer = client.post(url, **HX)
    assert answer.status_code == 200
    assert answer["HX-Retarget"] == "#categories"
    bar = answer.content.decode()
    assert bar.count('class="category-suggestion') == 1
    assert 'aria-pressed="true" data-label="{}"'.format(suggested.labels["TRANSFER"].pk) in bar

    url = f"/projects/{suggested.project.pk}/relation-suggestions/{suggested.relation.pk}/accept/"
    answer = client.post(url, **HX)
    assert answer.status_code == 200 and answer["HX-Refresh"] == "true"
    assert Relation.objects.filter(annotator__username="alice").count() == 1

    # Another project's member: 404; a decision for gold by an annotator: 403.
    client.force_login(suggested.people["outsider"])
    assert client.post(url, **HX).status_code == 404
    client.force_login(suggested.people["bob"])
    reject = url.replace("accept", "reject")
    assert client.post(f"{reject}?layer=gold", **HX).status_code == 403
    answer = client.post(reject, **HX)
    assert answer.status_code == 200 and answer["HX-Retarget"] == "#relations"
    body = answer.content.decode()
    assert 'id="relation-suggestions"' not in body
    # Its row leaves the list, whose count says none are left.
    row = f'<li id="relation-suggestion-{suggested.relation.pk}" hx-swap-oob="delete"></li>'
    assert row in body
    assert (
        '<span id="relation-suggestion-count" class="muted" hx-swap-oob="true">(0)</span>' in body
    )
    # alice accepted it: her reject (a stale tab) is refused in words, not a 500.
    client.force_login(suggested.people["alice"])
    answer = client.post(reject, **HX)
    assert answer.status_code == 422
    assert "You have accepted this suggestion" in answer.content.decode()


def test_a_relations_end_tagged_by_hand_is_that_span(suggested, client_for, people):
    """alice tagged "Kim" herself before accepting the relation: its end is her span."""
    from annotator.services import span_create

    kim = span_create(
        project=suggested.project,
        document=suggested.document,
        annotator=people["alice"],
        label=suggested.labels["PERSON"],
        start=KIM,
        end=KIM + 3,
    )
    accepted = client_for("alice").post(
        f"/api/relation-suggestions/{suggested.relation.pk}/accept/"
    )
    assert accepted.status_code == 201, accepted.json()
    relation = Relation.objects.get()
    assert relation.source_id == kim.pk
    assert Span.objects.filter(annotator=people["alice"], start=KIM).count() == 1
    decision = SuggestionDecision.objects.get(suggestion__start=KIM, user=people["alice"])
    assert decision.accepted and decision.span_id == kim.pk


def test_the_stats_count_suggested_document_labels_and_relations(
    suggested, client_for, people, django_assert_max_num_queries
):
    """``?kind=document_labels`` and ``?kind=relations``: the span stats' shape and rules,
    precision and recall against gold on reviewed documents; the default stays spans."""
    from annotator.services import document_mark_reviewed

    reviewer, alice = client_for("reviewer"), client_for("alice")
    stats = f"/api/projects/{suggested.project.pk}/suggestions/stats/"
    assert alice.get(f"{stats}?kind=relations").status_code == 403
    refused = reviewer.get(f"{stats}?kind=cats")
    assert refused.status_code == 400
    assert refused.json() == {"kind": ["kind is one of spans, document_labels, relations."]}
    assert set(reviewer.get(stats).json()) == {"ner"}  # the span suggestions' source

    # alice accepts TRANSFER and rejects SUMMIT; gold accepts the relation (with its ends)
    # and TRANSFER; the document is reviewed.
    assert alice.post(f"/api/category-suggestions/{suggested.transfer.pk}/accept/").status_code
    assert alice.post(f"/api/category-suggestions/{suggested.summit.pk}/reject/").status_code
    relation = f"/api/relation-suggestions/{suggested.relation.pk}/accept/?layer=gold"
    assert reviewer.post(relation).status_code == 201
    accepted = f"/api/category-suggestions/{suggested.transfer.pk}/accept/?layer=gold"
    assert reviewer.post(accepted).status_code == 201
    document_mark_reviewed(
        project=suggested.project, document=suggested.document, reviewer=people["reviewer"]
    )

    with django_assert_max_num_queries(12):
        labels = reviewer.get(f"{stats}?kind=document_labels").json()
    assert labels == {
        "clf": {
            "offered": 1,
            "accepted": 0,
            "rejected": 1,
            "pending": 0,
            "precision": 0.0,
            "recall": 0.0,
        },
        "import": {
            "offered": 1,
            "accepted": 1,
            "rejected": 0,
            "pending": 0,
            "precision": 1.0,
            "recall": 1.0,
        },
    }
    assert reviewer.get(f"{stats}?kind=relations").json() == {
        "import": {
            "offered": 1,
            "accepted": 1,
            "rejected": 0,
            "pending": 0,
            "precision": 1.0,
            "recall": 1.0,
        }
    }
    page = client_for("reviewer")
    page.force_login(people["reviewer"])
    dashboard = page.get(f"/projects/{suggested.project.pk}/dashboard/").content.decode()
    assert '<td>document labels</td><th scope="row">clf</th>' in dashboard
    assert '<td>relations</td><th scope="row">import</th>' in dashboard
