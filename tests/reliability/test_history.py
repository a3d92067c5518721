"""The span history: every write recorded in its transaction, shown to managers, restorable."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotator.models import Span, SpanAction, SpanEvent
from annotator.services import (
    documents_import,
    span_create,
    span_delete,
    span_restore,
    span_update,
    spans_create,
)
from tests.conftest import TRICKY_TEXT

HX = {"HTTP_HX_REQUEST": "true"}
START = TRICKY_TEXT.index("artillery")
SHELLS = (START, START + len("artillery shells"))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def history_url(project, document) -> str:
    return reverse("history", args=[project.pk, document.pk])


@pytest.fixture
def alices_span(project, document, people, weapons) -> Span:
    return span_create(
        project=project,
        document=document,
        annotator=people["alice"],
        label=weapons,
        start=SHELLS[0],
        end=SHELLS[1],
    )


def test_the_workspace_records_create_relabel_and_delete_with_who_and_what(
    project, document, people, weapons
):
    alice = signed_in(people["alice"])
    person = project.labels.get(name="PERSON")
    url = reverse("span_add", args=[project.pk, document.pk])
    assert alice.post(url, {"start": SHELLS[0], "end": SHELLS[1], "label": weapons.pk}, **HX)
    span = Span.objects.get()
    relabel = reverse("span_relabel", args=[project.pk, span.pk])
    assert alice.post(relabel, {"label": person.pk}, **HX).status_code == 200
    delete = reverse("span_remove", args=[project.pk, span.pk])
    assert alice.post(delete, **HX).status_code == 200

    created, relabelled, deleted = SpanEvent.objects.order_by("id")
    actions = [e.action for e in (created, relabelled, deleted)]
    assert actions == ["created", "relabelled", "deleted"]
    assert {e.actor for e in (created, relabelled, deleted)} == {people["alice"]}
    assert {e.span_id for e in (created, relabelled, deleted)} == {span.pk}
    assert (created.before_start, created.after_start, created.after_end) == (None, *SHELLS)
    assert (created.after_label, created.gold, created.document) == (weapons, False, document)
    assert (relabelled.before_label, relabelled.after_label) == (weapons, person)
    assert (deleted.before_start, deleted.before_end, deleted.before_label) == (*SHELLS, person)
    assert deleted.after_start is None and deleted.after_label is None


def test_a_move_through_the_api_is_recorded_with_the_manager_as_actor(
    project, document, people, weapons
):
    """Gold is shared by reviewers and managers: the event names who moved whose span."""
    curated = span_create(
        project=project,
        document=document,
        annotator=people["reviewer"],
        label=weapons,
        start=SHELLS[0],
        end=SHELLS[1],
        gold=True,
    )
    token = Token.objects.create(user=people["manager"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.patch(f"/api/spans/{curated.pk}/", {"start": SHELLS[0] + 10}, format="json")
    assert response.status_code == 200, response.content
    moved = SpanEvent.objects.get(action=SpanAction.MOVED)
    assert moved.actor == people["manager"] and moved.annotator == people["reviewer"]
    assert (moved.before_start, moved.after_start) == (SHELLS[0], SHELLS[0] + 10)
    assert (moved.before_end, moved.after_end) == (SHELLS[1], SHELLS[1])


def test_a_refused_write_records_nothing(project, document, people, weapons, alices_span):
    alice = signed_in(people["alice"])
    url = reverse("span_add", args=[project.pk, document.pk])
    overlapping = {"start": SHELLS[0] + 2, "end": SHELLS[1], "label": weapons.pk}
    assert alice.post(url, overlapping, **HX).status_code == 422
    assert SpanEvent.objects.count() == 1


def test_bulk_writes_record_one_event_a_layer_of_a_document(project, document, people, weapons):
    items = [
        {"start": 0, "end": 2, "label": weapons},
        {"start": SHELLS[0], "end": SHELLS[1], "label": weapons},
    ]
    spans = spans_create(project=project, document=document, annotator=people["bob"], items=items)
    documents = documents_import(
        project=project,
        items=[
            {"text": f"Doc {i} has shells.", "spans": [{"start": 0, "end": 3, "label": "WEAPONS"}]}
            for i in range(5)
        ],
        uploader=people["manager"],
    )
    events = SpanEvent.objects.filter(action=SpanAction.CREATED)
    # The list is one batch; each imported document, with one span, an event of one span.
    assert events.count() == 6
    batch = events.get(document=document)
    assert batch.span_id is None and batch.span_ids == [span.pk for span in spans]
    assert {id for event in events for id in event.span_ids} == set(
        Span.objects.values_list("id", flat=True)
    )
    imported = events.filter(document__in=documents)
    assert imported.filter(spans__isnull=True).count() == 5
    assert set(imported.values_list("actor__username", flat=True)) == {"manager"}


def test_managers_see_the_history_page_and_no_one_else(project, document, people, alices_span):
    url = history_url(project, document)
    page = signed_in(people["manager"]).get(url)
    assert page.status_code == 200
    assert b"alice" in page.content and b"artillery shells" in page.content
    assert signed_in(people["root"]).get(url).status_code == 200
    for name in ["reviewer", "alice", "bob"]:
        assert signed_in(people[name]).get(url).status_code == 403, name
    assert signed_in(people["outsider"]).get(url).status_code == 404


def test_a_deleted_span_is_restored_from_the_history_page_once(
    project, document, people, alices_span
):
    span_delete(span=alices_span)
    deleted = SpanEvent.objects.get(action=SpanAction.DELETED)
    manager = signed_in(people["manager"])
    page = manager.get(history_url(project, document))
    assert b"Restore</button>" in page.content

    response = manager.post(history_url(project, document), {"event": deleted.pk}, follow=True)
    assert b"Restored WEAPONS" in response.content
    restored = Span.objects.get()
    assert (restored.start, restored.end, restored.annotator) == (*SHELLS, people["alice"])
    event = SpanEvent.objects.get(action=SpanAction.RESTORED)
    assert event.reverts == deleted and event.actor == people["manager"]
    # It comes back under its old id: its history stays one thread.
    assert event.span_id == restored.pk == deleted.span_id

    again = manager.post(history_url(project, document), {"event": deleted.pk}, follow=True)
    assert b"already been restored" in again.content
    assert Span.objects.count() == 1


def test_a_restore_that_no_longer_fits_its_layer_is_refused(
    project, document, people, weapons, alices_span
):
    span_delete(span=alices_span)
    span_create(
        project=project,
        document=document,
        annotator=people["alice"],
        label=weapons,
        start=SHELLS[0],
        end=SHELLS[0] + 5,
    )
    deleted = SpanEvent.objects.get(action=SpanAction.DELETED)
    with pytest.raises(Exception, match="Overlaps"):
        span_restore(event=deleted, user=people["manager"])
    assert Span.objects.count() == 1
    assert not SpanEvent.objects.filter(action=SpanAction.RESTORED).exists()


def test_only_managers_may_restore(project, document, people, alices_span):
    span_delete(span=alices_span)
    deleted = SpanEvent.objects.get(action=SpanAction.DELETED)
    response = signed_in(people["reviewer"]).post(
        history_url(project, document), {"event": deleted.pk}
    )
    assert response.status_code == 403
    assert not Span.objects.exists()


def test_the_admin_shows_the_history_on_the_document_and_restores(
    project, document, people, alices_span
):
    span_delete(span=alices_span)
    deleted = SpanEvent.objects.get(action=SpanAction.DELETED)
    admin = signed_in(people["manager"])
    page = admin.get(reverse("admin:corpus_document_change", args=[document.pk]))
    assert page.status_code == 200
    assert b"history" in page.content.lower() and b"Deleted" in page.content
    listing = admin.get(reverse("admin:annotator_spanevent_changelist"))
    assert listing.status_code == 200
    response = admin.post(
        reverse("admin:annotator_spanevent_changelist"),
        {"action": "restore", "_selected_action": [deleted.pk]},
        follow=True,
    )
    assert b"Restored 1 span" in response.content
    assert Span.objects.filter(annotator=people["alice"]).count() == 1


def test_the_history_page_runs_a_bounded_number_of_queries(
    project, document, people, weapons, django_assert_max_num_queries
):
    for offset in range(0, 30, 3):
        span = span_create(
            project=project,
            document=document,
            annotator=people["alice"],
            label=weapons,
            start=offset,
            end=offset + 1,
        )
        span_delete(span=span)
    manager = signed_in(people["manager"])
    with django_assert_max_num_queries(8):
        assert manager.get(history_url(project, document)).status_code == 200


def test_the_review_page_links_managers_to_the_history(project, document, people):
    url = reverse("review", args=[project.pk, document.pk])
    link = history_url(project, document).encode()
    assert link in signed_in(people["manager"]).get(url).content
    assert link not in signed_in(people["reviewer"]).get(url).content


@pytest.mark.parametrize("who", ["manager", "root"])
def test_spans_are_not_deleted_in_the_admin(project, document, people, alices_span, who):
    """An annotator's layer is theirs alone: the admin reads spans, the history restores."""
    admin = signed_in(people[who])
    response = admin.post(
        reverse("admin:annotator_span_delete", args=[alices_span.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Span.objects.filter(pk=alices_span.pk).exists()
    assert not SpanEvent.objects.filter(action=SpanAction.DELETED).exists()


# A list of spans is one event, a batch: listed as one row, undone in one step, restored.


def alices_list(project, document, people, weapons) -> list[Span]:
    items = [
        {"start": 0, "end": 2, "label": weapons},
        {"start": SHELLS[0], "end": SHELLS[1], "label": weapons},
    ]
    return spans_create(project=project, document=document, annotator=people["alice"], items=items)


def undo(client, project, document):
    return client.post(reverse("undo", args=[project.pk, document.pk]), **HX)


def test_a_list_is_one_row_of_the_history_page(project, document, people, weapons):
    alices_list(project, document, people, weapons)
    page = signed_in(people["manager"]).get(history_url(project, document)).content.decode()
    assert page.count('<tr class="event created"') == 1
    assert "<strong>2 spans</strong>: WEAPONS 2" in page


def test_a_list_is_undone_in_one_step_and_restored_under_its_ids(
    project, document, people, weapons
):
    alice = signed_in(people["alice"])
    spans = alices_list(project, document, people, weapons)
    ids = [span.pk for span in spans]
    batch = SpanEvent.objects.get()

    answer = undo(alice, project, document).content.decode()
    assert "Undone: the 2 new spans are removed." in answer
    assert not Span.objects.exists()
    deletion = SpanEvent.objects.get(action=SpanAction.DELETED)
    assert deletion.reverts == batch and deletion.span_ids == ids
    assert deletion.actor == people["alice"] and deletion.spans == batch.spans
    # The undo is not itself undone, and the batch is off the stack.
    assert "Nothing to undo" in undo(alice, project, document).content.decode()

    manager = signed_in(people["manager"])
    page = manager.get(history_url(project, document)).content.decode()
    assert "<strong>2 spans</strong>: WEAPONS 2" in page and "Restore</button>" in page
    manager.post(history_url(project, document), {"event": deletion.pk})
    assert sorted(Span.objects.values_list("id", "start", "end")) == [
        (span.pk, span.start, span.end) for span in spans
    ]
    restored = SpanEvent.objects.get(action=SpanAction.RESTORED)
    assert restored.reverts == deletion and restored.actor == people["manager"]
    assert restored.spans == batch.spans
    again = manager.post(history_url(project, document), {"event": deletion.pk}, follow=True)
    assert b"already been restored" in again.content
    assert Span.objects.count() == 2


def test_a_list_changed_since_is_not_undone_before_the_change(project, document, people, weapons):
    alice = signed_in(people["alice"])
    spans = alices_list(project, document, people, weapons)
    person = project.labels.get(name="PERSON")
    span_update(span=spans[1], label=person)
    # Newest first: the relabel, then the whole list.
    assert "is WEAPONS again" in undo(alice, project, document).content.decode()
    assert "the 2 new spans are removed" in undo(alice, project, document).content.decode()
    assert not Span.objects.exists()


def test_a_list_someone_else_changed_is_not_undone(project, document, people, weapons):
    reviewer = people["reviewer"]
    items = [{"start": 0, "end": 2, "label": weapons}, {"start": 3, "end": 5, "label": weapons}]
    spans = spans_create(
        project=project, document=document, annotator=reviewer, items=items, gold=True
    )
    span_delete(span=spans[0], actor=people["manager"])
    client = signed_in(reviewer)
    url = reverse("undo", args=[project.pk, document.pk]) + "?layer=gold"
    assert "Nothing to undo" in client.post(url, **HX).content.decode()
    assert list(Span.objects.values_list("pk", flat=True)) == [spans[1].pk]


def test_a_batch_restore_that_no_longer_fits_its_layer_is_refused(
    project, document, people, weapons
):
    alice = signed_in(people["alice"])
    alices_list(project, document, people, weapons)
    undo(alice, project, document)
    span_create(
        project=project,
        document=document,
        annotator=people["alice"],
        label=weapons,
        start=SHELLS[0],
        end=SHELLS[0] + 5,
    )
    deletion = SpanEvent.objects.get(action=SpanAction.DELETED)
    with pytest.raises(ValidationError, match="no longer fit"):
        span_restore(event=deletion, user=people["manager"])
    assert Span.objects.count() == 1
    assert not SpanEvent.objects.filter(action=SpanAction.RESTORED).exists()


def test_the_admin_lists_a_batch_and_restores_it_whole(project, document, people, weapons):
    alice = signed_in(people["alice"])
    alices_list(project, document, people, weapons)
    undo(alice, project, document)
    deletion = SpanEvent.objects.get(action=SpanAction.DELETED)
    admin = signed_in(people["manager"])
    page = admin.get(reverse("admin:corpus_document_change", args=[document.pk]))
    assert page.status_code == 200 and b"Deleted" in page.content
    assert admin.get(reverse("admin:annotator_spanevent_changelist")).status_code == 200
    response = admin.post(
        reverse("admin:annotator_spanevent_changelist"),
        {"action": "restore", "_selected_action": [deletion.pk]},
        follow=True,
    )
    assert b"Restored 2 span" in response.content
    assert Span.objects.filter(annotator=people["alice"]).count() == 2


def test_the_history_page_with_batches_runs_a_bounded_number_of_queries(
    project, document, people, weapons, django_assert_max_num_queries
):
    alice = signed_in(people["alice"])
    for _ in range(3):
        alices_list(project, document, people, weapons)
        undo(alice, project, document)
    manager = signed_in(people["manager"])
    # One more than the spans' own: the document labels' changes (a table of their own).
    with django_assert_max_num_queries(9):
        page = manager.get(history_url(project, document))
    assert page.content.decode().count("<strong>2 spans</strong>: WEAPONS 2") == 6


def test_the_history_page_restores_a_batch_and_says_how_many(project, document, people, weapons):
    alice = signed_in(people["alice"])
    alices_list(project, document, people, weapons)
    undo(alice, project, document)
    deletion = SpanEvent.objects.get(action=SpanAction.DELETED)
    manager = signed_in(people["manager"])
    url = reverse("history", args=[project.pk, document.pk])
    response = manager.post(url, {"event": deletion.pk}, follow=True)
    assert "Restored 2 spans." in response.content.decode()
    assert Span.objects.filter(annotator=people["alice"]).count() == 2
