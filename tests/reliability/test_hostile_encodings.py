"""Text that is not text: a 400 naming the problem at every door, never a 500 or a silent
U+FFFD — and nothing stored.

Forms in a charset other than UTF-8 (UTF-7 makes lone surrogates), bodies that are not
UTF-8, NUL and lone surrogates in any field, non-finite numbers in JSON; through the pages,
the sign-in forms, the API and the importers (command and admin upload).
"""

import io
import json

import pytest
from axes.models import AccessAttempt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from annotator.models import Comment, Rejection
from annotator.services import span_create
from corpus.models import Document

BOUNDARY = "margin-test-boundary"
CSRF = "a" * 32  # a CSRF secret, accepted as the token too
SURROGATE_UTF7 = b"a+2AA-b"  # UTF-7 for "a\ud800b"


def multipart(parts: list[bytes]) -> bytes:
    edge = b"--" + BOUNDARY.encode()
    return b"".join(edge + b"\r\n" + part + b"\r\n" for part in parts) + edge + b"--\r\n"


def part(name: bytes, value: bytes) -> bytes:
    return b'Content-Disposition: form-data; name="' + name + b'"\r\n\r\n' + value


def form(fields: dict[bytes, bytes], kind: str, charset: str | None = None) -> tuple[bytes, str]:
    """A form body of ``fields`` (bytes as sent) and its Content-Type."""
    if kind == "urlencoded":
        body = b"&".join(name + b"=" + value for name, value in fields.items())
        content_type = "application/x-www-form-urlencoded"
    else:
        body = multipart([part(name, value) for name, value in fields.items()])
        content_type = f"multipart/form-data; boundary={BOUNDARY}"
    return body, content_type + (f"; charset={charset}" if charset else "")


@pytest.fixture
def doors(project, document, people, weapons):
    """Every form that takes free text: {door: (client, url, the text field, other fields)}."""
    span = span_create(
        project=project, document=document, annotator=people["alice"], label=weapons, start=0, end=2
    )
    manager = Client(enforce_csrf_checks=True, raise_request_exception=False)
    manager.force_login(people["manager"])
    anonymous = Client(enforce_csrf_checks=True, raise_request_exception=False)
    for client in (manager, anonymous):
        client.cookies["csrftoken"] = CSRF
    password = {b"password": b"wrong"}
    return {
        "comment": (manager, reverse("comment", args=[project.pk, document.pk]), b"body", {}),
        "reject": (manager, reverse("span_reject", args=[project.pk, span.pk]), b"reason", {}),
        "sign-in": (anonymous, reverse("login"), b"username", password),
        "admin": (anonymous, reverse("admin:login"), b"username", password),
        "token": (anonymous, "/api/auth/token/", b"username", password),
    }


def send(door, value: bytes, kind: str, charset: str | None = None):
    client, url, field, others = door
    body, content_type = form({field: value, **others}, kind, charset)
    # generic() sends the bytes as they are (post() would re-encode them in the charset).
    return client.generic("POST", url, body, content_type=content_type, HTTP_X_CSRFTOKEN=CSRF)


def message(response) -> str:
    if response["Content-Type"].startswith("application/json"):
        return response.json()["detail"]
    return response.content.decode()


def nothing_stored() -> bool:
    return not (Comment.objects.exists() or Rejection.objects.exists())


DOORS = ["comment", "reject", "sign-in", "admin", "token"]


@pytest.mark.parametrize("kind", ["urlencoded", "multipart"])
@pytest.mark.parametrize("door", DOORS)
def test_a_form_in_another_charset_is_refused_naming_it(doors, door, kind):
    response = send(doors[door], SURROGATE_UTF7, kind, charset="utf-7")
    assert response.status_code == 400
    assert "'utf-7'" in message(response) and "UTF-8" in message(response)
    assert nothing_stored() and not AccessAttempt.objects.exists()


@pytest.mark.parametrize("charset", ["utf8", "us-ascii"])
def test_a_form_declaring_another_name_for_utf8_or_ascii_is_read(doors, charset):
    # Django itself refuses a urlencoded form declaring anything but "utf-8" (a bare 400).
    response = send(doors["comment"], b"fine", "urlencoded", charset=charset)
    assert response.status_code in {200, 302}, response.content[:200]
    assert Comment.objects.get().body == "fine"


@pytest.mark.parametrize(
    ("kind", "value"),
    [("urlencoded", b"caf\xe9"), ("urlencoded", b"caf%E9"), ("multipart", b"caf\xe9")],
    ids=["latin-1", "latin-1-escaped", "multipart-latin-1"],
)
@pytest.mark.parametrize("door", DOORS)
def test_a_form_that_is_not_utf8_is_refused_with_the_csrf_token(doors, door, kind, value):
    response = send(doors[door], value, kind)
    assert response.status_code == 400
    assert "not valid UTF-8" in message(response)
    assert nothing_stored() and not AccessAttempt.objects.exists()


def test_only_utf8_gets_through(doors):
    for bad in [b"caf\xe9", b"caf%E9"]:
        assert send(doors["comment"], bad, "urlencoded").status_code == 400
    assert send(doors["comment"], b"caf\xe9", "multipart").status_code == 400
    good = "café 👋 %".encode().replace(b"%", b"%25")
    assert send(doors["comment"], good, "urlencoded").status_code in {200, 302}
    assert send(doors["comment"], b"caf%C3%A9", "urlencoded").status_code in {200, 302}
    assert send(doors["comment"], "café".encode(), "multipart").status_code in {200, 302}
    assert sorted(Comment.objects.values_list("body", flat=True)) == ["café", "café", "café 👋 %"]


def test_nul_in_a_multipart_file_field_name_is_refused(project, people):
    root = Client(raise_request_exception=False)
    root.force_login(people["root"])
    upload = (
        b'Content-Disposition: form-data; name="fi\x00le"; filename="doc.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nSome text."
    )
    response = root.generic(
        "POST",
        reverse("admin:annotator_project_import", args=[project.pk]),
        multipart([upload]),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code == 400 and b"NUL" in response.content
    assert not Document.objects.exists()


def test_a_query_decoded_in_a_declared_charset_is_checked_for_surrogates(doors, project):
    client = doors["comment"][0]
    response = client.get(
        reverse("project", args=[project.pk]) + "?status=%2B2AA-",
        CONTENT_TYPE="text/plain; charset=utf-7",
    )
    assert response.status_code == 400
    assert b"unpaired surrogate" in response.content


@pytest.fixture
def api(people) -> Client:
    token = Token.objects.create(user=people["manager"])
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token.key}")


def test_the_api_answers_a_refused_query_or_form_in_json(api, project):
    response = api.get(f"/api/projects/{project.pk}/documents/?search=a%00b")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    body, content_type = form({b"username": b"caf\xe9", b"password": b"x"}, "urlencoded")
    response = api.generic("POST", "/api/auth/token/", body, content_type=content_type)
    assert response.status_code == 400
    assert "UTF-8" in response.json()["detail"]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"text": "ab", "meta": {"score": 1e400}}',
        b'{"text": "ab", "meta": {"deep": [{"score": -1e400}]}}',
        b'{"text": "ab", "meta": {"score": NaN}}',
        b'{"text": "ab", "title": Infinity}',
        b'{"text": "ab", "external_id": -Infinity}',
    ],
    ids=["1e400", "-1e400-deep", "nan", "infinity-title", "-infinity-external-id"],
)
def test_the_api_refuses_numbers_that_are_not_finite(api, project, raw):
    url = f"/api/projects/{project.pk}/documents/"
    response = api.post(url, raw, content_type="application/json")
    assert response.status_code == 400
    assert "finite" in response.json()["detail"]
    assert not Document.objects.exists()


def test_finite_numbers_in_meta_are_stored(api, project):
    url = f"/api/projects/{project.pk}/documents/"
    refused = b'{"text": "ab", "meta": {"score": 1e400, "n": -0.25}}'
    assert api.post(url, refused, content_type="application/json").status_code == 400
    raw = b'{"text": "ab", "meta": {"score": 0.5, "n": -0.25}}'
    assert api.post(url, raw, content_type="application/json").status_code == 201
    assert Document.objects.get().meta == {"score": 0.5, "n": -0.25}


BAD_LINES = [
    (rb'{"text": "ok", "meta": {"note": "a\u0000b"}}', "NUL"),
    (rb'{"text": "ok", "meta": {"a\u0000": 1}}', "NUL"),
    (rb'{"text": "ok", "title": "x\ud800"}', "unpaired surrogate"),
    (rb'{"text": "ok", "external_id": "x\udfff"}', "unpaired surrogate"),
    (rb'{"text": "ok", "label": [], "note": ["\ud83d"]}', "unpaired surrogate"),
    (b'{"text": "ok", "meta": {"score": 1e400}}', "finite"),
    (b'{"text": "ok", "meta": {"score": NaN}}', "finite"),
    (b'{"text": "ok", "title": -Infinity}', "finite"),
]
BAD_IDS = [
    "nul-meta",
    "nul-meta-key",
    "surrogate-title",
    "surrogate-external-id",
    "surrogate-doccano-meta",
    "1e400-meta",
    "nan-meta",
    "infinity-title",
]


@pytest.mark.parametrize(("line", "problem"), BAD_LINES, ids=BAD_IDS)
def test_the_import_command_names_the_line_of_what_cannot_be_stored(
    project, people, tmp_path, line, problem
):
    path = tmp_path / "doc.jsonl"
    path.write_bytes(b'{"text": "fine"}\n' + line + b"\n")
    errors = io.StringIO()
    with pytest.raises(CommandError, match="nothing was stored"):
        call_command("import_documents", str(path), project=project.name, stderr=errors)
    assert "doc.jsonl:2: " in errors.getvalue()
    assert problem in errors.getvalue()
    assert not Document.objects.exists()


def test_the_import_command_names_the_line_of_a_nul_in_a_text_file(project, people, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_bytes(b"one\ntwo\nth\x00ree\n")
    errors = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_documents", str(path), project=project.name, stderr=errors)
    assert "doc.txt:3: contains a NUL character" in errors.getvalue()
    assert not Document.objects.exists()


def test_the_admin_upload_names_the_line_of_what_cannot_be_stored(client, project, people):
    client.force_login(people["root"])
    for number, (line, problem) in enumerate(BAD_LINES):
        upload = SimpleUploadedFile("docs.jsonl", b'{"text": "fine"}\n' + line + b"\n")
        response = client.post(
            reverse("admin:annotator_project_import", args=[project.pk]), {"file": upload}
        )
        assert response.status_code == 200, BAD_IDS[number]
        assert b"docs.jsonl:2: " in response.content, BAD_IDS[number]
        assert problem.encode() in response.content, BAD_IDS[number]
    assert not Document.objects.exists()


def test_a_corrected_file_imports(project, people, tmp_path):
    path = tmp_path / "doc.jsonl"
    path.write_text('{"text": "Plain.", "meta": {"score": 1e999}}\n')
    with pytest.raises(CommandError):
        call_command("import_documents", str(path), project=project.name, stderr=io.StringIO())
    lines = [
        {"text": "Plain.", "meta": {"score": 0.5}},
        {"text": "Emoji 👋.", "title": "é", "meta": {"ok": "\u00e9\ud83d\udc4b"}},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    call_command("import_documents", str(path), project=project.name, verbosity=0)
    assert sorted(Document.objects.values_list("text", flat=True)) == ["Emoji 👋.", "Plain."]
    assert Document.objects.get(text="Plain.").meta == {"score": 0.5}


def test_a_text_file_whose_name_is_not_utf8_is_refused(project, people, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "fine.txt").write_text("Fine.")
    # Linux keeps file names as bytes; Python reads this one with a lone surrogate in it.
    with open(bytes(folder) + b"/caf\xe9.txt", "wb") as file:
        file.write(b"Some text.")
    errors = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_documents", str(folder), project=project.name, stderr=errors)
    assert "the file name is not UTF-8" in errors.getvalue()
    assert not Document.objects.exists()
