"""Export file names (one rule for the page, the API and the command) and the gold export
of documents not yet reviewed (the card, the page's notice, the one-click reviewed-only)."""

import io
import itertools
import json
import re
import zipfile
from html import unescape

import pytest
from django.core.management import call_command
from django.urls import reverse

from annotator.exports.names import slug
from annotator.exports.options import FORMAT_CHOICES
from annotator.models import Membership, Role
from annotator.services import document_mark_reviewed, span_create
from corpus.models import Document

LAYERS = ("all", "gold", "majority", "mine", "user:alice")
SPLITS = ("", "0.8,0.1,0.1")
SAFE = re.compile(r"^[a-z0-9][a-z0-9.-]*(_[a-z0-9.-]+)+\.(jsonl|conll|spacy|csv|zip)$")
EXTENSIONS = {
    "jsonl": "jsonl",
    "doccano": "jsonl",
    "hf": "jsonl",
    "csv": "csv",
    "conll": "conll",
    "spacy": "spacy",
    "brat": "zip",
}


def attachment_name(response) -> str:
    assert response.status_code == 200, response.content
    match = re.fullmatch(r'attachment; filename="([^"]+)"', response["Content-Disposition"])
    assert match, response["Content-Disposition"]
    return match[1]


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def talks(annotated):
    annotated["project"].name = "Kim–Putin arms talks"
    annotated["project"].save()
    return annotated


# The name ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Kim–Putin arms talks", "kim-putin-arms-talks"),  # an en dash separates words
        ("Café Zürich / Øresund", "cafe-zurich-oresund"),
        ("Straße", "strasse"),
        ('He said "hi"; then ../../etc', "he-said-hi-then-etc"),
        ("Переговоры 2024", "project-7"),  # too little of it in ASCII: the fallback
        ("北朝鮮", "project-7"),
        ("Talks 会谈 summit", "talks-summit"),
        ("", "project-7"),
        ("x" * 80 + " tail", "x" * 60),
        ("word " * 20, "-".join(["word"] * 12)),  # cut at a word, not inside one
    ],
)
def test_slug_is_readable_ascii_or_the_fallback(name, expected):
    assert slug(name, fallback="project-7") == expected


def test_every_format_layer_and_split_has_its_own_safe_name_the_same_on_page_and_api(client, talks):
    """Seven formats × five layers × with and without a split: seventy names, no two alike,
    each saying project, layer, format and split — and the page gives the API's name."""
    project = talks["project"]
    client.force_login(talks["manager"])
    api = reverse("api_export", args=[project.pk])
    page = reverse("export_download", args=[project.pk])
    names = {}
    for fmt, layer, split in itertools.product(FORMAT_CHOICES, LAYERS, SPLITS):
        params = {"format": fmt, "layer": layer, "split": split}
        name = attachment_name(client.get(api, params))
        assert attachment_name(client.get(page, params)) == name
        assert SAFE.fullmatch(name), name
        parts = name.rsplit(".", 1)[0].split("_")
        who = {"mine": "manager", "user:alice": "alice"}.get(layer, layer)
        assert parts[:3] == ["kim-putin-arms-talks", who, fmt], name
        if split:
            assert parts[3:] == ["train80-dev10-test10"], name
        else:
            assert parts[3:] == [], name
        zipped = fmt == "brat" or (split and fmt in {"conll", "spacy"})
        assert name.endswith(".zip" if zipped else f".{EXTENSIONS[fmt]}"), name
        names[fmt, layer, split] = name
    assert len(set(names.values())) == len(names) == 70
    assert names["doccano", "gold", ""] == "kim-putin-arms-talks_gold_doccano.jsonl"
    assert names["hf", "gold", "0.8,0.1,0.1"] == (
        "kim-putin-arms-talks_gold_hf_train80-dev10-test10.jsonl"
    )


def test_status_seed_and_uneven_splits_are_in_the_name(client, talks):
    client.force_login(talks["manager"])
    api = reverse("api_export", args=[talks["project"].pk])

    def name(**params) -> str:
        return attachment_name(client.get(api, params))

    assert name(format="jsonl", layer="gold", status="complete") == (
        "kim-putin-arms-talks_gold_reviewed_jsonl.jsonl"
    )
    assert name(format="csv", layer="all", status="complete") == (
        "kim-putin-arms-talks_all_complete_csv.csv"
    )
    assert name(format="conll", layer="majority", split="0.334,0.333,0.333", seed="4") == (
        "kim-putin-arms-talks_majority_conll_train33.4-dev33.3-test33.3-seed4.zip"
    )
    assert name(format="hf", layer="all", split="1,0,0", seed="-2") == (
        "kim-putin-arms-talks_all_hf_train100-dev0-test0-seed-2.jsonl"
    )


def test_names_stay_safe_for_hostile_or_non_ascii_project_and_user_names(
    client, annotated, make_user
):
    project = annotated["project"]
    project.name = 'Переговоры "/../" 2024'
    project.save()
    olga = make_user("Ольга")
    Membership.objects.create(project=project, user=olga, role=Role.ANNOTATOR)
    quoted = make_user("o'brien+test@example.com")
    Membership.objects.create(project=project, user=quoted, role=Role.ANNOTATOR)
    client.force_login(annotated["manager"])
    api = reverse("api_export", args=[project.pk])
    assert attachment_name(client.get(api, {"layer": "user:Ольга"})) == (
        f"project-{project.pk}_user-{olga.pk}_jsonl.jsonl"
    )
    assert attachment_name(client.get(api, {"layer": f"user:{quoted.username}"})) == (
        f"project-{project.pk}_o-brien-test-example-com_jsonl.jsonl"
    )


def test_the_page_names_the_file_before_the_download(client, talks):
    client.force_login(talks["manager"])
    page = client.get(
        reverse("export", args=[talks["project"].pk]),
        {"format": "doccano", "layer": "gold", "split": "0.8,0.1,0.1"},
    )
    assert 'download="kim-putin-arms-talks_gold_doccano_train80-dev10-test10.jsonl"' in (
        page.content.decode()
    )


def test_the_command_names_a_file_written_into_a_folder_as_the_api_does(client, talks, tmp_path):
    client.force_login(talks["manager"])
    params = {"format": "conll", "layer": "gold", "split": "0.8,0.1,0.1"}
    api = reverse("api_export", args=[talks["project"].pk])
    expected = attachment_name(client.get(api, params))
    call_command(
        "export",
        project=str(talks["project"].pk),
        output=tmp_path,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        **params,
    )
    assert [path.name for path in tmp_path.iterdir()] == [expected]
    assert zipfile.ZipFile(tmp_path / expected).namelist()[-1] == "card.json"


# Gold over documents nobody reviewed -------------------------------------------------------


def test_the_card_counts_the_documents_not_reviewed_in_a_gold_export(client, annotated):
    """annotated: three documents, "plain" alone reviewed."""
    client.force_login(annotated["reviewer"])
    card_url = reverse("api_export_card", args=[annotated["project"].pk])
    review = client.get(card_url, {"layer": "gold"}).json()["review"]
    assert review == {
        "documents": 3,
        "reviewed": 1,
        "unreviewed": 2,
        "note": "2 of 3 documents in this export have not been reviewed: their gold layer "
        "may be incomplete. status=complete exports the reviewed ones only.",
    }
    review = client.get(card_url, {"layer": "gold", "status": "complete"}).json()["review"]
    assert review["unreviewed"] == 0 and review["documents"] == 1
    assert review["note"] == "All 1 document(s) in this export have been reviewed."
    assert "review" not in client.get(card_url, {"layer": "all"}).json()

    # The card at the end of a split archive counts across every split, once each.
    response = client.get(
        reverse("api_export", args=[annotated["project"].pk]),
        {"format": "conll", "layer": "gold", "split": "0.5,0.25,0.25"},
    )
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert json.loads(archive.read("card.json"))["review"]["unreviewed"] == 2


def test_the_command_says_so_on_stderr(annotated, tmp_path):
    err = io.StringIO()
    call_command(
        "export",
        project=str(annotated["project"].pk),
        layer="gold",
        output=tmp_path / "gold.jsonl",
        stdout=io.StringIO(),
        stderr=err,
    )
    assert "2 of 3 documents in this export have not been reviewed" in err.getvalue()
    assert "--status complete" in err.getvalue()


def test_the_page_warns_before_the_download_and_one_click_leaves_the_unreviewed_out(
    client, annotated
):
    client.force_login(annotated["reviewer"])
    url = reverse("export", args=[annotated["project"].pk])
    page = client.get(url, {"layer": "gold", "status": "any", "format": "jsonl"}).content.decode()
    notice = re.search(r'<p class="message warning" id="unreviewed-notice">(.*?)</p>', page, re.S)
    assert notice, page
    assert "2 of 3 documents in this export have not been reviewed" in notice[1]
    link = re.search(r'<a href="([^"]+)" id="reviewed-only">([^<]+)</a>', notice[1])
    assert link[2] == "Export only the 1 reviewed document"
    # The notice comes before both download buttons, in the form.
    assert page.index('id="unreviewed-notice"') < page.index(">Download<")

    # One click: the same export, status=complete — the page shows its card, then the file.
    href = unescape(link[1])
    assert "status=complete" in href and "layer=gold" in href and "format=jsonl" in href
    reviewed_page = client.get(href).content.decode()
    assert 'id="unreviewed-notice"' not in reviewed_page
    assert "All 1 document(s) in this export have been reviewed." in reviewed_page
    assert '<option value="complete" selected>' in reviewed_page
    download = re.search(r'<a class="button primary" href="([^"]+)"', reviewed_page)
    lines = body(client.get(unescape(download[1]))).decode().splitlines()
    assert [json.loads(line)["external_id"] for line in lines] == ["plain"]

    # The card of the export that still has them repeats the count.
    assert re.search(r'id="card-review" class="message warning">2 of 3 documents', page)


def test_the_notice_follows_the_form_and_only_where_it_applies(client, annotated):
    project = annotated["project"]
    notice = reverse("export_notice", args=[project.pk])
    client.force_login(annotated["reviewer"])
    text = client.get(notice, {"layer": "gold", "status": "any", "format": "hf"}).content.decode()
    assert "2 of 3 documents" in text and "format=hf" in unescape(text)
    assert "unreviewed-notice" in client.get(notice, {"layer": "gold"}).content.decode()
    for params in ({"layer": "all"}, {"layer": "gold", "status": "complete"}, {}):
        assert client.get(notice, params).content.strip() == b""
    # The page without a submitted form already shows it for a gold layer, and htmx asks
    # again when layer or status change.
    page = client.get(reverse("export", args=[project.pk]), {"layer": "gold"}).content.decode()
    assert 'id="unreviewed-notice"' in page
    assert f'hx-get="{notice}"' in page and "change from:#id_layer" in page
    # An annotator cannot export gold: no notice for them.
    client.force_login(annotated["alice"])
    assert client.get(notice, {"layer": "gold"}).content.strip() == b""
    client.force_login(annotated["outsider"])
    assert client.get(notice, {"layer": "gold"}).status_code == 404


def test_no_notice_once_every_document_is_reviewed(client, annotated):
    project = annotated["project"]
    for name in ("tricky", "draft"):
        document_mark_reviewed(
            project=project, document=annotated[name], reviewer=annotated["reviewer"]
        )
    client.force_login(annotated["reviewer"])
    page = client.get(reverse("export", args=[project.pk]), {"layer": "gold", "format": "csv"})
    assert 'id="unreviewed-notice"' not in page.content.decode()
    assert "All 3 document(s) in this export have been reviewed." in page.content.decode()


def test_the_page_and_notice_queries_do_not_grow_with_documents(
    client, annotated, django_assert_max_num_queries
):
    project, alice = annotated["project"], annotated["alice"]
    person = project.labels.get(name="PERSON")
    client.force_login(annotated["reviewer"])
    page = reverse("export", args=[project.pk])
    notice = reverse("export_notice", args=[project.pk])
    for total in (3, 40):
        for n in range(project.documents.count(), total):
            document = Document.objects.create(text=f"Kim Jong Un, number {n}.")
            project.documents.add(document)
            span_create(
                project=project, document=document, annotator=alice, label=person, start=0, end=11
            )
        # 7: the ready models offered as layers (model:<version>) are one of them.
        with django_assert_max_num_queries(7):
            response = client.get(page, {"layer": "gold"})
        assert f"{total - 1} of {total} documents" in response.content.decode()
        with django_assert_max_num_queries(4):
            response = client.get(notice, {"layer": "gold", "status": "any"})
        assert f"{total - 1} of {total} documents" in response.content.decode()
        with django_assert_max_num_queries(11):  # as above: the models offered
            response = client.get(page, {"layer": "gold", "format": "jsonl"})
        assert f"{total - 1} of {total} documents" in response.content.decode()
