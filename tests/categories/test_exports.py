"""Document labels in every export the contract names, each loaded back by its consumer
(json, spaCy's DocBin, Hugging Face datasets, csv) with counts matching the database; the
split stratified by them."""

import csv
import io
import json
import os
from collections import Counter

import pytest
import spacy
from spacy.tokens import DocBin

from annotator.categories import Category
from annotator.exports.engine import Export
from annotator.exports.options import BadParameter, options_parse
from annotator.models import Label, LabelKind
from annotator.services import category_add
from corpus.models import Document

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def export(project, user, **params) -> tuple[Export, bytes]:
    options = options_parse(params, project=project, user=user)
    run = Export(project=project, options=options)
    return run, b"".join(run.stream())


def stored(**filters) -> Counter:
    """(document id, label, annotator) of the stored categories matching ``filters``."""
    rows = Category.objects.filter(**filters).values_list(
        "document_id", "label__name", "annotator__username"
    )
    return Counter(rows)


def test_jsonl_records_carry_the_layers_categories(categorized):
    project, manager = categorized["project"], categorized["manager"]
    run, data = export(project, manager, format="jsonl", layer="all")

    lines = [json.loads(line) for line in data.decode().splitlines()]
    found = Counter(
        (line["id"], item["label"], item["annotator"])
        for line in lines
        for item in line["categories"]
    )
    assert found == stored(gold=False) and sum(found.values()) == 4
    assert run.card()["counts"]["document_labels"] == {"TRANSFER": 2, "SUMMIT": 2}
    gold = [json.loads(line) for line in export(project, manager, layer="gold")[1].splitlines()]
    assert {line["id"]: line["categories"] for line in gold if line["categories"]} == {
        categorized["plain"].pk: [{"label": "SUMMIT", "annotator": "reviewer"}]
    }


def test_jsonl_of_a_project_without_document_labels_has_no_categories(annotated):
    _, data = export(annotated["project"], annotated["manager"], layer="all")
    assert all("categories" not in json.loads(line) for line in data.splitlines())


def test_majority_takes_the_labels_most_completed_annotators_gave(categorized):
    _, data = export(categorized["project"], categorized["manager"], layer="majority")
    lines = {json.loads(line)["id"]: json.loads(line) for line in data.splitlines()}
    # TRANSFER: alice and bob (2 of 2); SUMMIT: bob only; the draft is nobody's complete.
    assert lines[categorized["tricky"].pk]["categories"] == [
        {"label": "TRANSFER", "annotator": None}
    ]
    assert lines[categorized["draft"].pk]["categories"] == []


def test_doccano_lines_have_cats(categorized):
    _, data = export(categorized["project"], categorized["manager"], format="doccano")
    cats = {json.loads(line)["id"]: json.loads(line)["cats"] for line in data.splitlines()}
    assert cats == {
        categorized["tricky"].pk: ["SUMMIT", "TRANSFER"],
        categorized["plain"].pk: [],
        categorized["draft"].pk: ["SUMMIT"],
    }


def test_spacy_docbin_loads_with_doc_cats_for_every_document_label(categorized):
    project, manager = categorized["project"], categorized["manager"]
    _, data = export(project, manager, format="spacy", layer="gold")

    docs = list(DocBin().from_bytes(data).get_docs(spacy.blank("en").vocab))
    assert [doc.cats for doc in docs] == [
        {"TRANSFER": 0.0, "SUMMIT": 0.0},
        {"TRANSFER": 0.0, "SUMMIT": 1.0},
        {"TRANSFER": 0.0, "SUMMIT": 0.0},
    ]
    assert sum(sum(doc.cats.values()) for doc in docs) == Category.objects.filter(gold=True).count()
    # The entities are still there.
    assert sum(len(doc.ents) for doc in docs) > 0


def test_spacy_docbin_with_a_split_keeps_the_cats(categorized, tmp_path):
    import zipfile

    _, data = export(
        categorized["project"], categorized["manager"], format="spacy", split="0.34,0.33,0.33"
    )
    archive = zipfile.ZipFile(io.BytesIO(data))
    vocab = spacy.blank("en").vocab
    cats = Counter()
    for name in ("train", "dev", "test"):
        for doc in DocBin().from_bytes(archive.read(f"{name}.spacy")).get_docs(vocab):
            cats.update(label for label, value in doc.cats.items() if value)
    assert cats == Counter({"TRANSFER": 1, "SUMMIT": 2})  # per document, in the layer "all"


def test_hf_lines_load_with_datasets_and_carry_labels(categorized, tmp_path):
    import datasets

    _, data = export(categorized["project"], categorized["manager"], format="hf", layer="all")
    path = tmp_path / "hf.jsonl"
    path.write_bytes(data)
    loaded = datasets.load_dataset(
        "json", data_files=str(path), cache_dir=str(tmp_path / "cache"), split="train"
    )

    by_document = {row["document_id"]: row["labels"] for row in loaded}
    assert by_document == {
        categorized["tricky"].pk: ["SUMMIT", "TRANSFER"],
        categorized["plain"].pk: [],
        categorized["draft"].pk: ["SUMMIT"],
    }
    assert "ner_tags" in loaded.column_names


def test_csv_has_a_row_per_category_with_empty_offsets(categorized):
    _, data = export(categorized["project"], categorized["manager"], format="csv")
    rows = list(csv.DictReader(io.StringIO(data.decode())))

    categories = [row for row in rows if row["start"] == ""]
    assert Counter(
        (int(row["document_id"]), row["label"], row["annotator"]) for row in categories
    ) == stored(gold=False)
    assert all(row["end"] == row["text"] == "" for row in categories)


def test_a_label_subset_keeps_only_those_categories(categorized):
    _, data = export(categorized["project"], categorized["manager"], labels="WEAPONS,SUMMIT")
    given = [c["label"] for line in data.splitlines() for c in json.loads(line)["categories"]]
    assert sorted(given) == ["SUMMIT", "SUMMIT"]


@pytest.fixture
def many(project, people, kinds):
    """40 documents: 20 given TRANSFER, 20 SUMMIT, in alice's layer."""
    for n in range(40):
        document = Document.objects.create(title=f"D{n}", text=f"Document number {n}.")
        project.documents.add(document)
        name = "TRANSFER" if n % 2 else "SUMMIT"
        category_add(
            project=project, document=document, annotator=people["alice"], label=kinds[name]
        )
    return project


def test_stratify_keeps_each_document_labels_fractions(many, people):
    run, data = export(many, people["manager"], layer="user:alice", split="0.5,0.5,0", stratify="1")
    lines = [json.loads(line) for line in data.splitlines()]
    per = Counter((line["categories"][0]["label"], line["split"]) for line in lines)

    assert per == Counter(
        {
            ("TRANSFER", "train"): 10,
            ("TRANSFER", "dev"): 10,
            ("SUMMIT", "train"): 10,
            ("SUMMIT", "dev"): 10,
        }
    )
    assert "stratified" in run.card()["split_rule"]
    # Deterministic: the same again.
    assert (
        export(many, people["manager"], layer="user:alice", split="0.5,0.5,0", stratify="1")[1]
        == data
    )


def test_stratify_needs_a_split_and_a_yes_or_no(project, people):
    with pytest.raises(BadParameter) as refused:
        options_parse({"stratify": "1"}, project=project, user=people["manager"])
    assert "give split too" in refused.value.errors["stratify"][0]
    with pytest.raises(BadParameter) as refused:
        options_parse(
            {"stratify": "yes", "split": "1,0,0"}, project=project, user=people["manager"]
        )
    assert "stratify=1" in refused.value.errors["stratify"][0]


def test_the_export_runs_a_bounded_number_of_queries(categorized, django_assert_max_num_queries):
    project, manager = categorized["project"], categorized["manager"]
    for n in range(30):
        document = Document.objects.create(title=f"X{n}", text=f"Extra document {n}.")
        project.documents.add(document)
        category_add(
            project=project,
            document=document,
            annotator=categorized["alice"],
            label=Label.objects.get(project=project, name="SUMMIT", kind=LabelKind.DOCUMENT),
        )
    options = options_parse({"layer": "all"}, project=project, user=manager)
    with django_assert_max_num_queries(8):
        b"".join(Export(project=project, options=options).stream())
