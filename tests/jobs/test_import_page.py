"""The Import page: several files at once, .zip archives, refusals by file and line, and a
large import followed as a job through htmx polling."""

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotator.jobs import Job
from annotator.models import DocumentStatus, Span
from annotator.suggestions import Suggestion
from corpus import importers
from corpus.models import Document

TEXT = "Kim Jong Un inspected artillery shells."


def zipped(members: dict[str, bytes], name: str = "corpus.zip") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in members.items():
            archive.writestr(path, data)
    return SimpleUploadedFile(name, buffer.getvalue())


def file(name: str, data: str | bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data.encode() if isinstance(data, str) else data)


@pytest.fixture
def manager(client, people):
    client.force_login(people["manager"])
    return client


@pytest.fixture
def url(project) -> str:
    return f"/projects/{project.pk}/import/"


def problems(response) -> list[str]:
    return [problem for problem in response.context["problems"]]


def test_the_page_offers_several_files(manager, url):
    response = manager.get(url)
    assert response.status_code == 200
    assert b'type="file" name="files" id="id_files" multiple' in response.content


def test_the_project_page_links_managers_to_it(manager, client, people, project, url):
    assert url.encode() in manager.get(f"/projects/{project.pk}/").content
    client.force_login(people["alice"])
    assert url.encode() not in client.get(f"/projects/{project.pk}/").content


def test_several_files_at_once_are_imported_in_the_request(manager, url, project, people):
    start = TEXT.index("artillery")
    native = {"text": TEXT, "spans": [{"start": start, "end": start + 16, "label": "WEAPONS"}]}
    doccano = {"text": "Putin met Kim.", "label": [[0, 5, "PERSON"]]}
    files = [
        file("one.txt", "A plain document."),
        file("native.jsonl", json.dumps(native)),
        file("doccano.jsonl", json.dumps(doccano)),
    ]
    response = manager.post(url, {"files": files, "spans_to": "layer"}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "Imported 3 documents and 2 spans." in response.content.decode()
    assert project.documents.count() == 3
    assert set(Span.objects.values_list("label__name", flat=True)) == {"WEAPONS", "PERSON"}
    assert not Job.objects.exists()  # small: no job


def test_spans_become_suggestions_by_default_or_go_to_a_chosen_layer(manager, url, project, people):
    start = TEXT.index("artillery")
    span = {"start": start, "end": start + 16, "label": "WEAPONS"}
    named = {"start": 0, "end": 3, "label": "PERSON", "annotator": "bob"}
    lines = [
        {"text": TEXT, "external_id": "one", "spans": [span, named]},
        {"text": "Putin met Kim.", "external_id": "two", "spans": [dict(span, end=5, start=0)]},
    ]
    data = "\n".join(json.dumps(line) for line in lines)
    response = manager.post(url, {"files": [file("news.jsonl", data)]}, follow=True)
    assert "Imported 2 documents, 1 span and 2 suggestions." in response.content.decode()
    assert list(Suggestion.objects.values_list("source", "start", "label__name")) == [
        ("import", start, "WEAPONS"),
        ("import", 0, "WEAPONS"),
    ]
    # The span that names its annotator went into bob's layer, as the file says.
    assert list(Span.objects.values_list("annotator__username", "start")) == [("bob", 0)]

    other = [{"text": "Kim left.", "spans": [{"start": 0, "end": 3, "label": "PERSON"}]}]
    response = manager.post(
        url,
        {
            "files": [file("alice.jsonl", json.dumps(other[0]))],
            "spans_to": "layer",
            "member": "alice",
        },
        follow=True,
    )
    assert "Imported 1 document and 1 span." in response.content.decode()
    assert Span.objects.filter(annotator=people["alice"], start=0, end=3).exists()


def test_spans_may_go_into_gold_checked_against_the_gold_there(
    manager, url, project, people, document, settings, worker
):
    start = TEXT.index("artillery")
    lines = [
        {
            "text": TEXT,
            "external_id": "one",
            "spans": [{"start": start, "end": start + 16, "label": "WEAPONS"}],
        },
        {"text": "Putin met Kim.", "spans": [{"start": 0, "end": 5, "label": "PERSON"}]},
    ]
    data = "\n".join(json.dumps(line) for line in lines)
    response = manager.post(
        url, {"files": [file("gold.jsonl", data)], "spans_to": "gold"}, follow=True
    )
    assert "Imported 2 documents and 2 spans." in response.content.decode()
    gold = Span.objects.filter(gold=True)
    assert sorted(gold.values_list("start", "label__name", "annotator__username")) == [
        (0, "PERSON", "manager"),
        (start, "WEAPONS", "manager"),
    ]
    assert not DocumentStatus.objects.exists()  # gold claims no analyst's place

    # Again as a job, into the reused document: gold's own overlap rule refuses it whole.
    settings.IMPORT_IN_REQUEST_MAX_BYTES = 10
    clash = {
        "text": TEXT,
        "external_id": "one",
        "spans": [{"start": start + 1, "end": start + 9, "label": "PERSON"}],
    }
    manager.post(url, {"files": [file("more.jsonl", json.dumps(clash))], "spans_to": "gold"})
    worker()
    job = Job.objects.get()
    assert job.status == "failed" and "overlap" in job.error.lower()
    assert gold.count() == 2


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ({"spans_to": "gold-ish"}, "“gold-ish” is not a choice"),
        ({"spans_to": "layer", "member": "outsider"}, "“outsider” is not a member"),
    ],
)
def test_a_bad_choice_of_layer_is_refused_naming_it(manager, url, project, choice, message):
    response = manager.post(url, {"files": [file("a.txt", "Text.")], **choice})
    assert message in response.content.decode()
    assert not project.documents.exists()


def test_a_zip_of_txt_and_jsonl_files_is_imported(manager, url, project):
    archive = zipped(
        {
            "news/kim.txt": b"Kim arrived.",
            "news/putin.txt": b"Putin waited.",
            "more.jsonl": b'{"text": "Third.", "title": "Three"}',
            "__MACOSX/._kim.txt": b"\x00\x05junk",
            "news/": b"",
        }
    )
    response = manager.post(url, {"files": [archive]})
    assert response.status_code == 302
    titles = sorted(project.documents.values_list("title", flat=True))
    assert titles == ["Three", "kim", "putin"]


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        (
            {"../../etc/passwd.txt": b"x"},
            "corpus.zip/../../etc/passwd.txt: a path outside the archive (absolute or with ..): "
            "refused for safety",
        ),
        (
            {"/abs.txt": b"x"},
            "corpus.zip//abs.txt: a path outside the archive (absolute or with ..): refused for "
            "safety",
        ),
        (
            {"inner.zip": b"PK"},
            "corpus.zip/inner.zip: an archive inside the archive: unpack it and send its files",
        ),
        (
            {"notes.pdf": b"%PDF"},
            "corpus.zip/notes.pdf: unsupported file type: the archive may hold .txt and .jsonl",
        ),
        ({}, "corpus.zip: the archive holds no .txt or .jsonl files"),
    ],
)
def test_a_dangerous_or_strange_zip_is_refused_in_words(manager, url, members, expected):
    response = manager.post(url, {"files": [file("ok.txt", "Fine."), zipped(members)]})
    assert response.status_code == 200
    assert problems(response) == [expected]
    assert response.context["summary"] == "Import refused: 1 problem; nothing was stored."
    assert expected in response.content.decode().replace("&#x27;", "'")
    assert not Document.objects.exists()


def test_a_zip_with_too_many_members_is_refused(manager, url, monkeypatch):
    monkeypatch.setattr(importers, "ZIP_MAX_MEMBERS", 3)
    archive = zipped({f"{n}.txt": b"Text." for n in range(4)})
    response = manager.post(url, {"files": [archive]})
    assert problems(response) == ["corpus.zip: more than 3 files: send fewer at a time"]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(manager, url, monkeypatch):
    monkeypatch.setattr(importers, "ZIP_MAX_MEMBER_BYTES", 1024 * 1024)
    monkeypatch.setattr(importers, "ZIP_MAX_TOTAL_BYTES", 3 * 1024 * 1024)
    one_member = zipped({"big.txt": b"a" * (1024 * 1024 + 1)})  # ~1 KB compressed
    assert len(one_member.read()) < 5000
    one_member.seek(0)
    response = manager.post(url, {"files": [one_member]})
    assert problems(response) == ["corpus.zip/big.txt: unpacks to more than 1 MB: too large"]
    many = zipped({f"{n}.txt": b"a" * (1024 * 1024) for n in range(4)})
    response = manager.post(url, {"files": [many]})
    assert problems(response) == ["corpus.zip: its files unpack to more than 3 MB: send fewer"]


def test_a_zip_that_lies_about_its_sizes_is_refused(manager, url):
    archive = zipped({"small.txt": b"b" * 5000}).read()
    # Declare 10 bytes unpacked, in the local header and the central directory.
    lying = bytearray(archive)
    for signature, offset in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)]:
        at = lying.index(signature) + offset
        lying[at : at + 4] = (10).to_bytes(4, "little")
    response = manager.post(url, {"files": [file("corpus.zip", bytes(lying))]})
    [problem] = problems(response)
    assert problem.startswith("corpus.zip/small.txt: ")
    assert not Document.objects.exists()


def test_every_bad_line_is_listed_by_file_and_line(manager, url, project):
    files = [
        file("good.txt", "Fine."),
        file("labels.jsonl", '{"text": "Kim.", "spans": [{"start": 0, "end": 3, "label": "X"}]}'),
    ]
    response = manager.post(url, {"files": files, "spans_to": "layer"})
    assert response.status_code == 200
    # An unknown label is named once, with where it is first used (not once a span).
    assert problems(response) == [
        "Unknown label 'X' (first used at labels.jsonl:1). Create it first, or import with "
        "--create-labels (on the Import page: “Create missing labels”)."
    ]
    page = response.content.decode()
    assert '<ul class="errorlist">' in page and "labels.jsonl:1" in page
    assert not project.documents.exists()


def test_no_file_is_refused(manager, url):
    response = manager.post(url, {})
    assert problems(response) == ["Choose at least one file to import."]


def test_a_large_import_runs_as_a_job_the_page_polls(
    manager, url, project, people, settings, worker, django_assert_max_num_queries
):
    settings.IMPORT_IN_REQUEST_MAX_BYTES = 100
    rows = "\n".join(json.dumps({"text": f"Document number {n}."}) for n in range(20))
    response = manager.post(url, {"files": [file("many.jsonl", rows)]})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{url}jobs/{job.pk}/"
    assert not project.documents.exists()  # not yet: the worker does it

    page = manager.get(response["Location"])
    assert b'<progress id="job-progress" max="100" value="0"' in page.content
    assert b'hx-trigger="every 1s"' in page.content

    with django_assert_max_num_queries(6):
        polled = manager.get(response["Location"], headers={"HX-Request": "true"})
    assert polled.status_code == 200 and b'hx-trigger="every 1s"' in polled.content
    assert b"<html" not in polled.content  # the job's part only

    worker()
    polled = manager.get(response["Location"], headers={"HX-Request": "true"})
    assert polled.status_code == 286  # htmx stops polling
    assert b'value="100"' in polled.content and b"hx-trigger" not in polled.content
    assert b"Imported 20 documents and 0 spans." in polled.content
    assert project.documents.count() == 20


def test_a_failed_job_lists_its_problems(manager, url, settings, worker):
    settings.IMPORT_IN_REQUEST_MAX_BYTES = 10
    bad = file("bad.jsonl", '{"text": "Fine."}\n[1, 2]\n{"text": ""}')
    job_url = manager.post(url, {"files": [bad]})["Location"]
    worker()
    polled = manager.get(job_url, headers={"HX-Request": "true"})
    assert polled.status_code == 286
    assert polled.context["summary"] == "Import refused: 1 problem; nothing was stored."
    assert polled.context["problems"] == ["bad.jsonl:2: expected a JSON object with a 'text' field"]


def test_a_job_of_another_project_is_not_found_here(manager, project, people):
    from annotator.models import Membership, Project, Role

    other = Project.objects.create(name="Other")
    Membership.objects.create(project=other, user=people["manager"], role=Role.MANAGER)
    job = Job.objects.create(project=other, kind="import", created_by=people["manager"])
    assert manager.get(f"/projects/{project.pk}/import/jobs/{job.pk}/").status_code == 404
    assert manager.get(f"/projects/{other.pk}/import/jobs/{job.pk}/").status_code == 200
