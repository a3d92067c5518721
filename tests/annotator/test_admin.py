import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotator.models import Project, Span
from annotator.services import span_create
from corpus.models import Document


@pytest.fixture
def tagged(project, document, weapons, people):
    return span_create(
        project=project, document=document, annotator=people["alice"], label=weapons, start=0, end=2
    )


ADMIN_PAGES = [
    "admin:index",
    "admin:annotator_project_changelist",
    "admin:annotator_label_changelist",
    "admin:annotator_membership_changelist",
    "admin:annotator_span_changelist",
    "admin:annotator_documentstatus_changelist",
    "admin:corpus_document_changelist",
    "admin:annotator_project_add",
]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_render_for_a_superuser(client, people, tagged, name):
    client.force_login(people["root"])
    assert client.get(reverse(name)).status_code == 200


def test_change_pages_render_with_inlines(client, people, tagged, project, document):
    client.force_login(people["root"])
    page = client.get(reverse("admin:annotator_project_change", args=[project.pk]))
    assert page.status_code == 200 and b"WEAPONS" in page.content and b"alice" in page.content
    page = client.get(reverse("admin:corpus_document_change", args=[document.pk]))
    assert page.status_code == 200
    # The span shows on the document, read-only; the text is locked because spans point into it.
    assert b"WEAPONS" in page.content
    assert b'name="text"' not in page.content


def test_a_manager_sees_only_their_projects_in_the_admin(client, people, tagged, project):
    hidden = Project.objects.create(name="Secret project")
    client.force_login(people["manager"])
    page = client.get(reverse("admin:annotator_project_changelist"))
    assert page.status_code == 200
    assert b"Arms" in page.content and b"Secret project" not in page.content
    assert (
        client.get(reverse("admin:annotator_project_change", args=[hidden.pk])).status_code == 302
    )


def test_admin_import_stores_an_uploaded_jsonl(client, people, project):
    client.force_login(people["root"])
    upload = SimpleUploadedFile(
        "docs.jsonl", b'{"text": "Kim met Putin", "label": [[0, 3, "PERSON"]]}\n'
    )
    url = reverse("admin:annotator_project_import", args=[project.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"file": upload})
    assert response.status_code == 302
    assert project.documents.get().text == "Kim met Putin"
    assert Span.objects.get().annotator == people["root"]


def test_admin_import_refuses_a_bad_file_and_stores_nothing(client, people, project):
    client.force_login(people["root"])
    upload = SimpleUploadedFile(
        "docs.jsonl", b'{"text": "ok"}\n{"text": "abc", "label": [[0, 99, "PERSON"]]}\n'
    )
    response = client.post(
        reverse("admin:annotator_project_import", args=[project.pk]), {"file": upload}
    )
    assert response.status_code == 200
    assert b"docs.jsonl:2" in response.content and b"past the end" in response.content
    assert not Document.objects.exists()


def test_an_annotator_has_no_admin(client, people):
    client.force_login(people["alice"])
    assert client.get(reverse("admin:index")).status_code == 302
