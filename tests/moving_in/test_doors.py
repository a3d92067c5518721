"""The Import page and the API take doccano's and Label Studio's exports too: the page's
“Create missing labels” box, the API's ``create_labels``, the summary in words."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from annotator.imports import import_records
from annotator.jobs import Job
from annotator.models import Span
from corpus.importers import read_path
from tests.jobs.conftest import run_worker

from .conftest import LS_SNAPSHOT, PER_USER


def upload(path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


@pytest.fixture
def manager(client, newsroom):
    client.force_login(newsroom.memberships.get(user__username="manager").user)
    return client


def test_the_page_imports_doccanos_zip_with_missing_labels_created(manager, newsroom):
    url = f"/projects/{newsroom.pk}/import/"
    form = {"files": [upload(PER_USER)], "spans_to": "suggestions", "create_labels": "1"}
    response = manager.post(url, form, follow=True)
    page = response.content.decode()
    assert "Imported 6 documents, 19 spans and 2 comments." in page
    assert "Labels created: PER, LOC, ORG, MISC." in page
    assert "5 spans read as UTF-16 code units" in page
    assert set(Span.objects.values_list("annotator__username", flat=True)) == {"admin", "ann2"}


def test_the_page_names_missing_labels_once_and_keeps_the_box_as_it_was(manager, newsroom):
    url = f"/projects/{newsroom.pk}/import/"
    response = manager.post(url, {"files": [upload(PER_USER)], "spans_to": "suggestions"})
    assert response.status_code == 200
    assert len(response.context["problems"]) == 1
    assert response.context["problems"][0].startswith("Unknown labels for this project: 'PER'")
    assert 'name="create_labels" id="id_create_labels" value="1">' in response.content.decode()
    assert not newsroom.documents.exists()


def test_the_api_imports_label_studios_export_with_create_labels(newsroom, transactional_db):
    client = APIClient()
    client.force_authenticate(newsroom.memberships.get(user__username="manager").user)
    url = f"/api/projects/{newsroom.pk}/imports/"
    form = {"files": [upload(LS_SNAPSHOT)], "create_labels": "true"}
    response = client.post(url, form, format="multipart")
    assert response.status_code == 202
    run_worker()
    job = Job.objects.get(pk=response.json()["job"])
    assert job.status == "done", job.error
    assert job.result["spans"] == 10 and job.result["suggestions"] == 3
    assert job.result["spans_utf16"] == 3
    assert job.result["labels_created"] == ["PER", "LOC", "politics", "ORG"]
    assert job.result["categories"] == 1 and job.result["relations"] == 1
    assert job.result["relation_types_created"] == ["works_for"]
    assert job.result["relations_left_out"] == 0
    assert job.result["skipped"] == {"cancelled annotation": 1}


def test_the_api_refuses_a_create_labels_that_is_not_a_boolean(newsroom):
    client = APIClient()
    client.force_authenticate(newsroom.memberships.get(user__username="manager").user)
    url = f"/api/projects/{newsroom.pk}/imports/"
    form = {"files": [upload(LS_SNAPSHOT)], "create_labels": "perhaps"}
    response = client.post(url, form, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"create_labels": ["Must be a valid boolean."]}
    assert not Job.objects.exists()


def test_an_import_costs_the_same_queries_whatever_the_number_of_documents(
    newsroom, tmp_path, django_assert_max_num_queries
):
    """Statements do not grow with the documents, spans or comments of an export: 24 for
    10 documents and 29 for 400 on SQLite, 27 and 34 on PostgreSQL (35 for 4,000); the
    400 reuse the first 10, whose layers are locked and read."""
    manager = newsroom.memberships.get(user__username="manager").user
    records = list(read_path(PER_USER))
    import_records(project=newsroom, records=records, uploader=manager, create_labels=True)
    for size in (10, 400):
        lines = [
            f'{{"id": {n}, "text": "Kim {n} 🚀 met Putin.", "label": [[0, 3, "PER"]], '
            f'"Comments": ["note {n}"]}}'
            for n in range(size)
        ]
        path = tmp_path / f"ann2-{size}.jsonl"
        path.write_text("\n".join(lines), encoding="utf-8")
        # 37: with the stored disputes' lookup for the documents it adds spans to.
        with django_assert_max_num_queries(37):
            import_records(project=newsroom, records=list(read_path(path)), uploader=manager)
