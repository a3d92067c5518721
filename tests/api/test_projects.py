"""Projects, labels and members through the API."""

import pytest
from django.urls import reverse

from annotator.models import Label, Membership, Project, Role


def labels_url(world) -> str:
    return reverse("api:label-list", kwargs={"project_pk": world.project.pk})


def label_url(world, label) -> str:
    return reverse("api:label-detail", kwargs={"project_pk": world.project.pk, "pk": label.pk})


def members_url(world) -> str:
    return reverse("api:member-list", kwargs={"project_pk": world.project.pk})


def member_url(world, username: str) -> str:
    return reverse(
        "api:member-detail", kwargs={"project_pk": world.project.pk, "username": username}
    )


def test_the_creator_of_a_project_becomes_its_manager(world, client_for):
    body = {"name": "Missiles", "allow_overlap": True, "annotators_per_document": 2}
    response = client_for("manager").post(reverse("api:project-list"), body, format="json")

    assert response.status_code == 201
    assert response.json()["role"] == "manager"
    project = Project.objects.get(pk=response.json()["id"])
    assert (project.allow_overlap, project.annotators_per_document) == (True, 2)
    assert project.memberships.get().user == world.people["manager"]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"name": None}, "name"),
        ({"annotators_per_document": 0}, "annotators_per_document"),
        ({"annotators_per_document": "two"}, "annotators_per_document"),
        ({"annotators_per_document": 10**9}, "annotators_per_document"),
        ({"allow_overlap": "perhaps"}, "allow_overlap"),
        ({"description": ["x"]}, "description"),
        ({"guidelines": {"md": "x"}}, "guidelines"),
    ],
)
def test_bad_project_fields_are_refused(world, client_for, bad, field):
    count = Project.objects.count()
    response = client_for("manager").post(
        reverse("api:project-list"), {"name": "P", **bad}, format="json"
    )

    assert response.status_code == 400
    assert response.json()[field]
    assert Project.objects.count() == count


def test_a_project_shows_its_labels_role_and_counts(world, client_for):
    body = client_for("alice").get(reverse("api:project-detail", args=[world.project.pk])).json()

    assert [label["name"] for label in body["labels"]] == ["WEAPONS", "PERSON", "LOCATION", "SPARE"]
    assert body["role"] == "annotator"
    assert body["counts"] == {"documents": 2, "members": 4, "complete": 0}


def test_the_project_list_holds_only_my_projects(world, client_for):
    def names(role: str) -> list[str]:
        response = client_for(role).get("/api/projects/")
        return [project["name"] for project in response.json()["results"]]

    assert names("alice") == ["Arms"]
    assert names("outsider") == ["Elsewhere"]
    assert names("root") == ["Arms", "Elsewhere"]


def test_a_manager_adds_a_label(world, client_for):
    body = {"name": "MISSILE", "color": "#006600", "shortcut": "m", "description": "Rockets"}
    response = client_for("manager").post(labels_url(world), body, format="json")

    assert response.status_code == 201
    label = Label.objects.get(pk=response.json()["id"])
    assert (label.project, label.name, label.shortcut) == (world.project, "MISSILE", "m")
    assert label.order > world.spare.order  # appended at the end


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"name": "WEAPONS"}, "name"),
        ({"name": "TWO WORDS"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "L" * 101}, "name"),
        ({"name": ["A"]}, "name"),
        ({"order": 2**31}, "order"),
        ({"color": "red"}, "color"),
        ({"color": "#12345"}, "color"),
        ({"shortcut": "1"}, "shortcut"),
        ({"shortcut": "ab"}, "shortcut"),
        ({"description": "d" * 501}, "description"),
        ({"order": -1}, "order"),
    ],
)
def test_bad_label_fields_are_refused(world, client_for, bad, field):
    count = Label.objects.count()
    response = client_for("manager").post(labels_url(world), {"name": "NEW", **bad}, format="json")

    assert response.status_code == 400
    assert response.json()[field]
    assert Label.objects.count() == count


def test_a_label_may_be_renamed_but_not_to_a_taken_name(world, client_for):
    manager = client_for("manager")

    renamed = manager.patch(label_url(world, world.spare), {"name": "RESERVE"}, format="json")
    taken = manager.patch(label_url(world, world.spare), {"name": "PERSON"}, format="json")

    assert renamed.status_code == 200 and renamed.json()["name"] == "RESERVE"
    assert taken.status_code == 400 and taken.json()["name"]


def test_deleting_a_label_that_spans_use_is_a_conflict(world, client_for):
    response = client_for("manager").delete(label_url(world, world.weapons))

    assert response.status_code == 409
    assert "WEAPONS" in response.json()["detail"]
    assert Label.objects.filter(pk=world.weapons.pk).exists()


def test_a_manager_adds_a_member_and_changes_their_role(world, client_for):
    manager = client_for("manager")

    added = manager.post(members_url(world), {"username": "outsider"}, format="json")
    changed = manager.post(
        members_url(world), {"username": "outsider", "role": "reviewer"}, format="json"
    )

    assert added.status_code == 201 and added.json() == {
        "username": "outsider",
        "role": "annotator",
    }
    assert changed.status_code == 200 and changed.json()["role"] == "reviewer"
    assert world.project.memberships.get(user__username="outsider").role == Role.REVIEWER


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "ghost"}, "username"),
        ({"username": 12}, "username"),
        ({"username": "outsider", "role": "owner"}, "role"),
        ({"role": "annotator"}, "username"),
    ],
)
def test_bad_member_fields_are_refused(world, client_for, body, field):
    count = Membership.objects.count()
    response = client_for("manager").post(members_url(world), body, format="json")

    assert response.status_code == 400
    assert response.json()[field]
    assert Membership.objects.count() == count


def test_the_last_manager_cannot_step_down_or_leave(world, client_for):
    manager = client_for("manager")

    demoted = manager.patch(member_url(world, "manager"), {"role": "annotator"}, format="json")
    removed = manager.delete(member_url(world, "manager"))

    assert demoted.status_code == 400 and demoted.json()["role"]
    assert removed.status_code == 400
    assert world.project.memberships.get(user__username="manager").role == Role.MANAGER


def test_members_are_listed_by_username(world, client_for):
    rows = client_for("alice").get(members_url(world)).json()["results"]

    assert rows == [
        {"username": "alice", "role": "annotator"},
        {"username": "bob", "role": "annotator"},
        {"username": "manager", "role": "manager"},
        {"username": "reviewer", "role": "reviewer"},
    ]


def test_agreement_has_the_contract_keys(world, client_for):
    response = client_for("reviewer").get(reverse("api:project-agreement", args=[world.project.pk]))

    assert response.status_code == 200
    assert {"documents", "krippendorff_alpha", "pairwise", "per_label"} <= set(response.json())


def test_a_new_project_comes_with_its_labels_checked_as_the_labels_page_checks_them(
    world, client_for
):
    body = {
        "name": "Missiles",
        "labels": [
            {"name": "WEAPONS", "shortcut": "1"},
            {"name": "LOCATION", "shortcut": "2", "color": "#1d4ed8"},
        ],
    }
    response = client_for("manager").post(reverse("api:project-list"), body, format="json")
    assert response.status_code == 201, response.json()
    labels = response.json()["labels"]
    assert [(label["name"], label["shortcut"]) for label in labels] == [
        ("WEAPONS", "1"),
        ("LOCATION", "2"),
    ]
    assert labels[0]["color"].startswith("#") and labels[1]["color"] == "#1d4ed8"


@pytest.mark.parametrize(
    "labels, field",
    [
        ([{"name": "WEAPONS"}, {"name": "weapons"}], "name"),  # the same name twice
        ([{"name": "WEAPONS", "shortcut": "["}], "shortcut"),  # a key the workspace uses
        ([{"name": "WEAPONS", "color": "#eeeeee"}], "color"),  # white text unreadable on it
        ([{"name": ""}], "name"),
        ("WEAPONS", "non_field_errors"),  # not a list
    ],
)
def test_a_new_project_with_a_bad_label_is_refused_whole(world, client_for, labels, field):
    before = Project.objects.count()
    body = {"name": "Missiles", "labels": labels}
    response = client_for("manager").post(reverse("api:project-list"), body, format="json")
    assert response.status_code == 400
    assert field in str(response.json()["labels"])
    assert Project.objects.count() == before  # nothing half-made


def test_a_label_after_one_at_the_last_place_takes_that_place_too(world, client_for):
    """Found by schemathesis on PostgreSQL: a label at order 2**31 - 1, then one without an
    order, asked the database to store 2**31 (a 500, "integer out of range")."""
    manager = client_for("manager")
    last = {"name": "LAST", "order": 2**31 - 1}
    assert manager.post(labels_url(world), last, format="json").status_code == 201
    response = manager.post(labels_url(world), {"name": "AFTER"}, format="json")
    assert response.status_code == 201 and response.json()["order"] == 2**31 - 1
    too_far = {"name": "BEYOND", "order": 2**31}
    assert manager.post(labels_url(world), too_far, format="json").status_code == 400
