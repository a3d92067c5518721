"""How the doccano 1.8.4 exports beside this file were made: written as doccano 1.8.4's
export task writes them (backend/data_export: ``ExportedExample.to_dict`` gives ``id``,
``data`` and the meta fields spread beside them; ``TupledSpanFormatter`` sorts each
user's spans as ``[start, end, "LABEL"]``; comments are that user's texts, sorted;
``data`` is renamed ``text`` and ``entities`` ``label``; pandas writes the lines with
``to_json(orient="records", force_ascii=False, lines=True)``, so a meta field another
document lacks is ``null`` and ``/`` is written ``\\/``). With relations on, spans are
``entities`` dicts, with ``relations`` and comments ``{id, comment}``.

The spans are given by the words they cover; ``admin`` made hers through doccano's API
(code points), ``ann2`` in its web page, whose offsets are JavaScript's UTF-16 code
units: after an emoji the two differ, as in the exports the issue was filed with.
Not a test: run it to make the files again (pandas needed).
"""

import json
import zipfile
from pathlib import Path

import pandas

HERE = Path(__file__).parent

DOCUMENTS = [
    {
        "text": "Vladimir Putin 🚀 flew to Vladivostok — then met Kim Jong Un.",
        "source": "probe",
        "url": "https://example.org/a/1",
    },
    {"text": "Angela Merkel met Emmanuel Macron in Paris on Tuesday.", "source": "wire"},
    {
        "text": "Café owners in Montréal 😀 cheered as the café (closed since May) reopened.",
        "source": "probe",
    },
    {"text": "The 🇫🇷 team from Lyon beat Real Madrid 2–1 in Lisbon.", "source": "sport"},
    {"text": "Nobody annotated this one.", "source": "wire", "url": "https://example.org/a/5"},
    {"text": "𝐁𝐨𝐥𝐝 letters: Oslo and Bergen signed with Equinor.", "source": "probe"},
]

# (document index, word, label, occurrence) by user; admin through the API, ann2 in the page
SPANS = {
    "admin": [
        (0, "Vladimir Putin", "PER"),
        (0, "Vladivostok", "LOC"),
        (0, "Kim Jong Un", "PER"),
        (1, "Angela Merkel", "PER"),
        (1, "Emmanuel Macron", "PER"),
        (1, "Paris", "LOC"),
        (2, "Montréal", "LOC"),
        (3, "Lyon", "LOC"),
        (3, "Real Madrid", "ORG"),
        (5, "Oslo", "LOC"),
        (5, "Equinor", "ORG"),
    ],
    "ann2": [
        (0, "Vladimir Putin", "PER"),
        (0, "Vladivostok", "LOC"),
        (1, "Angela Merkel", "PER"),
        (1, "Paris", "LOC"),
        (2, "café (closed", "MISC"),
        (3, "Real Madrid", "ORG"),
        (3, "Lisbon", "LOC"),
        (5, "Bergen", "LOC"),
    ],
}
VIA_PAGE = {"ann2"}
COMMENTS = {"admin": {1: ["Check: was Macron there?"]}, "ann2": {2: ["Is a café an ORG?"]}}


def offsets(text: str, word: str, utf16: bool) -> tuple[int, int]:
    start = text.index(word)
    end = start + len(word)
    if utf16:
        start = len(text[:start].encode("utf-16-le")) // 2
        end = len(text[:end].encode("utf-16-le")) // 2
    return start, end


def rows(user: str | None, relations: bool = False) -> list[dict]:
    users = [user] if user else list(SPANS)
    out = []
    for number, document in enumerate(DOCUMENTS):
        row = {"id": number + 1, "data": document["text"]}
        row |= {key: value for key, value in document.items() if key != "text"}
        spans = sorted(
            (*offsets(document["text"], word, who in VIA_PAGE), label)
            for who in users
            for index, word, label in SPANS[who]
            if index == number
        )
        comments = sorted(c for who in users for c in COMMENTS.get(who, {}).get(number, []))
        if relations:
            row["entities"] = [
                {"id": 100 * (number + 1) + n, "label": label, "start_offset": s, "end_offset": e}
                for n, (s, e, label) in enumerate(spans)
            ]
            row["relations"] = (
                [{"id": 7, "from_id": row["entities"][0]["id"], "to_id": row["entities"][1]["id"]}]
                if len(spans) > 1
                else []
            )
            for relation in row["relations"]:
                relation["type"] = "met"
            row["Comments"] = [{"id": 50 + n, "comment": c} for n, c in enumerate(comments)]
        else:
            row["entities"] = [list(span) for span in spans]
            row["Comments"] = comments
        out.append(row)
    return out


def write(rows_: list[dict]) -> bytes:
    frame = pandas.DataFrame(rows_)
    frame = frame.rename(columns={"data": "text"})
    if "relations" not in frame.columns:
        frame = frame.rename(columns={"entities": "label"})
    return frame.to_json(orient="records", force_ascii=False, lines=True).encode()


def main() -> None:
    with zipfile.ZipFile(HERE / "doccano-1.8.4-per-user.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for user in SPANS:
            z.writestr(f"{user}.jsonl", write(rows(user)))
    with zipfile.ZipFile(HERE / "doccano-1.8.4-collaborative.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("all.jsonl", write(rows(None)))
    with zipfile.ZipFile(HERE / "doccano-1.8.4-relations.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("admin.jsonl", write(rows("admin", relations=True)))
    # What each span means, for the tests: its words by user and document.
    meant = {
        user: [[index, word, label] for index, word, label in spans]
        for user, spans in SPANS.items()
    }
    (HERE / "doccano-meant.json").write_text(json.dumps(meant, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
