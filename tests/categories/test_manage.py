"""Managers choose a label's kind on the labels page and the document_labels setting on
the settings page."""

import pytest
from django.urls import reverse

from annotator.models import DocumentLabels, LabelKind


@pytest.fixture
def manager(client, people):
    client.force_login(people["manager"])
    return client


def test_the_labels_page_adds_a_document_label(manager, project):
    url = reverse("manage_labels", args=[project.pk])
    page = manager.get(url).content.decode()
    assert 'name="new-kind"' in page and 'value="document"' in page

    response = manager.post(
        url,
        {
            "new-name": "TRANSFER",
            "new-color": "#1d4ed8",
            "new-shortcut": "t",
            "new-kind": "document",
        },
    )

    assert response.status_code == 302
    label = project.labels.get(name="TRANSFER")
    assert label.kind == LabelKind.DOCUMENT
    assert "document label" in manager.get(url).content.decode()


def test_an_edit_without_kind_keeps_it_and_with_one_changes_it(manager, project, kinds):
    label = kinds["SUMMIT"]
    url = reverse("label_edit", args=[project.pk, label.pk])
    prefix = f"label-{label.pk}"
    values = {f"{prefix}-name": "SUMMIT", f"{prefix}-color": label.color, f"{prefix}-shortcut": "8"}

    assert manager.post(url, values).status_code == 302
    label.refresh_from_db()
    assert label.kind == LabelKind.DOCUMENT
    assert manager.post(url, {**values, f"{prefix}-kind": "span"}).status_code == 302
    label.refresh_from_db()
    assert label.kind == LabelKind.SPAN


def test_the_settings_page_sets_single(manager, project):
    url = reverse("project_settings", args=[project.pk])
    assert 'name="document_labels"' in manager.get(url).content.decode()
    form = {
        "name": project.name,
        "guidelines": project.guidelines,
        "annotators_per_document": 2,
        "document_labels": "single",
    }

    assert manager.post(url, form).status_code == 302
    project.refresh_from_db()
    assert project.document_labels == DocumentLabels.SINGLE
    # Not sent: it stays.
    assert manager.post(url, {**form, "document_labels": ""}).status_code == 302
    project.refresh_from_db()
    assert project.document_labels == DocumentLabels.SINGLE
