"""The export through HTTP (API and web page), the management command and the admin."""

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.http import StreamingHttpResponse
from django.urls import reverse
from rest_framework.authtoken.models import Token

from annotator.services import span_create
from corpus.models import Document


def api(pid: int, card: bool = False) -> str:
    return reverse("api_export_card" if card else "api_export", args=[pid])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("who", "layer", "status"),
    [
        ("manager", "all", 200),
        ("reviewer", "gold", 200),
        ("reviewer", "user:alice", 200),
        ("alice", "mine", 200),
        ("alice", "all", 403),
        ("alice", "user:bob", 403),
        ("alice", "gold", 403),
        ("outsider", "mine", 404),
        ("root", "majority", 200),
    ],
)
def test_permissions_per_role(client, annotated, who, layer, status):
    client.force_login(annotated[who])
    response = client.get(api(annotated["project"].pk), {"layer": layer})
    assert response.status_code == status
    if status == 403:
        assert "mine" in response.json()["detail"]


def test_anonymous_gets_json_401_or_403_not_a_redirect(client, annotated):
    response = client.get(api(annotated["project"].pk))
    assert response.status_code in {401, 403}
    assert "detail" in response.json()


def test_token_auth_downloads_a_streamed_attachment(client, annotated):
    token = Token.objects.create(user=annotated["manager"])
    response = client.get(
        api(annotated["project"].pk),
        {"format": "conll", "layer": "all"},
        headers={"authorization": f"Token {token.key}", "accept": "application/json"},
    )
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith('.conll"')
    assert response["X-Margin-Dropped"] == "1"
    assert response["X-Margin-Merged"] == "2"
    assert "-DOCSTART-" in body(response).decode()
    card = client.get(response["X-Margin-Card"], headers={"authorization": f"Token {token.key}"})
    assert card.json()["dropped"]["total"] == 1


def test_headers_count_the_overlap_rule_and_the_card_also_token_alignment(client, annotated):
    """The headers come before the body, so they hold what the overlap rule merges and
    drops (no tokenising pass first); what alignment drops or adjusts is in the card."""
    project, alice = annotated["project"], annotated["alice"]
    plain = annotated["plain"]
    weapons = project.labels.get(name="WEAPONS")
    for needle in ("rtillery shell", "They spoke ab"):  # dropped, then contracted
        start = plain.text.index(needle)
        span_create(
            project=project,
            document=plain,
            annotator=alice,
            label=weapons,
            start=start,
            end=start + len(needle),
        )
    client.force_login(annotated["manager"])
    response = client.get(api(project.pk), {"format": "hf", "layer": "all"})
    assert (response["X-Margin-Dropped"], response["X-Margin-Merged"]) == ("1", "2")
    assert "X-Margin-Adjusted" not in response
    body(response)
    card = client.get(response["X-Margin-Card"]).json()
    assert card["dropped"]["total"] == 2
    assert card["dropped"]["by_reason"] == {"misaligned": 1, "overlaps": 1}
    assert card["adjusted"]["total"] == 1 and card["merged"]["total"] == 2
    for fmt in ("jsonl", "csv", "brat"):  # keep every span: nothing to count
        response = client.get(api(project.pk), {"format": fmt, "layer": "all"})
        assert (response["X-Margin-Dropped"], response["X-Margin-Merged"]) == ("0", "0")


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"format": "xml"}, "format"),
        ({"layer": "user:nobody"}, "layer"),
        ({"status": "finished"}, "status"),
        ({"labels": "TANKS"}, "labels"),
        ({"split": "0.5,0.5,0.5"}, "split"),
        ({"seed": "1.5"}, "seed"),
    ],
)
def test_bad_parameters_get_400_naming_the_parameter(client, annotated, params, parameter):
    client.force_login(annotated["manager"])
    for url in (api(annotated["project"].pk), api(annotated["project"].pk, card=True)):
        response = client.get(url, params)
        assert response.status_code == 400
        assert list(response.json()) == [parameter]


@pytest.mark.parametrize("fmt", ["jsonl", "doccano", "conll", "spacy", "hf", "brat", "csv"])
def test_every_format_downloads(client, annotated, fmt):
    client.force_login(annotated["manager"])
    response = client.get(api(annotated["project"].pk), {"format": fmt, "split": "0.8,0.1,0.1"})
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    data = body(response)
    if fmt in {"conll", "spacy", "brat"}:
        archive = zipfile.ZipFile(io.BytesIO(data))
        card = json.loads(archive.read("card.json"))
        assert card["documents"] == 3 and card["format"] == fmt
    else:
        assert data


def test_card_endpoint_describes_the_export(client, annotated):
    client.force_login(annotated["reviewer"])
    card = client.get(
        api(annotated["project"].pk, card=True),
        {"format": "hf", "layer": "all", "split": "0.8,0.1,0.1", "seed": "5", "labels": "WEAPONS"},
    ).json()
    assert card["offset_unit"].startswith("unicode code points, half-open")
    assert (card["format"], card["layer"], card["status"], card["seed"]) == ("hf", "all", "any", 5)
    assert card["labels"] == ["WEAPONS"]
    assert card["counts"]["labels"] == {"WEAPONS": 2}
    assert sum(s["documents"] for s in card["counts"]["splits"].values()) == 3
    assert card["annotators"] == ["alice", "bob"]
    assert card["project"] == {"id": annotated["project"].pk, "name": "Arms"}
    assert card["dropped"]["spans"][0]["reason"].startswith("overlaps")
    assert card["tag_names"] == ["O", "B-WEAPONS", "I-WEAPONS"]
    assert card["created_at"] and card["margin_version"]


@pytest.mark.parametrize("fmt", ["jsonl", "conll", "brat"])
def test_query_count_does_not_grow_with_documents(
    client, annotated, django_assert_max_num_queries, fmt
):
    project, alice = annotated["project"], annotated["alice"]
    client.force_login(annotated["manager"])
    person = project.labels.get(name="PERSON")

    def add(count: int) -> None:
        for n in range(count):
            document = Document.objects.create(text=f"Kim Jong Un, number {n}.")
            project.documents.add(document)
            span_create(
                project=project, document=document, annotator=alice, label=person, start=0, end=11
            )

    for total in (3, 30):
        add(total - project.documents.count())
        with django_assert_max_num_queries(14):
            response = client.get(api(project.pk), {"format": fmt, "layer": "majority"})
            body(response)
        with django_assert_max_num_queries(14):
            body(client.get(api(project.pk), {"format": fmt, "layer": "all", "status": "complete"}))


# The web page ---------------------------------------------------------------------------


def test_page_shows_the_form_then_the_card_and_dropped_lines(client, annotated):
    client.force_login(annotated["manager"])
    url = reverse("export", args=[annotated["project"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="format"' in page.content and b"Download" in page.content
    page = client.get(url, {"format": "conll", "layer": "all", "status": "any", "seed": "0"})
    html = page.content.decode()
    assert "Dataset card" in html
    assert "1 span(s) dropped: 1 overlaps." in html
    assert "2 span(s) merged" in html
    assert "style=" not in html  # the CSP refuses inline styles


def test_page_download_streams_and_bad_parameters_show_messages(client, annotated):
    client.force_login(annotated["manager"])
    url = reverse("export_download", args=[annotated["project"].pk])
    response = client.get(url, {"format": "brat", "labels": ["WEAPONS", "PERSON"]})
    assert isinstance(response, StreamingHttpResponse)
    assert zipfile.ZipFile(io.BytesIO(body(response))).namelist()[0] == "annotation.conf"
    page = client.get(reverse("export", args=[annotated["project"].pk]), {"format": "pdf"})
    assert page.status_code == 400
    assert "Unknown format" in page.content.decode()


def test_page_annotator_only_mine_and_outsider_404(client, annotated):
    url = reverse("export", args=[annotated["project"].pk])
    client.force_login(annotated["alice"])
    page = client.get(url)
    assert b'value="mine"' in page.content and b'value="all"' not in page.content
    assert client.get(url, {"format": "jsonl", "layer": "gold"}).status_code == 403
    assert client.get(url, {"format": "jsonl", "layer": "mine"}).status_code == 200
    client.force_login(annotated["outsider"])
    assert client.get(url).status_code == 404


# The command and the admin ----------------------------------------------------------------


def test_command_writes_the_file_and_reports_drops_on_stderr(annotated, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    target = tmp_path / "gold.spacy"
    call_command(
        "export",
        project=str(annotated["project"].pk),
        format="spacy",
        layer="all",
        output=target,
        card=tmp_path / "card.json",
        stdout=out,
        stderr=err,
    )
    assert target.read_bytes()
    assert "Dropped 1, merged 2, adjusted 0 span(s)." in err.getvalue()
    assert "1 span(s) dropped: 1 overlaps." in err.getvalue()
    assert json.loads((tmp_path / "card.json").read_text())["documents"] == 3


def test_admin_action_opens_the_export_page(client, annotated):
    client.force_login(annotated["root"])
    project = annotated["project"]
    response = client.post(
        reverse("admin:annotator_project_changelist"),
        {"action": "export_dataset", "_selected_action": [project.pk]},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("export", args=[project.pk])
