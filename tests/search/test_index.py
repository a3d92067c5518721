"""The search index follows the documents however they arrive: nothing stale after an
import, and a phrase is found through it on both databases."""

from django.db import connection

from corpus.models import Document
from corpus.search import narrow, phrase_pattern


def test_an_upload_is_searchable_at_once(corpus, client_for):
    manager = client_for("manager")
    items = [
        {"text": f"Item {n}: a Zircon hypersonic missile.", "title": f"Z{n}"} for n in range(30)
    ]
    answer = manager.post(f"/api/projects/{corpus.project.pk}/documents/", items, format="json")
    assert answer.status_code == 201
    body = manager.get(f"/api/projects/{corpus.project.pk}/search/?q=zircon%20HYPERSONIC").json()
    assert body["count"] == 30
    assert {hit["document"] for hit in body["results"]} == set(answer.json()["ids"])


def test_the_index_narrows_and_never_misses(corpus):
    documents = Document.objects.all()
    assert set(narrow(documents, "kinzhal")) == set(corpus.documents[:2]) | {
        Document.objects.get(title="Secret")
    }
    assert list(narrow(documents, "weapon here")) == [corpus.documents[2]]
    # Any whitespace between the words; punctuation inside a word is literal.
    assert list(narrow(documents, "Kinzhal\tmissiles").order_by("pk")) == corpus.documents[:2]
    assert not narrow(documents, "kinzhal.missiles").exists()


def test_text_changed_before_any_span_is_indexed_again(corpus):
    document = Document.objects.create(title="Draft", text="An Oreshnik test.")
    document.text = "A Sarmat test."
    document.save()
    documents = Document.objects.filter(pk=document.pk)
    assert not narrow(documents, "oreshnik").exists()
    assert narrow(documents, "sarmat").exists()
    document.delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM corpus_document_fts")
            assert cursor.fetchone()[0] == Document.objects.count()


def test_whole_words_and_combining_marks():
    pattern = phrase_pattern("café")
    assert [m.span() for m in pattern.finditer("café cafe\u0301 cafés CAFÉ")] == [(0, 4), (17, 21)]
    # A phrase ending in punctuation needs no word boundary after it.
    assert phrase_pattern("U.S.").search("the U.S.-made shells")


def test_the_databases_count_agrees_with_the_places_found_in_python(project):
    from corpus.search import counted, find

    texts = [
        "Kinzhal\u00a0missiles, kinzhal\u2003MISSILES and Kinzhal-missiles.",
        "superkinzhal missiles; Kinzhal missilesX; _Kinzhal missiles; Kinzhal\n\tmissiles",
        "cafe\u0301 kinzhal missiles\u0301 — 👋🏽Kinzhal missiles👋🏽",
    ]
    documents = [Document.objects.create(title=f"T{n}", text=t) for n, t in enumerate(texts)]
    project.documents.add(*documents)
    in_python = {
        d.pk: n
        for d in documents
        if (n := len(list(find(phrase_pattern("kinzhal missiles"), d.text))))
    }
    assert in_python == {documents[0].pk: 2, documents[1].pk: 1, documents[2].pk: 1}
    in_database = counted(project.documents.all(), "kinzhal missiles")
    if connection.vendor == "postgresql":
        assert dict(in_database) == in_python
    else:
        assert in_database is None  # SQLite: the places are counted in Python
