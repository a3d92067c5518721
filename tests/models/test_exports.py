"""Exports of a model's suggestions as a layer (``layer=model:<version>``), to compare with
gold: only that model's, decided or not; the card names the version and its figures."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from annotator.ner_models import NerModel
from annotator.suggestions import Suggestion


@pytest.fixture
def predicted(news):
    """Two versions' suggestions and a rule's on an open document."""
    document = news.open[0]
    weapons = news.project.labels.get(name="WEAPONS")
    for version, f1 in [(1, 0.5), (2, 0.75)]:
        NerModel.objects.create(
            project=news.project,
            version=version,
            status="ready",
            documents=version * 5,
            evaluated=2,
            metrics={"precision": f1, "recall": f1, "f1": f1, "per_label": {}},
            config={"language": "en"},
            data=b"-",
        )
    for source, end in [("model:1", 3), ("model:2", 4), ("rules:x", 5)]:
        Suggestion.objects.create(
            project=news.project,
            document=document,
            label=weapons,
            start=0,
            end=end,
            source=source,
            score=0.9,
        )
    return news


def api(people, name: str) -> Client:
    client = Client()
    client.force_login(people[name])
    return client


def lines(answer) -> list[dict]:
    body = b"".join(answer.streaming_content) if answer.streaming else answer.content
    return [json.loads(line) for line in body.decode().splitlines() if line]


def test_a_models_suggestions_export_as_a_layer(predicted):
    url = f"/api/projects/{predicted.project.pk}/export/"
    answer = api(predicted.people, "reviewer").get(url, {"format": "jsonl", "layer": "model:2"})
    assert answer.status_code == 200, answer.content
    spans = [span for record in lines(answer) for span in record["spans"]]
    assert [(s["start"], s["end"], s["origin"]) for s in spans] == [(0, 4, "model:2")]


def test_the_card_names_the_model_version(predicted):
    url = f"/api/projects/{predicted.project.pk}/export/card/"
    answer = api(predicted.people, "reviewer").get(url, {"format": "jsonl", "layer": "model:1"})
    assert answer.status_code == 200, answer.content
    card = answer.json()
    assert card["layer"] == "model:1"
    assert card["model"]["version"] == 1 and card["model"]["source"] == "model:1"
    assert card["model"]["documents"] == 5 and card["model"]["metrics"]["f1"] == 0.5
    assert card["spans"] == 1


@pytest.mark.parametrize("layer", ["model:9", "model:x", "model:", "model:-1"])
def test_an_unknown_model_is_refused_by_name(predicted, layer):
    url = f"/api/projects/{predicted.project.pk}/export/"
    answer = api(predicted.people, "reviewer").get(url, {"layer": layer})
    assert answer.status_code == 400
    assert "no model" in answer.json()["layer"][0]


def test_annotators_may_not_export_a_models_layer(predicted):
    url = f"/api/projects/{predicted.project.pk}/export/"
    assert api(predicted.people, "alice").get(url, {"layer": "model:1"}).status_code == 403


def test_the_export_page_offers_ready_models(predicted):
    NerModel.objects.create(project=predicted.project, version=3, status="failed")
    page = api(predicted.people, "reviewer").get(reverse("export", args=[predicted.project.pk]))
    html = page.content.decode()
    assert '<option value="model:2">' in html and '<option value="model:1">' in html
    assert "model:3" not in html
    assert (
        "model:1"
        not in api(predicted.people, "alice")
        .get(reverse("export", args=[predicted.project.pk]))
        .content.decode()
    )
