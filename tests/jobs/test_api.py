"""``GET /api/jobs/{id}/`` and ``POST /api/projects/{pid}/imports/``."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from annotator.imports import Upload, import_later
from annotator.jobs import Job
from annotator.models import Project


@pytest.fixture
def job(project, people) -> Job:
    return import_later(
        project=project, uploads=[Upload("a.txt", b"A document.")], uploader=people["manager"]
    )


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.mark.parametrize("role", ["alice", "reviewer", "manager", "root"])
def test_members_read_a_job_in_the_contracts_shape(job, people, role):
    response = api(people[role]).get(f"/api/jobs/{job.pk}/")
    assert response.status_code == 200
    assert response.json() == {
        "id": job.pk,
        "kind": "import",
        "status": "queued",
        "progress": 0.0,
        "result": None,
        "error": "",
    }


def test_a_job_of_another_project_is_not_found(job, people):
    assert api(people["outsider"]).get(f"/api/jobs/{job.pk}/").status_code == 404
    assert api().get(f"/api/jobs/{job.pk}/").status_code == 401


def test_whoever_started_a_job_still_reads_it_after_leaving_the_project(project, people):
    other = Project.objects.create(name="Other")
    job = Job.objects.create(project=other, kind="import", created_by=people["outsider"])
    assert api(people["outsider"]).get(f"/api/jobs/{job.pk}/").status_code == 200
    assert api(people["alice"]).get(f"/api/jobs/{job.pk}/").status_code == 404


def test_reading_a_job_costs_two_queries(job, people, client, django_assert_max_num_queries):
    client.force_login(people["alice"])
    with django_assert_max_num_queries(3):  # session, user, job
        assert client.get(f"/api/jobs/{job.pk}/").status_code == 200


def test_managers_import_files_as_a_job(project, people, worker):
    files = [
        SimpleUploadedFile("a.txt", b"First."),
        SimpleUploadedFile("b.jsonl", b'{"text": "Second."}\n{"text": "Third."}'),
    ]
    response = api(people["manager"]).post(
        f"/api/projects/{project.pk}/imports/", {"files": files}, format="multipart"
    )
    assert response.status_code == 202
    job = response.json()["job"]
    worker()
    answer = api(people["manager"]).get(f"/api/jobs/{job}/").json()
    assert answer["status"] == "done" and answer["progress"] == 1.0
    assert answer["result"].items() >= {"documents": 3, "spans": 0, "suggestions": 0}.items()


def test_only_managers_import_files(project, people):
    files = {"files": [SimpleUploadedFile("a.txt", b"First.")]}
    url = f"/api/projects/{project.pk}/imports/"
    assert api(people["alice"]).post(url, files, format="multipart").status_code == 403
    assert api(people["outsider"]).post(url, files, format="multipart").status_code == 404
    assert not Job.objects.exists()


def test_an_import_without_files_is_refused(project, people):
    response = api(people["manager"]).post(
        f"/api/projects/{project.pk}/imports/", {}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {"files": ["Choose at least one file to import."]}
