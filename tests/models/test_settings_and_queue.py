"""``train_every``, ``order`` and ``random_fraction`` (../shared/API.md, "Project settings",
"Jobs and models"): retraining after newly reviewed documents, never more than one run
waiting, and the queue offering the least confident documents first."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotator import services
from annotator.jobs import Job
from annotator.models import Membership, Role
from annotator.ner_models import DocumentConfidence, NerModel
from annotator.suggestions import Suggestion


def patch(client, project, **settings):
    return client.patch(f"/api/projects/{project.pk}/", settings, format="json")


def test_managers_change_the_model_settings(project, people, client_for):
    manager = client_for("manager")
    answer = patch(manager, project, train_every=5, order="uncertainty", random_fraction=0.25)
    assert answer.status_code == 200, answer.content
    shown = manager.get(f"/api/projects/{project.pk}/").json()
    assert (shown["train_every"], shown["order"], shown["random_fraction"]) == (
        5,
        "uncertainty",
        0.25,
    )
    project.refresh_from_db()
    assert (project.train_every, project.order, project.random_fraction) == (5, "uncertainty", 0.25)
    assert patch(client_for("reviewer"), project, train_every=1).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"order": "random"}, "order"),
        ({"order": None}, "order"),
        ({"random_fraction": 1.5}, "random_fraction"),
        ({"random_fraction": -0.1}, "random_fraction"),
        ({"random_fraction": "NaN"}, "random_fraction"),
        ({"random_fraction": "x"}, "random_fraction"),
        ({"train_every": -1}, "train_every"),
        ({"train_every": 2_000_000}, "train_every"),
        ({"train_every": 1.5}, "train_every"),
    ],
)
def test_bad_model_settings_are_refused_by_name(project, people, client_for, body, field):
    answer = patch(client_for("manager"), project, **body)
    assert answer.status_code == 400
    assert field in answer.json()
    project.refresh_from_db()
    assert (project.train_every, project.order, project.random_fraction) == (0, "sequential", 0.1)


def mark_reviewed(client, project, document):
    url = f"/projects/{project.pk}/documents/{document.pk}/review/done/"
    answer = client.post(url, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200, answer.content


def test_train_every_queues_one_run_and_its_suggestions_follow(news, client, worker, taught):
    services.project_update(project=news.project, train_every=1)
    client.force_login(news.people["reviewer"])
    first, second, *rest = news.open
    mark_reviewed(client, news.project, first)
    (model,) = NerModel.objects.all()
    assert model.automatic and model.status == "queued" and model.reviewed == 13
    # A run waits: the next review queues nothing more.
    mark_reviewed(client, news.project, second)
    assert NerModel.objects.count() == 1 and Job.objects.count() == 1
    worker()
    model.refresh_from_db()
    assert model.status == "ready", model.error
    train_job, suggest_job = Job.objects.order_by("pk")
    assert train_job.result["suggest_job"] == suggest_job.pk
    assert suggest_job.kind == "suggest" and suggest_job.status == "done", suggest_job.error
    suggested = set(
        Suggestion.objects.filter(source="model:1").values_list("document_id", flat=True)
    )
    assert suggested and suggested <= {document.pk for document in rest}
    # 14 reviewed now, the run was queued at 13: one more than it is due again.
    mark_reviewed(client, news.project, rest[0])
    assert NerModel.objects.filter(status="queued").count() == 1


def test_without_train_every_a_review_queues_nothing(news, client):
    client.force_login(news.people["reviewer"])
    mark_reviewed(client, news.project, news.open[0])
    assert not NerModel.objects.exists() and not Job.objects.exists()


def test_a_review_costs_no_more_without_train_every(news, client):
    """The request path's figures stay as they were when the project trains nothing."""
    client.force_login(news.people["reviewer"])
    mark_reviewed(client, news.project, news.open[0])  # warm
    with CaptureQueriesContext(connection) as without:
        mark_reviewed(client, news.project, news.open[1])
    services.project_update(project=news.project, train_every=1000)
    with CaptureQueriesContext(connection) as training:
        mark_reviewed(client, news.project, news.open[2])
    # Reviewing with nothing to train: no statement is about models.
    assert not [q for q in without.captured_queries if "nermodel" in q["sql"]]
    # A project that trains pays for the check only: lock, waiting run, last run, count.
    assert len(training.captured_queries) <= len(without.captured_queries) + 4


@pytest.fixture
def scored(news, make_user):
    """The open documents with the latest model's confidence, least sure: open[2], open[0],
    then open[1]; open[3] not read by the model."""
    model = NerModel.objects.create(project=news.project, version=1, status="ready")
    for document, confidence in zip(news.open[:3], [0.8, 0.95, 0.6], strict=True):
        DocumentConfidence.objects.create(
            project=news.project, document=document, model=model, confidence=confidence
        )
    services.project_update(project=news.project, order="uncertainty", random_fraction=0.0)
    carol = make_user("carol")
    Membership.objects.create(project=news.project, user=carol, role=Role.ANNOTATOR)
    news.people["carol"] = carol
    # Only the open documents are left to annotate.
    news.project.documents.remove(*news.training, *news.held_out)
    return news


def test_uncertainty_offers_the_least_confident_first_within_the_places(scored):
    project, people = scored.project, scored.people
    alice = services.document_next(project=project, user=people["alice"])
    assert alice == scored.open[2]
    services.document_complete(project=project, document=alice, user=people["alice"])
    # A document someone began comes first (its second place), then the next least sure.
    assert services.document_next(project=project, user=people["bob"]) == scored.open[2]
    carol = services.document_next(project=project, user=people["carol"])
    assert carol == scored.open[0]  # open[2] has its two annotators
    services.document_complete(project=project, document=alice, user=people["bob"])
    services.document_complete(project=project, document=carol, user=people["carol"])
    assert services.document_next(project=project, user=people["alice"]) == scored.open[0]
    services.document_complete(project=project, document=scored.open[0], user=people["alice"])
    # Then open[1]; the document no model read comes last.
    assert services.document_next(project=project, user=people["bob"]) == scored.open[1]
    services.document_complete(project=project, document=scored.open[1], user=people["bob"])
    assert services.document_next(project=project, user=people["carol"]) == scored.open[1]
    services.document_complete(project=project, document=scored.open[1], user=people["carol"])
    assert services.document_next(project=project, user=people["alice"]) == scored.open[3]


def test_sequential_ignores_the_model(scored):
    services.project_update(project=scored.project, order="sequential")
    first = min(scored.open, key=lambda document: document.pk)
    assert services.document_next(project=scored.project, user=scored.people["alice"]) == first


def test_random_picks_still_respect_the_places(scored):
    project, people = scored.project, scored.people
    services.project_update(project=project, random_fraction=1.0, annotators_per_document=1)
    seen = set()
    for name in ["alice", "bob", "carol"]:
        document = services.document_next(project=project, user=people[name])
        assert document is not None and document.pk not in seen
        seen.add(document.pk)
        services.document_complete(project=project, document=document, user=people[name])
    assert len(seen) == 3
