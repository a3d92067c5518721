"""The models page: versions, the learning curve, figures by label, the confusion table and
the errors linked to their review page; managers train and suggest from it (htmx)."""

import pytest
from django.test import Client
from django.urls import reverse

from annotator.jobs import Job
from annotator.ner_models import NerModel


def as_user(people, name: str) -> Client:
    client = Client()
    client.force_login(people[name])
    return client


def trained(news, version: int, documents: int, f1: float, errors=()) -> NerModel:
    labels = ["WEAPONS", "PERSON"]
    return NerModel.objects.create(
        project=news.project,
        version=version,
        status="ready",
        documents=documents,
        evaluated=2,
        seconds=1.5,
        data=b"-",
        metrics={
            "precision": f1,
            "recall": f1,
            "f1": f1,
            "per_label": {
                name: {"precision": f1, "recall": f1, "f1": f1, "support": 3} for name in labels
            },
        },
        evaluation={
            "confusion": {"WEAPONS": {"WEAPONS": 3}, "PERSON": {"PERSON": 2, "": 1}},
            "errors": [list(error) for error in errors],
        },
    )


def test_reviewers_see_versions_curve_confusion_and_errors(news):
    held = news.held_out[0]
    start, end, label = news.truth[held.pk][0]
    trained(news, 1, 5, 0.5)
    trained(news, 2, 10, 0.8, errors=[(held.pk, start, end, label, "")])
    NerModel.objects.create(project=news.project, version=3, status="failed", error="No gold.")
    page = as_user(news.people, "reviewer").get(reverse("models", args=[news.project.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "model:1" in html and "model:2" in html and "No gold." in html
    assert 'id="learning-curve"' in html and "5 → 0.500; 10 → 0.800" in html
    # The latest ready version is shown: its confusion and its error, linked to review.
    assert 'id="confusion"' in html and '<th scope="row">none</th>' in html
    review = reverse("review", args=[news.project.pk, held.pk])
    assert f'href="{review}"' in html
    assert f"“{held.text[start:end]}” — gold {label}, model none" in html
    # Reviewers read; the buttons are the managers'.
    assert "Train a new version" not in html and ">Suggest<" not in html
    older = as_user(news.people, "reviewer").get(
        reverse("models", args=[news.project.pk]), {"version": 1}
    )
    assert 'aria-current="true"' in older.content.decode()
    assert "None: the model matched gold exactly" in older.content.decode()


@pytest.mark.parametrize(("who", "status"), [("alice", 403), ("outsider", 404)])
def test_annotators_and_outsiders_do_not_see_models(news, who, status):
    page = as_user(news.people, who).get(reverse("models", args=[news.project.pk]))
    assert page.status_code == status


def test_the_project_page_links_the_models_page_for_reviewers(news):
    url = reverse("models", args=[news.project.pk])
    project_page = reverse("project", args=[news.project.pk])
    assert url in as_user(news.people, "reviewer").get(project_page).content.decode()
    assert url not in as_user(news.people, "alice").get(project_page).content.decode()


def test_a_manager_trains_from_the_page_and_the_panel_polls(news):
    manager = as_user(news.people, "manager")
    answer = manager.post(reverse("model_train", args=[news.project.pk]), HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    html = answer.content.decode()
    (model,) = NerModel.objects.all()
    assert f"Version 1 is queued for training (job {model.job_id})" in html
    assert 'hx-trigger="every 3s"' in html and "Queued" in html
    # A second one while it waits: refused, with the reason.
    again = manager.post(reverse("model_train", args=[news.project.pk]), HTTP_HX_REQUEST="true")
    assert again.status_code == 422 and "already waiting" in again.content.decode()
    # Without htmx: back to the page.
    NerModel.objects.update(status="failed")
    plain = manager.post(reverse("model_train", args=[news.project.pk]))
    assert plain.status_code == 302 and plain["Location"] == reverse(
        "models", args=[news.project.pk]
    )


def test_a_manager_runs_a_ready_model_from_the_page(news):
    model = trained(news, 1, 10, 0.9)
    manager = as_user(news.people, "manager")
    url = reverse("model_suggest", args=[news.project.pk, model.pk])
    answer = manager.post(url, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    (job,) = Job.objects.filter(kind="suggest")
    assert f"(job {job.pk})" in answer.content.decode()
    assert as_user(news.people, "reviewer").post(url).status_code == 403
    missing = manager.post(
        reverse("model_suggest", args=[news.project.pk, model.pk + 100]), HTTP_HX_REQUEST="true"
    )
    assert missing.status_code == 404


def test_the_page_costs_the_same_for_many_versions(news, django_assert_max_num_queries):
    held = news.held_out[0]
    errors = [(held.pk, s, e, label, "") for s, e, label in news.truth[held.pk]]
    for version in range(1, 41):
        trained(news, version, version * 2, min(version / 40, 1.0), errors=errors)
    reviewer = as_user(news.people, "reviewer")
    with django_assert_max_num_queries(10):
        page = reviewer.get(reverse("models", args=[news.project.pk]))
    assert page.status_code == 200 and "model:40" in page.content.decode()
