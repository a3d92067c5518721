"""The search page: hits grouped by document, links into the workspace, tag and undo."""

import pytest

from annotator.suggestions import Suggestion
from tests.jobs.conftest import run_worker

from .conftest import FIRST


def page(client, corpus, query: str = "", **headers):
    return client.get(f"/projects/{corpus.project.pk}/search/{query}", **headers)


def test_the_page_groups_hits_by_document_and_links_to_each(client, corpus):
    client.force_login(corpus.people["alice"])
    answer = page(client, corpus, "?q=kinzhal")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "6 hits" in html
    at = FIRST.index("Kinzhal")
    workspace = f"/projects/{corpus.project.pk}/documents/{corpus.documents[0].pk}/"
    assert f'href="{workspace}?at={at}-{at + 7}"' in html
    assert html.count('class="card hit-group"') == 2
    assert 'id="tag-all"' in html
    # Reviewers' filters are not offered to an analyst.
    assert "where analysts disagree" not in html and 'value="gold"' not in html


def test_text_is_escaped(client, corpus):
    from corpus.models import Document

    hostile = Document.objects.create(title="<b>x</b>", text="<script>alert(1)</script> Kinzhal")
    corpus.project.documents.add(hostile)
    client.force_login(corpus.people["alice"])
    html = page(client, corpus, "?q=kinzhal").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<b>x</b>" not in html


def test_bad_filters_are_shown_not_raised(client, corpus):
    client.force_login(corpus.people["reviewer"])
    answer = page(client, corpus, "?label=NOPE")
    assert answer.status_code == 200 and "Unknown label" in answer.content.decode()


def test_an_analyst_asking_for_gold_is_refused(client, corpus):
    client.force_login(corpus.people["alice"])
    assert page(client, corpus, "?layer=gold").status_code == 403


@pytest.mark.parametrize("documents", [2, 40])
def test_the_page_costs_the_same_for_more_documents(
    client, corpus, django_assert_max_num_queries, documents
):
    from corpus.models import Document

    more = Document.objects.bulk_create(
        Document(title=f"More {n}", text=f"{n} Kinzhal.", content_hash=str(n))
        for n in range(documents)
    )
    corpus.project.documents.add(*more)
    client.force_login(corpus.people["reviewer"])
    with django_assert_max_num_queries(12):
        assert page(client, corpus, "?q=kinzhal").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_tag_every_hit_and_undo_from_the_page(client, corpus):
    client.force_login(corpus.people["alice"])
    answer = client.post(
        f"/projects/{corpus.project.pk}/search/tag/",
        {"q": "kinzhal", "label": "PERSON", "as": "suggestions"},
    )
    assert answer.status_code == 302
    job = int(answer["Location"].rsplit("tag=", 1)[1])
    html = client.get(answer["Location"]).content.decode()
    assert "Waiting for a worker" in html
    run_worker()
    part = client.get(
        f"/projects/{corpus.project.pk}/search/tag/{job}/", headers={"HX-Request": "true"}
    )
    assert part.status_code == 286 and "Tagged 6 of 6 hits" in part.content.decode()
    assert Suggestion.objects.filter(source="search:kinzhal").count() == 6
    undone = client.post(f"/projects/{corpus.project.pk}/search/tag/{job}/undo/", follow=True)
    assert "Undone: 6 suggestions removed." in undone.content.decode()
    assert not Suggestion.objects.filter(source="search:kinzhal").exists()


def test_gold_tagging_is_refused_to_analysts(client, corpus):
    client.force_login(corpus.people["alice"])
    answer = client.post(
        f"/projects/{corpus.project.pk}/search/tag/",
        {"q": "kinzhal", "label": "PERSON", "as": "gold"},
    )
    assert answer.status_code == 403


def test_tagging_is_offered_only_when_the_page_lists_every_hit_of_the_phrase(client, corpus):
    client.force_login(corpus.people["reviewer"])
    for query in ["?q=kinzhal&label=WEAPONS", "?q=kinzhal&status=new", "?label=WEAPONS"]:
        assert 'id="tag-all"' not in page(client, corpus, query).content.decode(), query
    assert 'id="tag-all"' in page(client, corpus, "?q=kinzhal").content.decode()


def test_changing_the_listed_spans_is_offered_for_spans_i_may_edit(client, corpus):
    client.force_login(corpus.people["alice"])
    html = page(client, corpus, "?label=WEAPONS").content.decode()
    # alice's own WEAPONS span only: bob's is not hers to change.
    assert 'id="edit-all"' in html and "Delete all 1" in html and "Relabel all 1" in html
    assert 'id="edit-confirm"' in html and "required" in html
    for query in ["?q=kinzhal", "?q=kinzhal&label=WEAPONS", "?layer=suggestions"]:
        assert 'id="edit-all"' not in page(client, corpus, query).content.decode(), query
    client.force_login(corpus.people["reviewer"])
    assert "Delete all 1" in page(client, corpus, "?label=WEAPONS").content.decode()  # gold
    assert 'id="edit-all"' not in page(client, corpus, "?layer=user:alice").content.decode()


@pytest.mark.django_db(transaction=True)
def test_relabel_the_listed_spans_and_undo_from_the_page(client, corpus):
    from annotator.models import Span

    client.force_login(corpus.people["alice"])
    url = f"/projects/{corpus.project.pk}/search/edit/"
    # Without the confirmation box, nothing starts.
    refused = client.post(url, {"label": "WEAPONS", "kind": "relabel", "to": "PERSON"})
    assert refused.status_code == 302 and "edit=" not in refused["Location"]
    answer = client.post(
        url, {"label": "WEAPONS", "kind": "relabel", "to": "PERSON", "confirm": "1"}
    )
    assert answer.status_code == 302
    job = int(answer["Location"].rsplit("edit=", 1)[1])
    assert "Waiting for a worker" in client.get(answer["Location"]).content.decode()
    run_worker()
    part = client.get(
        f"/projects/{corpus.project.pk}/search/edit/{job}/", headers={"HX-Request": "true"}
    )
    assert part.status_code == 286 and "Relabelled 1 of 1 span." in part.content.decode()
    assert Span.objects.get(pk=corpus.spans["alice"].pk).label.name == "PERSON"
    undone = client.post(f"/projects/{corpus.project.pk}/search/edit/{job}/undo/", follow=True)
    assert "Undone: 1 span." in undone.content.decode()
    assert Span.objects.get(pk=corpus.spans["alice"].pk).label.name == "WEAPONS"


def test_deleting_another_layer_from_the_page_is_refused(client, corpus):
    from annotator.jobs import Job

    client.force_login(corpus.people["reviewer"])
    answer = client.post(
        f"/projects/{corpus.project.pk}/search/edit/",
        {"layer": "user:alice", "kind": "delete", "confirm": "1"},
        follow=True,
    )
    assert "Nothing changed" in answer.content.decode() and not Job.objects.exists()


@pytest.mark.parametrize("documents", [2, 40])
def test_the_span_list_with_its_edit_form_costs_the_same_for_more_spans(
    client, corpus, django_assert_max_num_queries, documents
):
    from annotator.services import span_create
    from corpus.models import Document

    for n in range(documents):
        more = Document.objects.create(title=f"More {n}", text=f"{n} Kinzhal.", external_id=f"{n}")
        corpus.project.documents.add(more)
        span_create(
            project=corpus.project,
            document=more,
            annotator=corpus.people["alice"],
            label=corpus.labels["WEAPONS"],
            start=len(str(n)) + 1,
            end=len(str(n)) + 8,
        )
    client.force_login(corpus.people["alice"])
    with django_assert_max_num_queries(14):
        answer = page(client, corpus, "?label=WEAPONS")
    assert f"Delete all {documents + 1}" in answer.content.decode()
