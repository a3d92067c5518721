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


def test_the_labels_page_manages_relation_types(
    manager, project, kinds, django_assert_max_num_queries
):
    url = reverse("manage_labels", args=[project.pk])
    person, weapons = project.labels.get(name="PERSON"), project.labels.get(name="WEAPONS")
    page = manager.get(url).content.decode()
    form = page[page.index('id="relation-types-title"') :]
    assert "TRANSFER" not in form.split("</form>")[0]  # document labels are not span ends

    response = manager.post(
        reverse("relation_type_add", args=[project.pk]),
        {
            "rel-name": "SUPPLIES",
            "rel-source_labels": [person.pk],
            "rel-target_labels": [weapons.pk],
            "rel-directed": "on",
        },
    )
    assert response.status_code == 302
    supplies = project.relation_types.get()
    assert [label.name for label in supplies.source_labels.all()] == ["PERSON"]
    with django_assert_max_num_queries(14):
        page = manager.get(url).content.decode()
    assert "<strong>SUPPLIES</strong>:" in page and "PERSON" in page

    again = manager.post(reverse("relation_type_add", args=[project.pk]), {"rel-name": "supplies"})
    assert (
        again.status_code == 200
        and "already has a relation type SUPPLIES" in again.content.decode()
    )

    deleted = manager.post(reverse("relation_type_delete", args=[project.pk, supplies.pk]))
    assert deleted.status_code == 302 and not project.relation_types.exists()
