"""End to end: a manager sets a project up in Margin's own pages, never the admin."""

import pytest
from django.contrib.auth import get_user_model

from annotator.models import Membership, Project, Role


@pytest.fixture
def staff(transactional_db):
    users = get_user_model().objects
    manager = users.create_user("maria", password="pw-maria-123", is_staff=True)
    carol = users.create_user("carol", password="pw-carol-123")
    # carol worked with maria before, so her name is suggested.
    earlier = Project.objects.create(name="Earlier")
    Membership.objects.create(project=earlier, user=manager, role=Role.MANAGER)
    Membership.objects.create(project=earlier, user=carol)
    return manager


def label_names(page) -> list[str]:
    return page.locator("#label-list .label-summary .chip").all_inner_texts()


def test_a_manager_sets_up_a_project_without_the_admin(page, sign_in, staff):
    visited = []
    page.on("request", lambda request: visited.append(request.url))
    sign_in("maria", "pw-maria-123")

    page.click("text=New project")
    page.fill("#id_name", "Drone sightings")
    page.fill("#id_description", "Reports of drones over the border.")
    page.fill("#id_guidelines", "Tag **every** drone.")
    page.click("text=Preview the guidelines")
    page.wait_for_selector("#guidelines-preview strong:has-text('every')")
    page.fill("#id_annotators_per_document", "2")
    page.click("text=Create the project")
    page.wait_for_selector("text=Now add its labels.")
    project = Project.objects.get(name="Drone sightings")
    assert project.annotators_per_document == 2

    # Three labels: the first two take the palette's colours, the third one picked by hand.
    for name, key in [("DRONE", "d"), ("PLACE", "p")]:
        page.fill("#id_new-name", name)
        page.fill("#id_new-shortcut", key)
        page.click("button:has-text('Add label')")
        page.wait_for_selector(f"text=Label {name} added.")
    page.fill("#id_new-name", "OPERATOR")
    page.fill("#id_new-color", "#007788")
    page.fill("#id_new-shortcut", "[")
    page.click("button:has-text('Add label')")
    # A key the workspace keeps is refused in words, next to the field.
    assert "The workspace already uses [" in page.inner_text("#id_new-shortcut_error")
    page.fill("#id_new-shortcut", "o")
    page.click("button:has-text('Add label')")
    page.wait_for_selector("text=Label OPERATOR added.")
    colours = dict(project.labels.values_list("name", "color"))
    assert colours["OPERATOR"] == "#007788"
    assert len(set(colours.values())) == 3
    assert label_names(page) == ["DRONE", "PLACE", "OPERATOR"]

    # Reorder by keyboard: the focused button keeps the focus across htmx swaps.
    operator = project.labels.get(name="OPERATOR")
    page.wait_for_load_state("load")  # htmx wired up (without it, the forms post plainly)
    page.focus(f"#up-{operator.pk}")
    page.keyboard.press("Enter")
    page.wait_for_selector("#label-status:has-text('OPERATOR moved up.')")
    assert page.evaluate("() => document.activeElement.id") == f"up-{operator.pk}"
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#label-list .chip').textContent === 'OPERATOR'"
    )
    assert label_names(page) == ["OPERATOR", "DRONE", "PLACE"]
    assert list(project.labels.order_by("order").values_list("name", flat=True)) == [
        "OPERATOR",
        "DRONE",
        "PLACE",
    ]

    # A member, from the suggestions.
    page.click("nav[aria-label='Manage the project'] >> text=Members")
    page.fill("#id_username", "ca")
    page.wait_for_selector("#username-suggestions option[value=carol]", state="attached")
    page.fill("#id_username", "carol")
    page.select_option("#id_role", "annotator")
    page.click("button:has-text('Add member')")
    page.wait_for_selector("text=carol added as annotator.")
    assert Membership.objects.get(project=project, user__username="carol").role == Role.ANNOTATOR

    assert not [url for url in visited if "/admin/" in url]
    assert page.problems == []
