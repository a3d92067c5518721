"""Each export format read back by the tool its users train with (no HTTP here)."""

import csv
import io
import json
import os
import zipfile

import spacy
from django.core.management import call_command
from seqeval.metrics.sequence_labeling import get_entities
from seqeval.scheme import IOB2, Entities
from spacy.tokens import DocBin
from spacy.training import Corpus

from annotator.exports import rules
from annotator.exports.docbin import DocBinWriter
from annotator.exports.engine import Export
from annotator.exports.options import options_parse
from annotator.models import Label, Membership, Project, Role, Span
from annotator.services import span_create
from annotator.suggestions import Suggestion
from annotator.tokens import pipeline
from corpus.models import Document

from .conftest import find

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def export(project, user, **params) -> tuple[Export, bytes]:
    options = options_parse(params, project=project, user=user)
    run = Export(project=project, options=options)
    return run, b"".join(run.stream())


def stored(project, **filters) -> set[tuple[int, int, int, str]]:
    """(document, start, end, label) of the stored spans matching ``filters``."""
    return set(
        Span.objects.filter(project=project, **filters).values_list(
            "document_id", "start", "end", "label__name"
        )
    )


def flat_expected(project, **filters) -> set[tuple[int, int, int, str]]:
    """What a flat format must hold: the stored spans after the documented overlap rule."""
    spans: dict[int, list] = {}
    for document, start, end, label, who in Span.objects.filter(
        project=project, **filters
    ).values_list("document_id", "start", "end", "label__name", "annotator__username"):
        spans.setdefault(document, []).append(rules.ExportSpan(start, end, label, who, "x"))
    return {
        (document, s.start, s.end, s.label)
        for document, items in spans.items()
        for s in rules.flat(items)[0]
    }


# jsonl ----------------------------------------------------------------------------------


def test_jsonl_lines_have_the_api_shape_and_offsets_slice_the_text(annotated):
    project, manager = annotated["project"], annotated["manager"]
    _, data = export(project, manager, format="jsonl", layer="user:bob")
    lines = [json.loads(line) for line in data.decode().splitlines()]
    assert [line["id"] for line in lines] == sorted(line["id"] for line in lines)
    first = lines[0]
    assert list(first) == ["id", "external_id", "title", "text", "meta", "spans"]
    assert first["text"] == annotated["tricky"].text
    for line in lines:
        for span in line["spans"]:
            assert {"start", "end", "label", "text", "annotator"} <= set(span)
            assert line["text"][span["start"] : span["end"]] == span["text"]
            assert span["annotator"] == "bob"
    bomb = next(s for s in first["spans"] if s["text"] == "💣")
    assert (bomb["start"], bomb["end"]) == find(first["text"], "💣")


def test_jsonl_round_trips_through_import_documents(annotated, tmp_path, make_user):
    project, manager = annotated["project"], annotated["manager"]
    _, data = export(project, manager, format="jsonl", layer="all")
    path = tmp_path / "export.jsonl"
    path.write_bytes(data)
    fresh = _fresh_project(project, annotated)
    call_command("import_documents", str(path), project=str(fresh.pk), user="manager", verbosity=0)
    assert _layer_set(fresh, gold=False) == _layer_set(project, gold=False)


def test_a_gold_jsonl_export_loads_back_into_gold(annotated, tmp_path):
    """Its spans say ``"layer": "gold"``: they go into the fresh project's gold, curated by
    the reviewer named beside them (a member, as any annotator an import names)."""
    project, manager = annotated["project"], annotated["manager"]
    _, data = export(project, manager, format="jsonl", layer="gold")
    path = tmp_path / "gold.jsonl"
    path.write_bytes(data)
    fresh = _fresh_project(project, annotated)
    Membership.objects.create(project=fresh, user=annotated["reviewer"], role=Role.REVIEWER)
    call_command("import_documents", str(path), project=str(fresh.pk), user="manager", verbosity=0)
    assert not Span.objects.filter(project=fresh, gold=False).exists()
    assert _layer_set(fresh, gold=True) == _layer_set(project, gold=True)


def test_majority_and_suggestions_exports_load_into_the_uploaders_layer(annotated, tmp_path):
    """Their spans say ``"layer": "majority"`` or ``"suggestions"``, which no upload goes
    back into: they load as spans that name no layer do."""
    project, manager = annotated["project"], annotated["manager"]
    plain = annotated["plain"]
    Suggestion.objects.create(
        project=project,
        document=plain,
        label=project.labels.get(name="PERSON"),
        start=0,
        end=plain.text.index(" "),
        source="rules:names",
    )
    for layer in ("majority", "suggestions"):
        _, data = export(project, manager, format="jsonl", layer=layer)
        path = tmp_path / f"{layer}.jsonl"
        path.write_bytes(data)
        fresh = _fresh_project(project, annotated)
        call_command(
            "import_documents", str(path), project=str(fresh.pk), user="manager", verbosity=0
        )
        spans = [json.loads(line)["spans"] for line in data.decode().splitlines()]
        assert sum(map(len, spans)) > 0, layer
        assert Span.objects.filter(project=fresh).count() == sum(map(len, spans))
        assert set(
            Span.objects.filter(project=fresh).values_list("annotator__username", "gold")
        ) <= {("manager", False)}


def test_doccano_round_trips_through_import_documents(annotated, tmp_path):
    project, manager = annotated["project"], annotated["manager"]
    _, data = export(project, manager, format="doccano", layer="user:alice")
    lines = [json.loads(line) for line in data.decode().splitlines()]
    assert all(set(line) >= {"text", "label"} for line in lines)
    path = tmp_path / "doccano.jsonl"
    path.write_bytes(data)
    fresh = _fresh_project(project, annotated)
    call_command("import_documents", str(path), project=str(fresh.pk), user="alice", verbosity=0)
    alice = annotated["alice"]
    assert {s[:4] for s in _layer_set(fresh, gold=False, annotator=alice)} == {
        s[:4] for s in _layer_set(project, gold=False, annotator=alice)
    }


def test_doccano_merges_identical_spans_of_several_annotators(annotated):
    run, data = export(annotated["project"], annotated["manager"], format="doccano", layer="all")
    first = json.loads(data.decode().splitlines()[0])
    extents = [tuple(label) for label in first["label"]]
    assert len(extents) == len(set(extents))
    assert run.report.merged.total == 2  # "artillery shells" by bob, "Kim Jong Un" by bob


def _fresh_project(project, annotated) -> Project:
    fresh = Project.objects.create(
        name="Round trip",
        allow_overlap=True,
        annotators_per_document=project.annotators_per_document,
    )
    for label in project.labels.all():
        Label.objects.create(project=fresh, name=label.name, order=label.order)
    for name, role in [
        ("manager", Role.MANAGER),
        ("alice", Role.ANNOTATOR),
        ("bob", Role.ANNOTATOR),
    ]:
        Membership.objects.create(project=fresh, user=annotated[name], role=role)
    return fresh


def _layer_set(project, **filters) -> set[tuple]:
    return set(
        Span.objects.filter(project=project, **filters).values_list(
            "document__text", "start", "end", "label__name", "annotator__username"
        )
    )


# conll ----------------------------------------------------------------------------------


def conll_documents(text: str) -> list[list[list[tuple[str, str]]]]:
    """Documents → sentences → (token, tag), read the way CoNLL readers do."""
    documents: list = []
    sentence: list = []
    for line in text.split("\n"):
        if line.startswith("-DOCSTART-"):
            documents.append([])
            continue
        if not line:
            if sentence:
                documents[-1].append(sentence)
                sentence = []
            continue
        token, tag = line.split("\t")
        sentence.append((token, tag))
    assert not sentence, "the file ends with a blank line"
    return documents


def assert_strict_iob2(tags: list[str]) -> None:
    previous = "O"
    for tag in tags:
        assert tag == "O" or tag[:2] in {"B-", "I-"}, tag
        if tag.startswith("I-"):
            assert previous[2:] == tag[2:] and previous != "O", f"{tag} after {previous}"
        previous = tag


def test_conll_is_valid_iob2_and_entities_map_back_to_spans(annotated):
    project, manager = annotated["project"], annotated["manager"]
    run, data = export(project, manager, format="conll", layer="all")
    documents = conll_documents(data.decode())
    texts = [d.text for d in project.documents.order_by("pk")]
    ids = list(project.documents.order_by("pk").values_list("pk", flat=True))
    assert len(documents) == len(texts)
    found = set()
    for document_id, text, sentences in zip(ids, texts, documents, strict=True):
        offsets, position = [], 0
        for sentence in sentences:
            tags = [tag for _, tag in sentence]
            assert_strict_iob2(tags)
            Entities([tags], scheme=IOB2)  # seqeval's strict IOB2 reader accepts it
            for token, _ in sentence:
                assert token.strip() == token and token, "no whitespace tokens"
                start = text.index(token, position)
                offsets.append((start, start + len(token)))
                position = start + len(token)
        tags = [tag for sentence in sentences for _, tag in sentence]
        for label, first, last in get_entities(tags):
            found.add((document_id, offsets[first][0], offsets[last][1], label))
    assert found == flat_expected(project, gold=False)
    assert run.report.dropped.total == 1  # bob's "shells" inside his "artillery shells"
    assert "overlaps" in run.report.dropped.examples[0]["reason"]


def test_conll_with_a_split_is_a_zip_of_one_file_per_split_with_the_card(annotated):
    _, data = export(
        annotated["project"], annotated["manager"], format="conll", layer="gold", split="0.5,0.5,0"
    )
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == ["train.conll", "dev.conll", "test.conll", "card.json"]
    card = json.loads(archive.read("card.json"))
    assert card["split"] == {"train": 0.5, "dev": 0.5, "test": 0}
    blocks = sum(archive.read(n).decode().count("-DOCSTART-") for n in archive.namelist()[:3])
    assert blocks == 3 == card["documents"]
    assert archive.read("test.conll") == b""


# spaCy ----------------------------------------------------------------------------------


def test_docbin_loads_in_spacy_with_ents_equal_to_the_stored_spans(annotated):
    project, manager = annotated["project"], annotated["manager"]
    run, data = export(project, manager, format="spacy", layer="all")
    docs = list(DocBin().from_bytes(data).get_docs(spacy.blank("en").vocab))
    texts = list(project.documents.order_by("pk").values_list("pk", "text"))
    assert [doc.text for doc in docs] == [text for _, text in texts]
    ents = {
        (document_id, ent.start_char, ent.end_char, ent.label_)
        for (document_id, _), doc in zip(texts, docs, strict=True)
        for ent in doc.ents
    }
    assert ents == flat_expected(project, gold=False)
    assert run.report.dropped.total == 1


def test_docbin_split_zip_reads_with_spacy_train_corpus(annotated, tmp_path):
    _, data = export(
        annotated["project"], annotated["manager"], format="spacy", layer="gold", split="1,0,0"
    )
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == ["train.spacy", "dev.spacy", "test.spacy", "card.json"]
    archive.extractall(tmp_path)
    nlp = spacy.blank("en")
    examples = list(Corpus(tmp_path / "train.spacy")(nlp))  # what `spacy train` reads
    assert len(examples) == 3
    golds = {
        (e.reference.text[ent.start_char : ent.end_char], ent.label_)
        for e in examples
        for ent in e.reference.ents
    }
    assert golds == {("artillery shells", "WEAPONS"), ("Vladimir Putin", "PERSON")}
    assert list(Corpus(tmp_path / "test.spacy")(nlp)) == []


def test_docbin_writer_matches_spacy_docbin_for_the_same_docs():
    nlp = pipeline()
    docs = [nlp.tokenizer(text) for text in ["Kim met Putin.", "Hi 👋🏽\u00a0 café\u0301!", "x"]]
    docs[0].ents = [docs[0].char_span(0, 3, label="PERSON")]
    writer = DocBinWriter()
    for doc in docs:
        writer.add(doc)
    ours = list(DocBin().from_bytes(b"".join(writer.chunks())).get_docs(nlp.vocab))
    reference_bytes = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], docs=docs).to_bytes()
    theirs = list(DocBin().from_bytes(reference_bytes).get_docs(nlp.vocab))
    for mine, reference in zip(ours, theirs, strict=True):
        assert [t.text_with_ws for t in mine] == [t.text_with_ws for t in reference]
        assert [(e.start, e.end, e.label_) for e in mine.ents] == [
            (e.start, e.end, e.label_) for e in reference.ents
        ]


def test_misaligned_span_is_contracted_or_dropped_and_counted(annotated):
    project, alice = annotated["project"], annotated["alice"]
    plain = annotated["plain"]
    weapons = project.labels.get(name="WEAPONS")
    start, end = find(plain.text, "artillery shells")
    # "rtillery shell": no whole token inside → dropped; "They spoke ab" → contracted.
    span_create(
        project=project,
        document=plain,
        annotator=alice,
        label=weapons,
        start=start + 1,
        end=end - 1,
    )
    they, _ = find(plain.text, "They spoke ab")
    span_create(
        project=project,
        document=plain,
        annotator=alice,
        label=weapons,
        start=they,
        end=they + len("They spoke ab"),
    )
    run, data = export(project, alice, format="spacy", layer="mine")
    assert run.report.dropped.total == 1
    assert run.report.dropped.examples[0]["reason"].startswith("misaligned")
    assert run.report.adjusted.total == 1
    assert "contracted" in run.report.adjusted.examples[0]["reason"]
    docs = list(DocBin().from_bytes(data).get_docs(pipeline().vocab))
    plain_doc = docs[1]
    assert ("They spoke", "WEAPONS") in {(e.text, e.label_) for e in plain_doc.ents}


# Hugging Face ---------------------------------------------------------------------------


def test_hf_loads_with_datasets_and_tags_are_iob2(annotated, tmp_path):
    import datasets

    project, manager = annotated["project"], annotated["manager"]
    run, data = export(project, manager, format="hf", layer="majority", split="0.6,0.2,0.2")
    path = tmp_path / "hf.jsonl"
    path.write_bytes(data)
    loaded = datasets.load_dataset(
        "json", data_files=str(path), cache_dir=str(tmp_path / "cache"), split="train"
    )
    assert set(loaded.column_names) >= {"tokens", "ner_tags", "split", "document_id"}
    card = run.card()
    assert card["tag_names"] == [
        "O",
        "B-WEAPONS",
        "I-WEAPONS",
        "B-PERSON",
        "I-PERSON",
        "B-LOCATION",
        "I-LOCATION",
    ]
    entities = set()
    for row in loaded:
        assert len(row["tokens"]) == len(row["ner_tags"])
        assert set(row["ner_tags"]) <= set(card["tag_names"])
        assert_strict_iob2(row["ner_tags"])
        for label, first, last in get_entities(row["ner_tags"]):
            entities.add((" ".join(row["tokens"][first : last + 1]), label))
    assert entities == {("artillery shells", "WEAPONS"), ("Kim Jong Un", "PERSON")}


# brat -----------------------------------------------------------------------------------


def test_brat_ann_offsets_slice_the_utf8_txt(annotated):
    project, manager = annotated["project"], annotated["manager"]
    _, data = export(project, manager, format="brat", layer="all")
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert "annotation.conf" in names and "card.json" in names
    found = set()
    for name in names:
        if not name.endswith(".ann"):
            continue
        text = archive.read(name.replace(".ann", ".txt")).decode("utf-8")
        document_id = int(name.removeprefix("doc-").removesuffix(".ann"))
        for line in archive.read(name).decode().splitlines():
            if line.startswith("#"):
                assert "\tAnnotatorNotes T" in line
                continue
            _, middle, covered = line.split("\t")
            label, where = middle.split(" ", 1)
            fragments = [tuple(map(int, part.split())) for part in where.split(";")]
            assert covered == " ".join(text[a:b] for a, b in fragments)
            found.add((document_id, fragments[0][0], fragments[-1][1], label))
    assert found == stored(project, gold=False)


def test_brat_writes_a_span_across_a_line_break_as_fragments(project, people):
    document = project.documents.create(text="Kim Jong\nUn arrived.", external_id="lines")
    span_create(
        project=project,
        document=document,
        annotator=people["alice"],
        label=project.labels.get(name="PERSON"),
        start=0,
        end=11,
    )
    _, data = export(project, people["manager"], format="brat")
    ann = zipfile.ZipFile(io.BytesIO(data)).read(f"doc-{document.pk}.ann").decode()
    assert ann.splitlines()[0] == "T1\tPERSON 0 8;9 11\tKim Jong Un"


# csv ------------------------------------------------------------------------------------


def test_csv_has_one_row_per_span_with_split(annotated):
    project, manager = annotated["project"], annotated["manager"]
    _, data = export(project, manager, format="csv", layer="all", split="0.8,0.1,0.1", seed="3")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert len(rows) == Span.objects.filter(project=project, gold=False).count()
    texts = dict(project.documents.values_list("pk", "text"))
    for row in rows:
        start, end = int(row["start"]), int(row["end"])
        assert texts[int(row["document_id"])][start:end] == row["text"]
        assert row["split"] in {"train", "dev", "test"}


# The seed articles ----------------------------------------------------------------------


def test_seed_articles_with_curly_quotes_and_nbsp_export_exactly(demo, make_user):
    manager = make_user("chief")
    Membership.objects.create(project=demo, user=manager, role=Role.MANAGER)
    article = demo.documents.get(external_id="newseum-kim-putin")
    weapons = demo.labels.order_by("order").first()
    quoted = find(article.text, "“convince Pyongyang to sell artillery ammunition”")
    nbsp = find(article.text, "supply\u00a0")
    for start, end in (quoted, (nbsp[0], nbsp[1] - 1)):
        span_create(
            project=demo, document=article, annotator=manager, label=weapons, start=start, end=end
        )
    _, jsonl = export(demo, manager, format="jsonl", layer="mine")
    line = next(json.loads(x) for x in jsonl.decode().splitlines() if "newseum" in x)
    assert line["text"] == article.text
    assert [s["text"] for s in line["spans"]] == [
        "supply",
        "“convince Pyongyang to sell artillery ammunition”",
    ][:: 1 if nbsp < quoted else -1]
    _, docbin = export(demo, manager, format="spacy", layer="mine")
    docs = list(DocBin().from_bytes(docbin).get_docs(pipeline().vocab))
    ents = {(e.start_char, e.end_char) for d in docs for e in d.ents if d.text == article.text}
    assert ents == {quoted, (nbsp[0], nbsp[1] - 1)}
    _, conll = export(demo, manager, format="conll", layer="mine")
    tags = [line.split("\t")[1] for line in conll.decode().splitlines() if "\t" in line]
    assert_strict_iob2(tags)
    assert tags.count("B-" + weapons.name) == 2


def test_sentence_rule_on_arrays_matches_spacys_sentencizer(demo):
    from spacy.attrs import IS_PUNCT, ORTH

    from annotator.exports.engine import sentence_starts
    from annotator.tokens import parse

    texts = [*demo.documents.values_list("text", flat=True), "Hi 👋🏽. “Yes!” he said... Ok?! x"]
    for text in texts:
        doc = parse(text)
        array = doc.to_array([ORTH, IS_PUNCT])
        assert sentence_starts(array[:, 0], array[:, 1]).tolist() == [s.start for s in doc.sents]


# Token formats against a plain per-token reading of spaCy ---------------------------------

TOKEN_TEXTS = [
    'He said "hi\\there" \x01ok. Kim Jong Un\tmet Putin!',
    "“Yes!” he said... Ok?! x",
    "Mr. Kim\u00a0met  Putin\n\nin Vostochny. 👋🏽 café\u0301 (152-mm) shells.",
    "“Quoted start”. Then\u2028more\x7f; end",
    "x",
]


def _reference(text: str, spans: list[tuple[int, int, str]]) -> dict:
    """What the token formats must hold for one text, read from spaCy's own objects token
    by token: the sentencizer's sentences (merged where a span straddles a break), the
    non-whitespace tokens, and the spans contracted to the whole tokens inside them."""
    doc = pipeline()(text)
    words = [t for t in doc if not t.is_space]
    position = {t.i: n for n, t in enumerate(words)}
    tags = ["O"] * len(words)
    ents, dropped, adjusted = set(), 0, 0
    for start, end, label in spans:
        inside = [n for n, t in enumerate(words) if t.idx >= start and t.idx + len(t) <= end]
        if not inside:
            dropped += 1
            continue
        first, last = inside[0], inside[-1]
        tags[first : last + 1] = [f"B-{label}"] + [f"I-{label}"] * (last - first)
        extent = (words[first].idx, words[last].idx + len(words[last]))
        adjusted += extent != (start, end)
        ents.add((*extent, label))
    sentences: list[list[int]] = []
    for sent in doc.sents:
        members = [position[t.i] for t in sent if not t.is_space]
        if sentences and members and tags[members[0]].startswith("I-"):
            sentences[-1].extend(members)  # a break inside a span is ignored
        elif members:
            sentences.append(members)
    return {
        "sentences": [[words[n].text for n in s] for s in sentences],
        "tags": [[tags[n] for n in s] for s in sentences],
        "ents": ents,
        "dropped": dropped,
        "adjusted": adjusted,
    }


def _token_project(project, people) -> list[tuple[Document, list]]:
    alice, labels = people["alice"], {label.name: label for label in project.labels.all()}
    made = []
    for n, text in enumerate(TOKEN_TEXTS):
        document = Document.objects.create(text=text, external_id=f'tok-"{n}"\\')
        project.documents.add(document)
        spans = []
        for needle, label in [
            ('"hi\\there"', "PERSON"),  # contracted to whole tokens
            ("Kim Jong Un", "PERSON"),
            ("Yes!” he", "WEAPONS"),  # across a sentence break
            ("ai", "LOCATION"),  # inside a token: dropped
            ("Kim\u00a0me", "PERSON"),  # contracted to "Kim"
            ("Putin\n\nin Vostochny", "LOCATION"),
            ("152-mm", "WEAPONS"),
            ("Then\u2028more", "PERSON"),
        ]:
            if needle in text:
                start, end = find(text, needle)
                span_create(
                    project=project,
                    document=document,
                    annotator=alice,
                    label=labels[label],
                    start=start,
                    end=end,
                )
                spans.append((start, end, label))
        made.append((document, spans))
    return made


def test_token_formats_match_spacy_token_by_token_across_batches(project, people, monkeypatch):
    from annotator.exports import engine

    made = _token_project(project, people)
    manager = people["manager"]
    # Tiny batches and chunks: documents are tokenised apart and batched together.
    for batch_size, chunk in [(1, 1), (40, 2), (1 << 16, 100)]:
        monkeypatch.setattr(engine, "BATCH_CODE_POINTS", batch_size)
        monkeypatch.setattr(engine, "CHUNK_SIZE", chunk)
        run, conll = export(project, manager, format="conll", layer="user:alice")
        _, hf = export(project, manager, format="hf", layer="user:alice")
        _, docbin = export(project, manager, format="spacy", layer="user:alice")
        documents = conll_documents(conll.decode())
        lines = [json.loads(line) for line in hf.decode().splitlines()]
        docs = list(DocBin().from_bytes(docbin).get_docs(pipeline().vocab))
        assert len(documents) == len(docs) == len(made)
        for (document, spans), blocks, doc in zip(made, documents, docs, strict=True):
            expected = _reference(document.text, spans)
            assert expected["sentences"], document.text
            assert [[w for w, _ in b] for b in blocks] == expected["sentences"]
            assert [[t for _, t in b] for b in blocks] == expected["tags"]
            mine = [line for line in lines if line["document_id"] == document.pk]
            assert [line["tokens"] for line in mine] == expected["sentences"]
            assert [line["ner_tags"] for line in mine] == expected["tags"]
            assert [line["sentence"] for line in mine] == list(range(len(mine)))
            assert {line["external_id"] for line in mine} <= {document.external_id}
            assert doc.text == document.text
            assert {(e.start_char, e.end_char, e.label_) for e in doc.ents} == expected["ents"]
        references = [_reference(document.text, spans) for document, spans in made]
        assert run.report.dropped.total == sum(r["dropped"] for r in references) == 2
        assert run.report.dropped.examples[0]["reason"].startswith("misaligned")
        assert run.report.adjusted.total == sum(r["adjusted"] for r in references) >= 1
    assert b"\\u0001" in hf and b'\\"' in hf  # JSON escapes, as json.dumps writes them


def test_sentence_rule_over_several_documents_restarts_at_each():
    import numpy
    from spacy.attrs import IS_PUNCT, ORTH

    from annotator.exports.engine import sentence_starts
    from annotator.tokens import parse

    # A document that ends with "." before one that starts with punctuation: the "."
    # must not start a sentence in the next document.
    texts = ["It ended.", "“Then” it began. Again", "!", "x y.", "(x) z"]
    docs = [parse(text) for text in texts]
    arrays = [doc.to_array([ORTH, IS_PUNCT]) for doc in docs]
    offsets = [0]
    for doc in docs:
        offsets.append(offsets[-1] + len(doc))
    joined = numpy.concatenate(arrays)
    found = sentence_starts(joined[:, 0], joined[:, 1], numpy.array(offsets[:-1]))
    expected = [
        offset + s.start for offset, doc in zip(offsets, docs, strict=False) for s in doc.sents
    ]
    assert found.tolist() == expected
    assert 4 not in expected  # "Then", after the second document's opening "“"
