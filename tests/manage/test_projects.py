"""Creating a project and changing its settings in Margin's pages."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from annotator.models import Membership, Project, Role

NEW = {
    "name": "Drones",
    "description": "Drone deliveries.",
    "guidelines": "Tag **drones**.",
    "allow_overlap": "on",
    "annotators_per_document": "2",
}


def test_staff_create_a_project_and_become_its_manager(manager, people):
    response = manager.post(reverse("project_new"), NEW)
    project = Project.objects.get(name="Drones")
    assert response.status_code == 302
    assert response["Location"] == reverse("manage_labels", args=[project.pk])
    assert (project.allow_overlap, project.annotators_per_document) == (True, 2)
    assert project.created_by == people["manager"]
    membership = Membership.objects.get(project=project)
    assert (membership.user, membership.role) == (people["manager"], Role.MANAGER)


def test_the_home_page_offers_new_project_to_those_allowed_only(as_user):
    assert "New project" in as_user("manager").get("/").content.decode()
    assert "New project" not in as_user("alice").get("/").content.decode()


def test_without_the_permission_a_user_may_not_create_projects(as_user):
    alice = as_user("alice")
    assert alice.get(reverse("project_new")).status_code == 403
    assert alice.post(reverse("project_new"), NEW).status_code == 403
    assert not Project.objects.filter(name="Drones").exists()


def test_the_add_project_permission_lets_a_non_staff_user_create(as_user, people):
    people["alice"].user_permissions.add(Permission.objects.get(codename="add_project"))
    alice = as_user("alice")
    assert "New project" in alice.get("/").content.decode()
    assert alice.post(reverse("project_new"), NEW).status_code == 302
    assert Membership.objects.get(project__name="Drones").user == people["alice"]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("name", "  ", "Give the project a name."),
        ("annotators_per_document", "0", "At least one annotator must tag each document."),
        ("annotators_per_document", "5000", "At most 1,000 annotators per document."),
        ("annotators_per_document", "two", "Give a whole number, e.g. 2."),
    ],
)
def test_bad_settings_are_refused_next_to_their_field(manager, field, value, words):
    response = manager.post(reverse("project_new"), {**NEW, field: value})
    assert response.status_code == 200
    page = response.content.decode()
    assert words in page and f'id="id_{field}_error"' in page
    assert not Project.objects.filter(name="Drones").exists()


def test_a_manager_changes_the_settings(manager, project):
    url = reverse("project_settings", args=[project.pk])
    response = manager.post(url, {**NEW, "name": "Arms 2", "allow_overlap": ""})
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.guidelines, project.allow_overlap) == (
        "Arms 2",
        "Tag **drones**.",
        False,
    )
    # Labels, documents and members stay.
    assert project.labels.count() == 3 and project.memberships.count() == 4


def test_the_project_page_links_settings_for_managers_only(as_user, project):
    url = reverse("project", args=[project.pk])
    settings = reverse("project_settings", args=[project.pk])
    assert settings in as_user("manager").get(url).content.decode()
    assert settings not in as_user("reviewer").get(url).content.decode()
    assert "/admin/" not in as_user("manager").get(url).content.decode().split("<main")[1]


@pytest.mark.parametrize(("who", "status"), [("alice", 403), ("reviewer", 403), ("outsider", 404)])
def test_only_managers_change_settings(as_user, project, who, status):
    url = reverse("project_settings", args=[project.pk])
    assert as_user(who).post(url, {**NEW, "name": "Taken"}).status_code == status
    project.refresh_from_db()
    assert project.name == "Arms"


def test_the_preview_renders_markdown_safely(manager):
    response = manager.post(
        reverse("guidelines_preview"),
        {"guidelines": "## Tag\n\n**weapons** <script>alert(1)</script> [x](javascript:alert(1))"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert page.startswith('<section id="guidelines-preview"')
    assert "<h2>Tag</h2>" in page and "<strong>weapons</strong>" in page
    assert "<script" not in page and "javascript:" not in page


def test_an_empty_preview_says_so(manager):
    response = manager.post(reverse("guidelines_preview"), {"guidelines": ""})
    assert "Nothing to preview" in response.content.decode()


def test_the_settings_page_runs_a_bounded_number_of_queries(
    manager, project, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        assert manager.get(reverse("project_settings", args=[project.pk])).status_code == 200


def test_a_manager_sets_the_model_settings_on_the_settings_page(manager, project):
    url = reverse("project_settings", args=[project.pk])
    page = manager.get(url).content.decode()
    assert 'name="train_every"' in page and 'name="order"' in page
    assert '<label for="id_random_fraction">' in page
    body = {**NEW, "train_every": "20", "order": "uncertainty", "random_fraction": "0.2"}
    assert manager.post(url, body).status_code == 302
    project.refresh_from_db()
    assert (project.train_every, project.order, project.random_fraction) == (20, "uncertainty", 0.2)
    # A form without them (an older page, a script) leaves them as they are.
    assert manager.post(url, NEW).status_code == 302
    project.refresh_from_db()
    assert (project.train_every, project.order, project.random_fraction) == (20, "uncertainty", 0.2)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("train_every", "-1", "Give 0 (never) or a number of documents, e.g. 20."),
        ("train_every", "ten", "Give a whole number of documents, e.g. 20."),
        ("random_fraction", "1.5", "Give a share from 0 to 1, e.g. 0.1."),
        ("random_fraction", "nan", "Give a share from 0 to 1, e.g. 0.1."),
        ("order", "random", "Select a valid choice."),
    ],
)
def test_bad_model_settings_are_refused_next_to_their_field(manager, project, field, value, words):
    url = reverse("project_settings", args=[project.pk])
    response = manager.post(url, {**NEW, field: value})
    assert response.status_code == 200
    page = response.content.decode()
    assert words in page and f'id="id_{field}_error"' in page
    project.refresh_from_db()
    assert (project.train_every, project.order, project.random_fraction) == (0, "sequential", 0.1)
