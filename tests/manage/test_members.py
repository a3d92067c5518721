"""Members: added by username (with suggestions that leak no stranger's name), their role
set, removed; a project keeps a manager."""

import pytest
from django.urls import reverse

from annotator.models import Membership, Project, Role
from annotator.services import NEEDS_A_MANAGER


def members_url(project) -> str:
    return reverse("manage_members", args=[project.pk])


def role_of(project, user) -> str | None:
    membership = Membership.objects.filter(project=project, user=user).first()
    return membership.role if membership else None


def test_a_manager_adds_a_member_by_username(manager, project, make_user):
    carol = make_user("carol")
    response = manager.post(members_url(project), {"username": " carol ", "role": "reviewer"})
    assert response.status_code == 302
    assert role_of(project, carol) == Role.REVIEWER


def test_an_unknown_username_is_refused_next_to_the_field(manager, project):
    response = manager.post(members_url(project), {"username": "nobody", "role": "annotator"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is no account called “nobody”." in page
    assert 'id="id_username_error"' in page


def test_adding_a_member_twice_says_to_change_the_role_instead(manager, project, people):
    response = manager.post(members_url(project), {"username": "alice", "role": "manager"})
    assert response.status_code == 200
    assert "alice is already a member: change their role below." in response.content.decode()
    assert role_of(project, people["alice"]) == Role.ANNOTATOR


def test_a_role_that_is_not_one_is_refused(manager, project, make_user):
    make_user("carol")
    response = manager.post(members_url(project), {"username": "carol", "role": "owner"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_manager_changes_a_role_and_removes_a_member(manager, project, people):
    alice = Membership.objects.get(project=project, user=people["alice"])
    url = reverse("member_role", args=[project.pk, alice.pk])
    assert manager.post(url, {f"member-{alice.pk}-role": "reviewer"}).status_code == 302
    assert role_of(project, people["alice"]) == Role.REVIEWER
    response = manager.post(reverse("member_remove", args=[project.pk, alice.pk]), follow=True)
    assert "alice removed from the project (their spans stay)." in response.content.decode()
    assert role_of(project, people["alice"]) is None


def test_the_last_manager_cannot_step_down(manager, project, people):
    me = Membership.objects.get(project=project, user=people["manager"])
    url = reverse("member_role", args=[project.pk, me.pk])
    response = manager.post(url, {f"member-{me.pk}-role": "annotator"})
    assert response.status_code == 200
    assert NEEDS_A_MANAGER in response.content.decode()
    assert role_of(project, people["manager"]) == Role.MANAGER


def test_the_last_manager_cannot_be_removed(manager, project, people):
    me = Membership.objects.get(project=project, user=people["manager"])
    response = manager.post(reverse("member_remove", args=[project.pk, me.pk]), follow=True)
    assert f"manager stays: {NEEDS_A_MANAGER}" in response.content.decode()
    assert role_of(project, people["manager"]) == Role.MANAGER


def test_with_a_second_manager_the_first_may_step_down(manager, project, people):
    reviewer = Membership.objects.get(project=project, user=people["reviewer"])
    manager.post(
        reverse("member_role", args=[project.pk, reviewer.pk]),
        {f"member-{reviewer.pk}-role": "manager"},
    )
    me = Membership.objects.get(project=project, user=people["manager"])
    response = manager.post(reverse("member_remove", args=[project.pk, me.pk]))
    assert response.status_code == 302
    assert role_of(project, people["manager"]) is None


def test_a_member_of_another_project_is_not_found_through_this_one(manager, project, people):
    other = Project.objects.create(name="Other")
    theirs = Membership.objects.create(project=other, user=people["outsider"])
    response = manager.post(reverse("member_remove", args=[project.pk, theirs.pk]))
    assert response.status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()


# Suggestions


def suggestions(client, project, typed: str) -> list[str]:
    response = client.get(
        reverse("member_suggestions", args=[project.pk]),
        {"username": typed},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    return [part.split('"')[0] for part in page.split('<option value="')[1:]]


@pytest.fixture
def colleagues(project, people, make_user):
    """carol and caroline work with the manager on another project; cara is a stranger."""
    other = Project.objects.create(name="Other")
    Membership.objects.create(project=other, user=people["manager"], role=Role.MANAGER)
    for name in ["carol", "caroline"]:
        Membership.objects.create(project=other, user=make_user(name))
    make_user("cara")  # in no project of the manager's
    return other


def test_suggestions_need_two_typed_characters(manager, project, colleagues):
    assert suggestions(manager, project, "c") == []
    assert suggestions(manager, project, "ca") == ["carol", "caroline"]


def test_suggestions_are_only_people_the_manager_works_with(manager, project, colleagues):
    assert "cara" not in suggestions(manager, project, "car")


def test_suggestions_leave_out_the_projects_members(manager, project, colleagues, people):
    Membership.objects.create(project=colleagues, user=people["alice"])
    assert suggestions(manager, project, "al") == []


def test_a_superuser_is_suggested_any_account(as_user, project, colleagues):
    assert suggestions(as_user("root"), project, "car") == ["cara", "carol", "caroline"]


def test_suggestions_are_bounded(manager, project, colleagues, make_user):
    for number in range(20):
        Membership.objects.create(project=colleagues, user=make_user(f"carter{number:02}"))
    assert len(suggestions(manager, project, "ca")) == 8


def test_a_stranger_can_still_be_added_by_their_exact_username(manager, project, colleagues):
    response = manager.post(members_url(project), {"username": "cara", "role": "annotator"})
    assert response.status_code == 302


@pytest.mark.parametrize("count", [4, 40])
def test_the_members_page_runs_a_bounded_number_of_queries(
    manager, project, make_user, count, django_assert_max_num_queries
):
    for number in range(count - 4):
        Membership.objects.create(project=project, user=make_user(f"analyst{number:02}"))
    with django_assert_max_num_queries(6):
        response = manager.get(members_url(project))
    assert response.status_code == 200
    assert response.content.decode().count("Change role</button>") == count
