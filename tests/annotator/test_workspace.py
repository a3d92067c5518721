import re

import pytest
from django.urls import reverse

from annotator.models import Comment, DocumentStatus, Span, Status
from annotator.services import span_create
from corpus.models import Document
from tests.conftest import TRICKY_TEXT

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alice(client, people):
    client.force_login(people["alice"])
    return client


def workspace_url(project, document):
    return reverse("workspace", args=[project.pk, document.pk])


def add(client, project, document, start, end, label, layer=None, **extra):
    form = {"start": start, "end": end, "label": label.pk}
    if layer is not None:
        form["layer"] = layer  # the page's digest of the layer it shows
    return client.post(reverse("span_add", args=[project.pk, document.pk]), form, **extra)


def test_anonymous_users_are_sent_to_sign_in(client, project, document):
    response = client.get(workspace_url(project, document))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", ["home", "project", "guidelines", "workspace", "label_styles"])
def test_pages_render_for_a_member(alice, project, document, name):
    args = {"home": [], "workspace": [project.pk, document.pk]}.get(name, [project.pk])
    assert alice.get(reverse(name, args=args)).status_code == 200


@pytest.mark.parametrize("name", ["project", "guidelines", "workspace", "next_document"])
def test_a_non_member_gets_404(client, people, project, document, name):
    client.force_login(people["outsider"])
    args = [project.pk, document.pk] if name == "workspace" else [project.pk]
    assert client.get(reverse(name, args=args)).status_code == 404


def test_a_document_of_another_project_is_404(alice, project, db):
    stray = Document.objects.create(text="Not in the project")
    assert alice.get(workspace_url(project, stray)).status_code == 404


def test_home_lists_my_projects_with_progress(alice, project, document, people):
    from annotator.models import Project

    Project.objects.create(name="Someone else's project")
    page = alice.get(reverse("home")).content.decode()
    assert "Arms" in page and "Someone else" not in page
    assert "0 of 1 documents complete" in page


def test_workspace_shows_the_text_exactly_and_escaped(alice, project, people, db):
    text = "<script>alert(1)</script> & “quotes” 👋🏽\u00a0end"
    document = Document.objects.create(text=text)
    project.documents.add(document)
    page = alice.get(workspace_url(project, document)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; “quotes” 👋🏽\u00a0end" in page


def test_tagging_after_emoji_stores_code_point_offsets(alice, project, document, weapons):
    start = TRICKY_TEXT.index("artillery")
    response = add(alice, project, document, start, start + 16, weapons, **HX)
    assert response.status_code == 200
    span = Span.objects.get()
    assert TRICKY_TEXT[span.start : span.end] == "artillery shells"
    html = response.content.decode()
    assert 'id="annotation"' in html and "<html" not in html
    assert "Saved WEAPONS" in html and f'data-spans="{span.pk}"' in html


def test_whitespace_around_a_selection_is_trimmed(alice, project, document, weapons):
    start = TRICKY_TEXT.index("artillery") - 1
    add(alice, project, document, start, start + 18, weapons, **HX)
    assert Span.objects.get().text == "artillery shells"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"start": 10, "end": 5}, "greater than start"),
        ({"start": 0, "end": 9999}, "past the end"),
        ({"start": "x", "end": 5}, "Select some text"),
        ({"start": 2, "end": 3}, "only whitespace"),
        ({"start": 0, "end": 2, "label": 999999}, "Unknown label"),
    ],
)
def test_a_refused_selection_is_answered_in_place_and_changes_nothing(
    alice, project, document, weapons, values, message
):
    response = alice.post(
        reverse("span_add", args=[project.pk, document.pk]),
        {"label": weapons.pk, **values},
        **HX,
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Span.objects.exists()


def test_overlap_is_refused_with_a_message(alice, project, document, weapons):
    add(alice, project, document, 20, 36, weapons, **HX)
    response = add(alice, project, document, 30, 40, weapons, **HX)
    assert response.status_code == 422 and "Overlaps" in response.content.decode()
    assert Span.objects.count() == 1


def test_without_htmx_a_span_add_redirects_back_to_the_workspace(alice, project, document, weapons):
    response = add(alice, project, document, 20, 36, weapons)
    assert response.status_code == 302 and response["Location"] == workspace_url(project, document)


def test_an_analyst_sees_only_their_own_layer(client, people, project, document, weapons):
    span_create(
        project=project, document=document, annotator=people["bob"], label=weapons, start=20, end=36
    )
    client.force_login(people["alice"])
    page = client.get(workspace_url(project, document)).content.decode()
    assert "data-spans" not in page and "No spans yet" in page


def test_an_analyst_cannot_delete_or_relabel_another_layer(
    client, people, project, document, weapons
):
    span = span_create(
        project=project, document=document, annotator=people["bob"], label=weapons, start=20, end=36
    )
    client.force_login(people["alice"])
    person = project.labels.get(name="PERSON")
    assert client.post(reverse("span_remove", args=[project.pk, span.pk]), **HX).status_code == 404
    relabel = reverse("span_relabel", args=[project.pk, span.pk])
    assert client.post(relabel, {"label": person.pk}, **HX).status_code == 404
    span.refresh_from_db()
    assert span.label == weapons


def test_relabel_delete_and_undo(alice, project, document, weapons):
    person = project.labels.get(name="PERSON")
    add(alice, project, document, 20, 36, weapons, **HX)
    span = Span.objects.get()
    alice.post(reverse("span_relabel", args=[project.pk, span.pk]), {"label": person.pk}, **HX)
    assert Span.objects.get().label == person
    alice.post(reverse("span_remove", args=[project.pk, span.pk]), **HX)
    assert not Span.objects.exists()
    undo = reverse("undo", args=[project.pk, document.pk])
    assert alice.post(undo, **HX).status_code == 200  # the deleted span comes back
    assert Span.objects.get().label == person
    alice.post(undo, **HX)  # the relabel is undone
    assert Span.objects.get().label == weapons
    alice.post(undo, **HX)  # the creation is undone
    assert not Span.objects.exists()
    response = alice.post(undo, **HX)
    assert response.status_code == 422 and "Nothing to undo" in response.content.decode()


def test_complete_goes_to_the_next_document(alice, project, document, people):
    second = Document.objects.create(text="Second document")
    project.documents.add(second)
    response = alice.post(reverse("complete", args=[project.pk, document.pk]), **HX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == workspace_url(project, second)
    status = DocumentStatus.objects.get(document=document, user=people["alice"])
    assert status.status == Status.COMPLETE


def test_complete_of_the_last_document_goes_back_to_the_project(alice, project, document):
    response = alice.post(reverse("complete", args=[project.pk, document.pk]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "project", args=[project.pk]
    )


def test_reopen(alice, project, document, people):
    alice.post(reverse("complete", args=[project.pk, document.pk]))
    alice.post(reverse("reopen", args=[project.pk, document.pk]), **HX)
    status = DocumentStatus.objects.get(document=document, user=people["alice"])
    assert status.status == Status.IN_PROGRESS


def test_continue_opens_the_next_document(alice, project, document):
    response = alice.get(reverse("next_document", args=[project.pk]))
    assert response["Location"] == workspace_url(project, document)


def test_project_page_filters_by_my_status(alice, project, document, weapons, db):
    other = Document.objects.create(text="Untouched", title="Untouched doc")
    project.documents.add(other)
    add(alice, project, document, 20, 36, weapons, **HX)
    page = alice.get(reverse("project", args=[project.pk]), {"status": "in_progress"})
    assert "Tricky" in page.content.decode() and "Untouched doc" not in page.content.decode()
    page = alice.get(reverse("project", args=[project.pk]), {"status": "new"})
    assert "Tricky" not in page.content.decode() and "Untouched doc" in page.content.decode()


def test_guidelines_are_rendered_without_active_content(alice, project):
    project.guidelines = (
        "**Bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    project.save()
    page = alice.get(reverse("guidelines", args=[project.pk])).content.decode()
    assert "<strong>Bold</strong>" in page
    assert "<script>alert" not in page and "javascript:" not in page and "onerror" not in page


def test_label_styles_give_each_label_its_colour(alice, project, weapons):
    css = alice.get(reverse("label_styles", args=[project.pk])).content.decode()
    assert f".c1-{weapons.pk}{{--c1:#b42318}}" in css


def test_csrf_is_enforced_on_span_add(people, project, document, weapons):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(people["alice"])
    response = add(client, project, document, 20, 36, weapons, **HX)
    assert response.status_code == 403 and not Span.objects.exists()


def many_spans(project, document, user, label, count):
    Span.objects.bulk_create(
        Span(
            project=project,
            document=document,
            annotator=user,
            label=label,
            start=i * 10,
            end=i * 10 + 5,
        )
        for i in range(count)
    )


@pytest.mark.parametrize("count", [5, 200])
def test_workspace_queries_do_not_grow_with_spans(
    alice, project, people, weapons, django_assert_max_num_queries, count
):
    document = Document.objects.create(text="abcdefghij" * 300)
    project.documents.add(document)
    many_spans(project, document, people["alice"], weapons, count)
    # 15: with the project's relation types (whether to draw the relations' panel).
    with django_assert_max_num_queries(15):
        assert alice.get(workspace_url(project, document)).status_code == 200
    # Constant: session, user, project, document, labels; the layer lock (on a first tag
    # it claims a place: the member's role and the places taken are counted, then the
    # status row is made in a savepoint), the layer, the insert, its history event, the
    # status touched; the layer and status to show it (the test's transaction adds a
    # savepoint pair; PostgreSQL locks the document's row to count its places). Nothing is
    # written to the session.
    # 21: with "Document n of m"; PostgreSQL takes one lock SQLite does not; the stored
    # disputes' lookup (services/disputes.py) is one statement a write. (The pending
    # suggestions' state is not asked: a tag changes it only where the project propagates.)
    with django_assert_max_num_queries(21):
        response = add(alice, project, document, count * 10 + 1, count * 10 + 4, weapons, **HX)
        assert response.status_code == 200


def page_layer(client, project, document) -> str:
    """The digest of the layer the page shows, which the workspace sends with each change."""
    page = client.get(workspace_url(project, document)).content.decode()
    return re.search(r'id="article"[^>]* data-layer="([0-9a-f]+)"', page).group(1)


@pytest.mark.parametrize("count", [5, 500])
def test_a_change_answers_with_only_what_it_altered(
    alice, project, people, weapons, django_assert_max_num_queries, count
):
    """On a long article with many spans, a tag, relabel, delete and undo each answer with
    the stretch of the article around the span (without its text, which the page holds),
    its row, the status line and actions: a few KB, the same for 5 spans or 500."""
    document = Document.objects.create(text="abcdefghij" * 2000)
    project.documents.add(document)
    many_spans(project, document, people["alice"], weapons, count)
    layer = page_layer(alice, project, document)
    start = count * 10 + 1
    # 21: as a tag's whole answer above.
    with django_assert_max_num_queries(21):
        response = add(alice, project, document, start, start + 3, weapons, layer=layer, **HX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#patch"
    answer = response.content.decode()
    assert len(response.content) < 4096
    span = Span.objects.get(start=start)
    assert answer.count('class="span-row"') == 1 and f'data-span="{span.pk}"' in answer
    assert "abcdefghij" not in answer and 'id="save-status"' in answer
    layer = re.search(r'<template data-layer="([0-9a-f]+)"', answer).group(1)

    url = reverse("span_relabel", args=[project.pk, span.pk])
    other = project.labels.exclude(pk=weapons.pk).first()
    response = alice.post(url, {"label": other.pk, "layer": layer}, **HX)
    assert response["HX-Retarget"] == "#patch" and len(response.content) < 4096
    layer = re.search(r'<template data-layer="([0-9a-f]+)"', response.content.decode()).group(1)
    url = reverse("span_remove", args=[project.pk, span.pk])
    response = alice.post(url, {"layer": layer}, **HX)
    assert response["HX-Retarget"] == "#patch" and len(response.content) < 4096
    answer = response.content.decode()
    assert f'data-remove="{span.pk}"' in answer and 'class="span-row"' not in answer
    layer = re.search(r'<template data-layer="([0-9a-f]+)"', answer).group(1)
    response = alice.post(reverse("undo", args=[project.pk, document.pk]), {"layer": layer}, **HX)
    assert response["HX-Retarget"] == "#patch" and len(response.content) < 4096
    assert "is back" in response.content.decode()
    assert Span.objects.filter(document=document).count() == count + 1


def test_a_change_from_a_page_out_of_step_answers_with_the_whole_layer(
    alice, project, document, people, weapons
):
    """The page's layer changed behind it (another tab, an API script): the answer is the
    whole annotation, so that the page shows what is stored."""
    layer = page_layer(alice, project, document)
    span_create(
        project=project, document=document, annotator=people["alice"], label=weapons, start=0, end=5
    )
    response = add(alice, project, document, 20, 36, weapons, layer=layer, **HX)
    assert response.status_code == 200 and "HX-Retarget" not in response
    assert response.content.decode().count('class="span-row"') == 2
    # No digest at all (a client that does not know of patches) answers whole, too.
    response = add(alice, project, document, 40, 44, weapons, **HX)
    assert "HX-Retarget" not in response and 'id="annotation"' in response.content.decode()


def test_a_refusal_answers_with_the_status_line_alone(alice, project, document, weapons):
    layer = page_layer(alice, project, document)
    response = add(alice, project, document, 20, 20, weapons, layer=layer, **HX)
    assert response.status_code == 422 and response["HX-Retarget"] == "#patch"
    assert "Not saved" in response.content.decode() and "<template" not in response.content.decode()


@pytest.mark.parametrize("count", [3, 60])
def test_list_pages_queries_do_not_grow_with_documents(
    alice, project, django_assert_max_num_queries, count
):
    documents = Document.objects.bulk_create(Document(text=f"doc {i}") for i in range(count))
    project.documents.add(*documents)
    with django_assert_max_num_queries(8):
        assert alice.get(reverse("project", args=[project.pk])).status_code == 200
    with django_assert_max_num_queries(6):
        assert alice.get(reverse("home")).status_code == 200


def test_the_comments_follow_a_relabelled_or_deleted_span(
    alice, project, document, people, weapons
):
    """A comment shows its span's label and offsets: a change to the span refreshes the
    comments' list (out of band, the comment box left as it is); other changes do not."""
    person = project.labels.get(name="PERSON")
    start = TRICKY_TEXT.index("artillery")
    span, other = (
        span_create(
            project=project,
            document=document,
            annotator=people["alice"],
            label=weapons,
            start=first,
            end=first + 9,
        )
        for first in (start, start + 10)
    )
    Comment.objects.create(
        project=project, document=document, span=span, author=people["reviewer"], body="Sure?"
    )
    oob = 'id="comment-list" hx-swap-oob="true"'

    page = alice.post(
        reverse("span_relabel", args=[project.pk, span.pk]), {"label": person.pk}, **HX
    ).content.decode()
    assert oob in page and f"on PERSON {start}–{start + 9}" in page
    assert 'name="body"' not in page  # the box being typed in is not replaced

    page = alice.post(reverse("span_remove", args=[project.pk, span.pk]), **HX).content.decode()
    assert oob in page and "Sure?" in page and " · on " not in page

    page = alice.post(reverse("span_remove", args=[project.pk, other.pk]), **HX).content.decode()
    assert 'id="comment-list"' not in page


def test_undoing_a_commented_tag_refreshes_the_comments(alice, project, document, people, weapons):
    """The span goes; its comment stays, no longer naming it: the list says so at once, from
    a page in step with the layer as from one that is not."""
    start = TRICKY_TEXT.index("artillery")
    response = add(alice, project, document, start, start + 9, weapons, **HX)
    assert response.status_code == 200
    span = Span.objects.get(start=start)
    Comment.objects.create(
        project=project, document=document, span=span, author=people["reviewer"], body="Sure?"
    )
    oob = 'id="comment-list" hx-swap-oob="true"'
    layer = page_layer(alice, project, document)
    url = reverse("undo", args=[project.pk, document.pk])
    page = alice.post(url, {"layer": layer}, **HX).content.decode()
    assert not Span.objects.filter(pk=span.pk).exists()
    assert oob in page and "Sure?" in page and " · on " not in page


def test_previous_and_next_are_this_projects_neighbours(alice, project):
    first, other, middle, last = (Document.objects.create(text=f"doc {n}") for n in range(4))
    project.documents.add(first, middle, last)  # ``other`` is in no project of alice's
    page = alice.get(workspace_url(project, middle)).content.decode()
    assert f'href="{workspace_url(project, first)}"' in page
    assert f'href="{workspace_url(project, last)}"' in page
    assert f"/documents/{other.pk}/" not in page
    edge = alice.get(workspace_url(project, first)).content.decode()
    assert 'id="previous-document"' not in edge and 'id="next-document"' in edge


def test_document_states_read_as_words(alice, project, document, weapons):
    add(alice, project, document, 20, 36, weapons)
    page = alice.get(reverse("project", args=[project.pk])).content.decode()
    assert ">In progress</span>" in page and "Inprogress" not in page


def test_the_workspace_says_which_document_of_how_many(alice, project, document, db):
    later = Document.objects.create(text="Later.", title="Later")
    project.documents.add(later)
    body = alice.get(workspace_url(project, later)).content.decode()
    assert "Document 2 of 2" in body
    assert "Document 1 of 2" in alice.get(workspace_url(project, document)).content.decode()


def test_a_project_without_labels_points_its_manager_to_the_labels_page(
    client, project, document, people
):
    project.labels.all().delete()
    labels_url = reverse("manage_labels", args=[project.pk])
    client.force_login(people["manager"])
    page = client.get(workspace_url(project, document)).content.decode()
    assert f'add them on its <a href="{labels_url}">Labels</a> page' in page
    client.force_login(people["alice"])
    page = client.get(workspace_url(project, document)).content.decode()
    assert "a manager adds them on its Labels page" in page and labels_url not in page
