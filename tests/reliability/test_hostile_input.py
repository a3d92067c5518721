"""Hostile and oversized input gets a clear error or works — never a 500.

Through the API, the import command and the workspace: NUL bytes, invalid UTF-8, lone
surrogates, deeply nested JSON, a 5 MB document, a 10,000-line import, markup in names.
(tests/browser/test_hostile.py checks in a real browser that markup renders inert.)
"""

import json
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotator.models import Comment, Label, Rejection, Span
from annotator.services import span_create
from corpus.models import Document

FIVE_MB = ("artillery shells, rockets and talks. " * 140_000)[:5_000_000]
SCRIPT = "<script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.fixture
def api(people) -> APIClient:
    client = APIClient(raise_request_exception=False)
    token = Token.objects.create(user=people["manager"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def documents_url(project) -> str:
    return f"/api/projects/{project.pk}/documents/"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"text": "a\x00b"}, "NUL"),
        ({"text": "ab", "title": "x\x00"}, "NUL"),
        ({"text": "ab", "meta": {"k\x00": 1}}, "NUL"),
        ({"text": "ab", "spans": [{"start": 0, "end": 1, "label": "W\x00"}]}, "NUL"),
    ],
)
def test_the_api_refuses_nul_bytes_with_a_message(api, project, people, body, message):
    response = api.post(documents_url(project), json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert message in json.dumps(response.json())
    assert not Document.objects.filter(projects=project).exists()


@pytest.mark.parametrize(
    "raw",
    [
        b'{"text": "caf\xe9"}',  # Latin-1, not UTF-8
        b'{"text": "a\\ud800b"}',  # a lone surrogate
        b"[" * 100_000 + b"]" * 100_000,  # deeper than any parser recursion
        b'{"text": "unterminated',
    ],
    ids=["invalid-utf8", "lone-surrogate", "deeply-nested", "truncated"],
)
def test_the_api_refuses_malformed_bodies_with_a_400(api, project, people, raw):
    response = api.post(documents_url(project), raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()


def test_deeply_nested_meta_that_parses_is_stored_or_refused_cleanly(api, project, people):
    meta = json.loads('{"a":' * 500 + "1" + "}" * 500)
    body = json.dumps({"text": "Deep meta.", "meta": meta})
    response = api.post(documents_url(project), body, content_type="application/json")
    assert response.status_code in {201, 400}


def test_a_five_megabyte_document_is_stored_tagged_and_opened(api, project, people, weapons):
    body = json.dumps({"text": FIVE_MB, "title": "Big"})
    response = api.post(documents_url(project), body, content_type="application/json")
    assert response.status_code == 201, response.content[:300]
    document = Document.objects.get(pk=response.json()["ids"][0])
    assert document.text == FIVE_MB
    end = len(FIVE_MB)
    spans_url = f"{documents_url(project)}{document.pk}/spans/"
    tag = {"start": end - 6, "end": end - 1, "label": "WEAPONS"}
    assert api.post(spans_url, tag, format="json").status_code == 201
    client = Client()
    client.force_login(people["manager"])
    page = client.get(reverse("workspace", args=[project.pk, document.pk]))
    assert page.status_code == 200
    assert len(page.content) > 5_000_000


def test_a_ten_thousand_line_import_works_and_a_bad_line_refuses_it_all(
    project, people, weapons, tmp_path: Path
):
    lines = []
    for i in range(10_000):
        text = f"Document {i} mentions artillery shells."
        start = text.index("artillery")
        lines.append(
            json.dumps(
                {
                    "text": text,
                    "external_id": f"line-{i}",
                    "spans": [{"start": start, "end": start + 16, "label": "WEAPONS"}],
                }
            )
        )
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(lines) + "\n")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([*lines[:5000], '{"text": "x", "spans": 7}', *lines[5000:]]))
    with pytest.raises(CommandError, match="nothing was stored"):
        call_command("import_documents", str(bad), project=project.name, verbosity=0)
    assert not Document.objects.exists()
    call_command("import_documents", str(good), project=project.name, verbosity=0)
    assert Document.objects.filter(projects=project).count() == 10_000
    assert Span.objects.filter(project=project).count() == 10_000


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"text": "caf\xe9"}\n', "not valid UTF-8"),
        (b'{"text": "a\\u0000b"}\n', "NUL"),
        (b"[" * 100_000 + b"]" * 100_000 + b"\n", "nested too deeply"),
        (b"a\x00b", "NUL"),
    ],
    ids=["invalid-utf8", "nul-in-json", "deeply-nested", "nul-in-txt"],
)
def test_the_import_command_names_the_problem(project, people, tmp_path, content, problem):
    name = "doc.txt" if problem == "NUL" and not content.startswith(b"{") else "doc.jsonl"
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError) as refused:
        call_command("import_documents", str(path), project=project.name, verbosity=0)
    assert "nothing was stored" in str(refused.value)
    assert not Document.objects.exists()


@pytest.fixture
def manager(people) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(people["manager"])
    return client


def test_workspace_forms_refuse_nul_bytes_cleanly(manager, project, document, people, weapons):
    span = span_create(
        project=project,
        document=document,
        annotator=people["alice"],
        label=weapons,
        start=0,
        end=2,
    )
    posts = [
        (reverse("comment", args=[project.pk, document.pk]), {"body": "a\x00b"}),
        (reverse("span_reject", args=[project.pk, span.pk]), {"reason": "no\x00"}),
        (reverse("span_add", args=[project.pk, document.pk]), {"start": "0\x00", "end": "2"}),
    ]
    for url, form in posts:
        response = manager.post(url, form, HTTP_HX_REQUEST="true")
        assert response.status_code == 400, url
        assert b"NUL" in response.content
    assert not Comment.objects.exists() and not Rejection.objects.exists()


def test_workspace_forms_refuse_invalid_utf8_and_survive_huge_numbers(manager, project, document):
    url = reverse("span_add", args=[project.pk, document.pk])
    huge = b"start=1&end=" + b"9" * 5000 + b"&label=1"
    response = manager.post(
        url, huge, content_type="application/x-www-form-urlencoded", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    # Bytes that are not UTF-8 are refused as such, not read as Latin-1 or U+FFFD
    # (tests/reliability/test_hostile_encodings.py has every form of it).
    comment_url = reverse("comment", args=[project.pk, document.pk])
    for form_url, body in [(url, b"start=\xff\xfe&end=3&label=1"), (comment_url, b"body=caf\xe9")]:
        response = manager.post(
            form_url, body, content_type="application/x-www-form-urlencoded", HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 400
        assert b"not valid UTF-8" in response.content
    assert not Comment.objects.exists()


def pages_showing(project, document) -> list[str]:
    """Every page that shows a project's names, guidelines, a document and its comments
    (also checked in Chromium: tests/browser/test_hostile.py)."""
    return [
        reverse("home"),
        reverse("project", args=[project.pk]),
        reverse("guidelines", args=[project.pk]),
        reverse("workspace", args=[project.pk, document.pk]),
        reverse("review", args=[project.pk, document.pk]),
        reverse("history", args=[project.pk, document.pk]),
        reverse("dashboard", args=[project.pk]),
        reverse("export", args=[project.pk]),
    ]


def test_markup_in_names_and_text_is_escaped_in_every_page(manager, project, people):
    project.name = SCRIPT
    project.guidelines = f"{SCRIPT}\n\n[click](javascript:alert(3)) ![x](javascript:alert(4))"
    project.save()
    Label.objects.create(project=project, name="<b>BOLD</b>", description=SCRIPT, order=9)
    document = Document.objects.create(title=SCRIPT, text=f"Before {SCRIPT} after.")
    project.documents.add(document)
    Comment.objects.create(
        project=project, document=document, author=people["manager"], body=SCRIPT
    )
    for url in pages_showing(project, document):
        response = manager.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for live in [r"<script>alert", r"<img[^>]*onerror", r"<b>BOLD", r"javascript:"]:
            found = re.search(live, html)
            assert found is None, f"{url}: {html[found.start() - 200 : found.end() + 50]}"
