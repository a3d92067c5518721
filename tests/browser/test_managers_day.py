"""End to end: a manager's whole day in Margin's own pages, never an /admin/ URL — create
a project, three labels, members; import three files at once as a background job and
watch it finish; find documents, assign every match across pages; watch the team's
progress on the table and the dashboard."""

import json

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from annotator.models import DocumentStatus, Project, Role
from annotator.services import document_complete
from tests.jobs.conftest import run_worker


@pytest.fixture
def team(transactional_db):
    users = get_user_model().objects
    maria = users.create_user("maria", password="pw-maria-123", is_staff=True)
    carol = users.create_user("carol", password="pw-carol-123")
    dave = users.create_user("dave", password="pw-dave-123")
    return maria, carol, dave


def import_files() -> list[dict]:
    """Three files: two .txt reports and a JSONL of 60 drone sightings (more than a page)."""
    sightings = "\n".join(
        json.dumps({"title": f"Drone sighting {n:02}", "text": f"A drone crossed at post {n}."})
        for n in range(60)
    )
    return [
        {"name": "border.txt", "mimeType": "text/plain", "buffer": b"Quiet night at the border."},
        {"name": "harbour.txt", "mimeType": "text/plain", "buffer": b"Two ships left harbour."},
        {"name": "sightings.jsonl", "mimeType": "application/jsonl", "buffer": sightings.encode()},
    ]


def test_a_managers_day_without_the_admin(page, sign_in, team, settings):
    _, carol, _ = team
    settings.IMPORT_IN_REQUEST_MAX_BYTES = 100  # these files make a background job
    visited = []
    page.on("request", lambda request: visited.append(request.url))
    sign_in("maria", "pw-maria-123")

    # A project and three labels.
    page.click("text=New project")
    page.fill("#id_name", "Border watch")
    page.fill("#id_annotators_per_document", "1")
    page.click("text=Create the project")
    page.wait_for_selector("text=Now add its labels.")
    project = Project.objects.get(name="Border watch")
    for name, key in [("DRONE", "d"), ("PLACE", "p"), ("VESSEL", "v")]:
        page.fill("#id_new-name", name)
        page.fill("#id_new-shortcut", key)
        page.click("button:has-text('Add label')")
        page.wait_for_selector(f"text=Label {name} added.")

    # Two annotators.
    page.click("nav[aria-label='Manage the project'] >> text=Members")
    for username in ("carol", "dave"):
        page.fill("#id_username", username)
        page.select_option("#id_role", "annotator")
        page.click("button:has-text('Add member')")
        page.wait_for_selector(f"text={username} added as annotator.")

    # Three files at once; the job's progress bar fills once a worker has run it.
    page.goto(f"/projects/{project.pk}/")
    page.get_by_role("link", name="Import").click()
    page.set_input_files("#id_files", import_files())
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#job")).to_contain_text("Waiting for a worker")
    run_worker()
    expect(page.locator("#job-result")).to_have_text("Imported 62 documents and 0 spans.")
    expect(page.locator("#job-progress")).to_have_attribute("value", "100")

    # Find the sightings (two pages of them) and give every match to carol.
    page.goto(f"/projects/{project.pk}/")
    expect(page.locator("#match-count")).to_have_text("62 documents")
    page.fill("#id_q", "drone")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#match-count")).to_have_text("60 documents match")
    expect(page.locator("table.documents tbody tr")).to_have_count(50)
    page.select_option("#assign-user", "carol")
    page.check("input[name=matching]")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Assigned 60 document(s) to carol.")).to_be_visible()
    assert DocumentStatus.objects.filter(project=project, user=carol).count() == 60

    # Nobody has the two reports yet: the filter finds them.
    page.goto(f"/projects/{project.pk}/")
    page.select_option("#id_assignee", "none")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#match-count")).to_have_text("2 documents match")

    # carol finishes one; the table and the dashboard show it.
    first = project.documents.get(title="Drone sighting 00")
    document_complete(project=project, document=first, user=carol)
    page.goto(f"/projects/{project.pk}/")
    page.select_option("#id_assignee", str(carol.pk))
    page.select_option("#id_status", "complete")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#match-count")).to_have_text("1 document matches")
    expect(page.locator("table.documents tbody")).to_contain_text("carol Complete")
    page.get_by_role("link", name="Dashboard").click()
    carol_row = page.locator("tr", has_text="carol")
    expect(carol_row.locator("progress")).to_have_attribute("value", "2")  # 1 of 60

    assert project.memberships.get(user=carol).role == Role.ANNOTATOR
    assert not [url for url in visited if "/admin/" in url]
    assert page.problems == []
