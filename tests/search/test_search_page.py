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
