"""Undo in the workspace, read from the span history: the user's own changes since they
signed in, newest first, never someone else's."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotator.models import DocumentStatus, Span, SpanAction, SpanEvent

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alice(client, people):
    client.force_login(people["alice"])
    return client


def tag(client, project, document, start, end, label, *, gold=False):
    url = reverse("span_add", args=[project.pk, document.pk]) + ("?layer=gold" if gold else "")
    response = client.post(url, {"start": start, "end": end, "label": label.pk}, **HX)
    assert response.status_code == 200, response.content.decode()
    return response


def undo(client, project, document, *, gold=False):
    url = reverse("undo", args=[project.pk, document.pk]) + ("?layer=gold" if gold else "")
    return client.post(url, **HX)


def test_tagging_writes_nothing_to_the_session(alice, project, document, weapons):
    with CaptureQueriesContext(connection) as queries:
        tag(alice, project, document, 20, 36, weapons)
    assert not [q for q in queries if "django_session" in q["sql"] and "SELECT" not in q["sql"]]


def undo_disabled(html: str) -> bool:
    return " disabled" in re.search(r'<button type="button" id="undo"[^>]*>', html).group()


def test_the_undo_button_follows_what_can_be_undone(alice, project, document, weapons):
    page = alice.get(reverse("workspace", args=[project.pk, document.pk])).content.decode()
    assert undo_disabled(page)
    assert not undo_disabled(tag(alice, project, document, 20, 36, weapons).content.decode())
    response = undo(alice, project, document).content.decode()
    assert "Undone: the new span is removed." in response and undo_disabled(response)
    # Two changes: after undoing one, the other is left, and the button says so.
    tag(alice, project, document, 0, 2, weapons)
    tag(alice, project, document, 20, 36, weapons)
    assert not undo_disabled(undo(alice, project, document).content.decode())
    assert undo_disabled(undo(alice, project, document).content.decode())
    # After a relabel and its creation: the relabel first, then the creation.
    tag(alice, project, document, 20, 36, weapons)
    span = Span.objects.get()
    other = project.labels.exclude(pk=weapons.pk).first()
    alice.post(reverse("span_relabel", args=[project.pk, span.pk]), {"label": other.pk}, **HX)
    response = undo(alice, project, document).content.decode()
    assert "is WEAPONS again" in response and not undo_disabled(response)
    response = undo(alice, project, document).content.decode()
    assert "new span is removed" in response and undo_disabled(response)


def test_an_undone_deletion_brings_the_span_back_under_its_id(alice, project, document, weapons):
    tag(alice, project, document, 20, 36, weapons)
    span = Span.objects.get()
    alice.post(reverse("span_remove", args=[project.pk, span.pk]), **HX)
    response = undo(alice, project, document)
    assert "Undone: the WEAPONS span is back." in response.content.decode()
    assert Span.objects.get().pk == span.pk
    restored = SpanEvent.objects.get(action=SpanAction.RESTORED)
    assert restored.reverts.action == SpanAction.DELETED and restored.span_id == span.pk
    # The creation is next on the stack, and undoing it leaves nothing to undo.
    assert undo(alice, project, document).status_code == 200
    assert not Span.objects.exists()
    assert undo(alice, project, document).status_code == 422


def test_undo_reaches_back_only_to_signing_in(client, people, project, document, weapons):
    client.force_login(people["alice"])
    tag(client, project, document, 20, 36, weapons)
    client.logout()
    client.force_login(people["alice"])
    response = undo(client, project, document)
    assert response.status_code == 422 and "Nothing to undo." in response.content.decode()
    assert Span.objects.count() == 1


def test_undo_never_reverses_another_reviewers_change(client, people, project, document, weapons):
    person = project.labels.get(name="PERSON")
    manager = type(client)()
    manager.force_login(people["manager"])
    client.force_login(people["reviewer"])
    tag(client, project, document, 20, 36, weapons, gold=True)
    span = Span.objects.get(gold=True)
    relabel = reverse("span_relabel", args=[project.pk, span.pk])
    assert manager.post(relabel, {"label": person.pk}, **HX).status_code == 200

    # The reviewer's tag was changed since by the manager: it is not theirs to undo now.
    response = undo(client, project, document, gold=True)
    assert response.status_code == 422 and Span.objects.get().label == person
    # The manager undoes their relabel; then the reviewer's tag is theirs to undo again.
    assert undo(manager, project, document, gold=True).status_code == 200
    assert Span.objects.get().label == weapons
    assert undo(client, project, document, gold=True).status_code == 200
    assert not Span.objects.exists()


def test_a_reviewer_tagging_gold_takes_no_place_as_an_annotator(
    client, people, project, document, weapons
):
    client.force_login(people["reviewer"])
    tag(client, project, document, 20, 36, weapons, gold=True)
    assert not DocumentStatus.objects.filter(user=people["reviewer"]).exists()


def test_a_comment_answers_with_the_comments_alone(client, people, project, document):
    client.force_login(people["alice"])
    url = reverse("comment", args=[project.pk, document.pk])
    response = client.post(url, {"body": "Is <b>this</b> a weapon?"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<section id="comments"')
    assert "Comment added." in html and "Is &lt;b&gt;this&lt;/b&gt; a weapon?" in html
    refused = client.post(url, {"body": "   "}, **HX)
    assert refused.status_code == 422 and "Not saved: Write something first." in (
        refused.content.decode()
    )


def test_a_refused_comment_comes_back_in_the_box(client, people, project, document):
    """Refused for its span (deleted meanwhile, say), the text typed is not lost."""
    client.force_login(people["alice"])
    url = reverse("comment", args=[project.pk, document.pk])
    refused = client.post(url, {"body": "Keep <me>, please.", "span": 999_999}, **HX)
    html = refused.content.decode()
    assert refused.status_code == 422 and "Not saved: Unknown span." in html
    assert "required>Keep &lt;me&gt;, please.</textarea>" in html
    added = client.post(url, {"body": "Keep me."}, **HX).content.decode()
    assert "required></textarea>" in added


def test_a_relabel_batch_is_one_step_of_the_history_and_undone_in_one(
    alice, people, project, document, weapons
):
    from annotator import services
    from annotator.history import document_history, history_rows

    tag(alice, project, document, 0, 2, weapons)
    tag(alice, project, document, 20, 36, weapons)
    person = project.labels.get(name="PERSON")
    spans = list(Span.objects.order_by("start"))
    done, refused, event = services.spans_relabel(
        changes=[(span, person) for span in spans], actor=people["alice"]
    )
    assert (len(done), refused) == (2, [])
    assert set(Span.objects.values_list("label__name", flat=True)) == {"PERSON"}
    (row, *_) = history_rows(document.text, document_history(project, document))
    assert (row["before"], row["after"]) == (
        {"count": 2, "labels": "WEAPONS 2"},
        {"count": 2, "labels": "PERSON 2"},
    )
    response = undo(alice, project, document).content.decode()
    assert "the 2 spans have their labels back" in response
    assert set(Span.objects.values_list("label__name", flat=True)) == {"WEAPONS"}
    assert SpanEvent.objects.get(reverts=event).spans is not None
    # Next on the stack: the second span's creation.
    assert "new span is removed" in undo(alice, project, document).content.decode()


@pytest.fixture
def long_document(project):
    from corpus.models import Document

    document = Document.objects.create(title="Long", text="artillery " * 200)
    project.documents.add(document)
    return document


def test_undo_goes_on_past_the_stacks_first_read(alice, project, long_document, weapons):
    """More changes than the stack reads at first (``undo.FIRST``): each is undone in turn,
    and the button stays on until the last."""
    from annotator.undo import FIRST

    for n in range(FIRST + 3):
        tag(alice, project, long_document, n * 10, n * 10 + 9, weapons)
    for n in reversed(range(FIRST + 3)):
        response = undo(alice, project, long_document)
        assert response.status_code == 200 and "new span is removed" in response.content.decode()
        assert undo_disabled(response.content.decode()) == (n == 0)
        assert not Span.objects.filter(start=n * 10).exists()
    assert undo(alice, project, long_document).status_code == 422


def test_undos_and_what_they_undid_do_not_count_toward_the_depth(
    alice, people, project, long_document, weapons, monkeypatch
):
    """The stack reads ``DEPTH`` changes still in force: a long run of tags each undone at
    once leaves the change before it within reach."""
    from annotator import undo as stack

    monkeypatch.setattr(stack, "DEPTH", stack.FIRST + 2)
    tag(alice, project, long_document, 0, 9, weapons)
    for _ in range(stack.DEPTH + 5):
        tag(alice, project, long_document, 10, 19, weapons)
        assert undo(alice, project, long_document).status_code == 200
    assert SpanEvent.objects.filter(document=long_document).count() == 2 * stack.DEPTH + 11
    response = undo(alice, project, long_document)
    assert response.status_code == 200 and "new span is removed" in response.content.decode()
    assert not Span.objects.filter(document=long_document).exists()


@pytest.mark.parametrize("relabelled", [False, True])
def test_a_change_made_since_by_another_reviewer_holds_across_the_stacks_reads(
    client, people, project, long_document, weapons, relabelled
):
    """Gold: the reviewer's tag, (the manager's relabel of it,) then more of the manager's
    tags than the stack reads at first. The reviewer's tag is theirs to undo only while
    nobody changed it since, however far back it is."""
    from annotator import services
    from annotator.undo import FIRST

    client.force_login(people["reviewer"])
    tag(client, project, long_document, 0, 9, weapons, gold=True)
    span = Span.objects.get()
    if relabelled:
        services.span_update(
            span=span, label=project.labels.get(name="PERSON"), actor=people["manager"]
        )
    for n in range(1, FIRST + 3):
        services.span_create(
            project=project,
            document=long_document,
            annotator=people["manager"],
            label=weapons,
            start=n * 10,
            end=n * 10 + 9,
            gold=True,
        )
    response = undo(client, project, long_document, gold=True)
    if relabelled:
        assert response.status_code == 422 and Span.objects.filter(pk=span.pk).exists()
    else:
        assert response.status_code == 200 and not Span.objects.filter(pk=span.pk).exists()
        assert undo_disabled(response.content.decode())
    assert Span.objects.filter(gold=True).count() == FIRST + 2 + relabelled


@pytest.mark.parametrize("depth", ["first read", "second read"])
def test_an_undo_costs_a_bounded_number_of_statements(
    alice, people, project, long_document, weapons, django_assert_max_num_queries, depth
):
    """Whether what is undone and what is left are in the stack's first read or further
    back (behind another reviewer's changes, which cannot be undone), and whatever the
    history holds of tags undone."""
    from annotator import services
    from annotator.undo import FIRST

    for _ in range(30):
        tag(alice, project, long_document, 500, 509, weapons)
        undo(alice, project, long_document)
    tag(alice, project, long_document, 0, 9, weapons)
    tag(alice, project, long_document, 10, 19, weapons)
    if depth == "second read":  # the manager's own tags in the analyst's layer come after
        for n in range(FIRST + 2):
            services.span_create(
                project=project,
                document=long_document,
                annotator=people["alice"],
                label=weapons,
                start=100 + n * 10,
                end=109 + n * 10,
                actor=people["manager"],
            )
    page = alice.get(reverse("workspace", args=[project.pk, long_document.pk])).content.decode()
    layer = re.search(r'id="article"[^>]* data-layer="([0-9a-f]+)"', page).group(1)
    url = reverse("undo", args=[project.pk, long_document.pk])
    # 23, both databases: the session, user, project and document; the transaction and
    # the lock; the spans' stack (one read, two when the change left to undo is further
    # back) and the document labels'; the span; its deletion's ten; the answer's labels,
    # layer and status. Was 26 in one read of up to 500 changes, with the relations'
    # events read before and after, and the suggestions' state though none changed.
    with django_assert_max_num_queries(23 if depth == "first read" else 24):
        response = alice.post(url, {"layer": layer}, **HX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#patch"
    assert "new span is removed" in response.content.decode()
    assert not undo_disabled(response.content.decode())
    assert not Span.objects.filter(start=10).exists()


def test_a_gold_deletion_undone_gives_the_span_back_to_its_curator(
    client, people, project, document, weapons
):
    """The manager deletes a gold span the reviewer curated, then undoes that: the span
    is back under its id, the reviewer's still (the change's layer owner, read when the
    undo needs it)."""
    client.force_login(people["reviewer"])
    tag(client, project, document, 20, 36, weapons, gold=True)
    span = Span.objects.get()
    manager = type(client)()
    manager.force_login(people["manager"])
    remove = reverse("span_remove", args=[project.pk, span.pk]) + "?layer=gold"
    assert manager.post(remove, **HX).status_code == 200 and not Span.objects.exists()
    response = undo(manager, project, document, gold=True)
    assert "Undone: the WEAPONS span is back." in response.content.decode()
    restored = Span.objects.get()
    assert (restored.pk, restored.annotator, restored.gold) == (span.pk, people["reviewer"], True)
    # Nothing of the manager's is left; the reviewer's tag is theirs to undo.
    assert undo(manager, project, document, gold=True).status_code == 422
    assert undo(client, project, document, gold=True).status_code == 200
    assert not Span.objects.exists()
