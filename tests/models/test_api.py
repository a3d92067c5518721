"""Models through the API (../shared/API.md, "Jobs and models"): trained and run by a real
worker on a real database (tests/jobs/conftest.py)."""

import pytest

from annotator.jobs import Job
from annotator.models import Project
from annotator.ner_models import DocumentConfidence, NerModel
from annotator.suggestions import Suggestion

from .conftest import add_documents, review


def train(client, news, worker) -> dict:
    answer = client.post(news.path)
    assert answer.status_code == 202, answer.content
    worker()
    job = client.get(f"/api/jobs/{answer.json()['job']}/").json()
    assert job["kind"] == "train"
    return job


def models(client, news) -> list[dict]:
    answer = client.get(news.path)
    assert answer.status_code == 200, answer.content
    return answer.json()["results"]


def test_a_manager_trains_a_model_measured_on_the_held_out_slice(news, client_for, worker):
    manager = client_for("manager")
    job = train(manager, news, worker)
    assert job["status"] == "done", job
    assert job["progress"] == 1.0
    assert job["result"]["documents"] == 10 and job["result"]["evaluated"] == 2
    (model,) = models(manager, news)
    assert model["version"] == 1 and model["status"] == "ready"
    assert model["documents"] == 10 and model["evaluated"] == 2
    assert model["source"] == "model:1" and model["job"] == job["id"]
    assert model["config"]["iterations"] == 3 and model["config"]["language"] == "en"
    metrics = model["metrics"]
    assert set(metrics) == {"precision", "recall", "f1", "per_label"}
    assert set(metrics["per_label"]) == {"WEAPONS", "PERSON", "LOCATION"}
    for value in (metrics["precision"], metrics["recall"], metrics["f1"]):
        assert 0.0 <= value <= 1.0
    support = sum(entry["support"] for entry in metrics["per_label"].values())
    assert support == sum(len(news.truth[d.pk]) for d in news.held_out)
    # The pipeline is stored with the project, a few megabytes at most.
    stored = NerModel.objects.get(pk=model["id"])
    assert 10_000 < len(bytes(stored.data)) < 10_000_000
    detail = manager.get(f"{news.path}{model['id']}/").json()
    assert sorted(detail["trained_on"]) == sorted(d.pk for d in news.training)
    assert "trained_on" not in model
    confusion = detail["evaluation"]["confusion"]
    assert sum(n for row in confusion.values() for n in row.values()) >= support
    held = {d.pk for d in news.held_out}
    assert all(error[0] in held for error in detail["evaluation"]["errors"])


def test_a_trained_model_finds_what_it_was_taught(news, client_for, worker, taught):
    """Given passes enough, the tiny corpus's names are learnt: the model is no noise."""
    manager = client_for("manager")
    train(manager, news, worker)
    (model,) = models(manager, news)
    assert model["metrics"]["f1"] > 0.5, model["metrics"]


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("manager", 200, 202),
        ("root", 200, 202),
        ("reviewer", 200, 403),
        ("alice", 403, 403),
        ("outsider", 404, 404),
        ("anonymous", 401, 401),
    ],
)
def test_reviewers_read_models_and_managers_train_them(news, client_for, role, read, write):
    client = client_for(role)
    assert client.get(news.path).status_code == read
    assert client.post(news.path).status_code == write
    assert Job.objects.filter(kind="train").count() == (1 if write == 202 else 0)


def test_nothing_reviewed_is_refused_with_the_reason(project, people, client_for):
    add_documents(project, 3)
    answer = client_for("manager").post(f"/api/projects/{project.pk}/models/")
    assert answer.status_code == 400
    assert "reviewed" in answer.json()["non_field_errors"][0]
    assert not NerModel.objects.exists() and not Job.objects.exists()


def test_one_run_waits_at_most(news, client_for):
    manager = client_for("manager")
    assert manager.post(news.path).status_code == 202
    second = manager.post(news.path)
    assert second.status_code == 400
    assert "already waiting" in second.json()["non_field_errors"][0]
    assert NerModel.objects.count() == 1


def test_a_failed_run_says_why(news, client_for, worker):
    manager = client_for("manager")
    answer = manager.post(news.path)
    # The gold goes before the worker starts: nothing is left to learn from.
    news.project.spans.filter(gold=True).delete()
    worker()
    job = manager.get(f"/api/jobs/{answer.json()['job']}/").json()
    assert job["status"] == "failed" and "no gold span" in job["error"]
    (model,) = models(manager, news)
    assert model["status"] == "failed" and model["error"] == job["error"]
    assert model["metrics"] == {"precision": None, "recall": None, "f1": None, "per_label": {}}
    # A failed run does not block the next.
    assert manager.post(news.path).status_code == 202


def test_models_suggest_on_documents_not_reviewed_and_replace_older_ones(
    news, client_for, worker, taught
):
    manager, alice = client_for("manager"), client_for("alice")
    train(manager, news, worker)
    (first,) = models(manager, news)
    answer = manager.post(f"{news.path}{first['id']}/suggest/")
    assert answer.status_code == 202, answer.content
    worker()
    job = manager.get(f"/api/jobs/{answer.json()['job']}/").json()
    assert job["status"] == "done" and job["kind"] == "suggest", job
    assert job["result"]["documents"] == len(news.open)
    made = Suggestion.objects.filter(project=news.project, source="model:1")
    assert made.exists() and job["result"]["suggestions"] == made.count()
    open_ids = {d.pk for d in news.open}
    assert set(made.values_list("document_id", flat=True)) <= open_ids
    assert all(0.0 <= score <= 1.0 for score in made.values_list("score", flat=True))
    confidences = DocumentConfidence.objects.filter(project=news.project)
    assert set(confidences.values_list("document_id", flat=True)) == open_ids
    # Alice accepts one: decided, it stays when a newer model takes over.
    kept = made.first()
    assert alice.post(f"/api/suggestions/{kept.pk}/accept/").status_code == 201
    train(manager, news, worker)
    second = models(manager, news)[0]
    assert second["version"] == 2
    manager.post(f"{news.path}{second['id']}/suggest/")
    worker()
    assert list(Suggestion.objects.filter(source="model:1").values_list("pk", flat=True)) == [
        kept.pk
    ]
    assert Suggestion.objects.filter(source="model:2").exists()
    assert set(confidences.values_list("model_id", flat=True)) == {second["id"]}


def test_a_model_not_ready_is_refused(news, client_for):
    manager = client_for("manager")
    manager.post(news.path)
    (model,) = models(manager, news)
    answer = manager.post(f"{news.path}{model['id']}/suggest/")
    assert answer.status_code == 400 and "not ready" in answer.json()["non_field_errors"][0]


def test_another_projects_model_is_not_found(news, client_for, people):
    other = Project.objects.create(name="Other")
    job = Job.objects.create(project=other, kind="train")
    model = NerModel.objects.create(project=other, version=1, job=job)
    manager = client_for("manager")
    assert manager.get(f"{news.path}{model.pk}/").status_code == 404
    assert manager.post(f"{news.path}{model.pk}/suggest/").status_code == 404


def test_listing_models_costs_the_same_for_many(news, client_for, django_assert_max_num_queries):
    manager = client_for("manager")
    for version in range(1, 31):
        NerModel.objects.create(
            project=news.project, version=version, status="ready", data=b"x" * 100_000
        )
    with django_assert_max_num_queries(5):
        assert len(models(manager, news)) == 30
    with django_assert_max_num_queries(5):
        assert manager.get(f"{news.path}{NerModel.objects.first().pk}/").status_code == 200


def test_reviews_alone_are_the_training_data(project, people, client_for, worker):
    """Documents with gold that nobody marked reviewed teach nothing."""
    made = add_documents(project, 12)
    review(project, people["reviewer"], made[:1])
    project.reviews.all().delete()
    manager = client_for("manager")
    assert manager.post(f"/api/projects/{project.pk}/models/").status_code == 400


def test_a_small_set_gets_passes_enough_for_its_updates():
    """Ten documents in batches of 8 are 2 updates a pass: 100 passes make 200; a large set
    keeps its ``iterations``; never more than 100 passes."""
    from annotator import ner

    config = {"iterations": 10, "min_updates": 200, "batch_size": 8}
    assert ner._passes(10, config) == 100
    assert ner._passes(160, config) == 10
    assert ner._passes(1, config) == 100
    assert ner._passes(40, {**config, "min_updates": 0}) == 10
