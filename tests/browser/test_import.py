"""End to end: a manager imports three files at once; the import runs as a job in a real
worker while the page's progress bar polls, then shows what was imported and stops polling."""

import io
import json
import zipfile

import pytest
from playwright.sync_api import expect

from tests.jobs.conftest import run_worker

TEXT = "Kim Jong Un inspected artillery shells."


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def files() -> list[dict]:
    start = TEXT.index("artillery")
    native = {"text": TEXT, "spans": [{"start": start, "end": start + 16, "label": "WEAPONS"}]}
    return [
        {"name": "kim.txt", "mimeType": "text/plain", "buffer": b"Kim arrived by train."},
        {"name": "native.jsonl", "mimeType": "application/jsonl", "buffer": json.dumps(native)},
        {
            "name": "more.zip",
            "mimeType": "application/zip",
            "buffer": zip_of({"a/putin.txt": b"Putin waited.", "b.txt": b"They met."}),
        },
    ]


def test_a_large_import_runs_as_a_job_with_a_progress_bar(
    page, sign_in, transactional_db, project, people, settings, files
):
    settings.IMPORT_IN_REQUEST_MAX_BYTES = 20  # these three files make a "large" import
    for file in files:
        if isinstance(file["buffer"], str):
            file["buffer"] = file["buffer"].encode()
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/import/jobs/" in r.url else None)

    sign_in("manager", "pw-manager-123")
    page.goto(f"/projects/{project.pk}/")
    page.get_by_role("link", name="Import").click()
    page.set_input_files("#id_files", files)
    page.get_by_role("button", name="Import").click()

    bar = page.locator("#job-progress")
    expect(bar).to_have_attribute("value", "0")
    expect(page.locator("#job")).to_contain_text("Waiting for a worker")
    page.wait_for_timeout(1500)
    assert polls, "the page polls the job while it is queued"

    run_worker()

    # The page's default: the files' spans become suggestions for everyone.
    expect(page.locator("#job-result")).to_have_text(
        "Imported 4 documents, 0 spans and 1 suggestion."
    )
    expect(bar).to_have_attribute("value", "100")
    stopped_at = len(polls)
    page.wait_for_timeout(2500)
    assert len(polls) == stopped_at, "polling stops once the job is done"
    assert project.documents.count() == 4
    assert sorted(project.documents.values_list("title", flat=True)) == [
        "",
        "b",
        "kim",
        "putin",
    ]
    assert page.problems == []


def test_a_refused_import_lists_its_problems(page, sign_in, transactional_db, project, people):
    sign_in("manager", "pw-manager-123")
    page.goto(f"/projects/{project.pk}/import/")
    page.set_input_files(
        "#id_files",
        [
            {"name": "ok.txt", "mimeType": "text/plain", "buffer": b"Fine."},
            {
                "name": "evil.zip",
                "mimeType": "application/zip",
                "buffer": zip_of({"../x.txt": b"x"}),
            },
        ],
    )
    page.get_by_role("button", name="Import").click()
    problems = page.locator("#import-problems")
    expect(problems).to_contain_text("Import refused: 1 problem; nothing was stored.")
    expect(problems.locator("li")).to_have_text(
        ["evil.zip/../x.txt: a path outside the archive (absolute or with ..): refused for safety"]
    )
    assert project.documents.count() == 0
