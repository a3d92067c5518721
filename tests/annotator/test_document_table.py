"""The project page's documents table: search, filters, sort, assignees, review and
dispute columns, bulk assignment of every match, and its bounded statements."""

import re

import pytest
from django.urls import reverse

from annotator.models import DocumentStatus, Status
from annotator.services import documents_assign
from corpus.models import Document


def titles(client, project, **query) -> list[str]:
    page = client.get(reverse("project", args=[project.pk]), query)
    assert page.status_code == 200
    body = page.content.decode()
    return re.findall(r'<a href="/projects/\d+/documents/\d+/">([^<]+)</a>', body)


def signed_in(client, user):
    client.force_login(user)
    return client


def test_filters_by_an_annotators_status(client, table):
    manager = signed_in(client, table["manager"])
    project, alice = table["project"], table["alice"]
    assert titles(manager, project, assignee=alice.pk, status="in_progress") == ["Draft"]
    assert titles(manager, project, assignee=alice.pk, status="complete") == [
        "Tricky",
        "Plain",
        "Agreed",
    ]
    assert titles(manager, project, assignee=table["bob"].pk) == ["Tricky", "Plain", "Agreed"]
    assert titles(manager, project, assignee="none") == ["Fresh"]
    assert titles(manager, project, status="in_progress") == ["Draft"]


def test_filters_by_review_and_dispute_as_the_review_page_decides(client, table):
    manager = signed_in(client, table["manager"])
    project = table["project"]
    assert titles(manager, project, reviewed="yes") == ["Plain"]
    assert titles(manager, project, reviewed="no") == ["Tricky", "Draft", "Agreed", "Fresh"]
    # Tricky: bob's extra spans; Plain: alice's "Vostochny". Draft has one finisher: nothing
    # to compare yet.
    assert titles(manager, project, disputed="yes") == ["Tricky", "Plain"]
    assert titles(manager, project, disputed="no") == ["Draft", "Agreed", "Fresh"]
    body = manager.get(reverse("project", args=[project.pk])).content.decode()
    assert body.count('class="badge disputed"') == 2
    assert "by reviewer" in body


def test_searches_title_and_text_case_insensitively_and_sorts(client, table):
    manager = signed_in(client, table["manager"])
    project = table["project"]
    assert titles(manager, project, q="arrived") == ["Tricky", "Fresh"]
    assert titles(manager, project, q="PLAIN") == ["Plain"]
    assert titles(manager, project, q="vostochny", sort="-title") == ["Plain", "Draft"]
    assert titles(manager, project, sort="title") == ["Agreed", "Draft", "Fresh", "Plain", "Tricky"]
    assert titles(manager, project, sort="newest")[0] == "Fresh"


def test_the_search_is_a_substring_found_through_the_index_and_follows_a_new_title(client, table):
    manager = signed_in(client, table["manager"])
    project = table["project"]
    # Parts of words, any case, short ones (too short for trigrams), a quote, a dot.
    assert titles(manager, project, q="OSTOCH") == ["Plain", "Draft"]
    assert titles(manager, project, q="ai") == ["Plain"]
    assert titles(manager, project, q='"x') == []
    assert titles(manager, project, q="n.*") == []
    Document.objects.filter(title="Fresh").update(title="Brand-new name")
    assert titles(manager, project, q="brand-NEW") == ["Brand-new name"]
    assert titles(manager, project, q="fresh") == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"assignee": "999999"}, "Select a valid choice"),
        ({"status": "done"}, "Select a valid choice"),
        ({"sort": "text"}, "Select a valid choice"),
        ({"assignee": "none", "status": "new"}, "assigned to nobody has no status"),
        ({"q": "x" * 201}, "at most 200 characters"),
    ],
)
def test_a_bad_filter_is_named_not_a_500(client, table, query, message):
    manager = signed_in(client, table["manager"])
    page = manager.get(reverse("project", args=[table["project"].pk]), query)
    assert page.status_code == 200
    body = page.content.decode()
    assert message in body and "Correct the filters above." in body


def test_a_nul_in_the_search_is_a_400_naming_it(client, table):
    manager = signed_in(client, table["manager"])
    page = manager.get(reverse("project", args=[table["project"].pk]), {"q": "a\x00b"})
    assert page.status_code == 400 and b"NUL" in page.content


def test_an_annotator_sees_only_their_own_status(client, table):
    alice = signed_in(client, table["alice"])
    project = table["project"]
    body = alice.get(reverse("project", args=[project.pk])).content.decode()
    assert "Your status" in body and "Assigned to" not in body and "bob" not in body
    assert 'name="assignee"' not in body and 'name="disputed"' not in body
    assert titles(alice, project, status="new") == ["Fresh"]
    assert titles(alice, project, status="in_progress") == ["Draft"]
    # Another person's documents are not a filter an annotator may use: ignored.
    assert titles(alice, project, assignee=table["bob"].pk) == titles(alice, project)
    assert titles(alice, project, disputed="yes") == titles(alice, project)


def test_a_reviewer_sees_the_team_but_may_not_assign(client, table):
    reviewer = signed_in(client, table["reviewer"])
    body = reviewer.get(reverse("project", args=[table["project"].pk])).content.decode()
    assert "Assigned to" in body and "assign-form" not in body
    response = reviewer.post(
        reverse("assign", args=[table["project"].pk]),
        {"user": "alice", "document": [table["fresh"].pk]},
    )
    assert response.status_code == 403


def test_assigns_every_match_across_pages(client, table, make_user):
    project = table["project"]
    more = Document.objects.bulk_create(
        Document(title=f"Bulk {n:03}", text=f"bulk text {n}", content_hash=f"h{n}")
        for n in range(60)
    )
    project.documents.add(*more)
    carol = make_user("carol")
    project.memberships.create(user=carol, role="annotator")
    manager = signed_in(client, table["manager"])
    response = manager.post(
        reverse("assign", args=[project.pk]),
        {"user": "carol", "matching": "1", "filters": "q=bulk"},
        follow=True,
    )
    assert "Assigned 60 document(s) to carol." in response.content.decode()
    assert set(DocumentStatus.objects.filter(user=carol).values_list("document_id", flat=True)) == {
        document.pk for document in more
    }


def test_takes_back_only_what_was_not_begun(client, table):
    project, alice = table["project"], table["alice"]
    documents_assign(project=project, documents=[table["fresh"]], user=alice)
    manager = signed_in(client, table["manager"])
    response = manager.post(
        reverse("assign", args=[project.pk]),
        {
            "user": "alice",
            "action": "unassign",
            "document": [table["fresh"].pk, table["draft"].pk],
        },
        follow=True,
    )
    body = response.content.decode()
    assert "Took 1 document(s) back from alice." in body
    assert "Kept 1 that alice has begun (“Draft”)" in body
    assert not DocumentStatus.objects.filter(user=alice, document=table["fresh"]).exists()
    assert DocumentStatus.objects.get(user=alice, document=table["draft"]).status == (
        Status.IN_PROGRESS
    )


def test_select_all_with_filters_that_no_longer_hold_is_refused(client, table):
    manager = signed_in(client, table["manager"])
    response = manager.post(
        reverse("assign", args=[table["project"].pk]),
        {"user": "alice", "matching": "1", "filters": "assignee=999999"},
        follow=True,
    )
    assert "The filters changed or are not valid" in response.content.decode()
    assert not DocumentStatus.objects.filter(document=table["fresh"]).exists()


@pytest.mark.parametrize("extra", [0, 120])
def test_a_page_runs_the_same_few_statements_whatever_the_size(
    client, table, extra, django_assert_max_num_queries
):
    project = table["project"]
    more = Document.objects.bulk_create(
        Document(title=f"Extra {n}", text=f"extra {n}", content_hash=f"x{n}") for n in range(extra)
    )
    project.documents.add(*more)
    for document in more[:60]:
        documents_assign(project=project, documents=[document], user=table["alice"])
    manager = signed_in(client, table["manager"])
    with django_assert_max_num_queries(16):
        manager.get(reverse("project", args=[project.pk]), {"reviewed": "no", "disputed": "no"})
