"""The workspace's suggestions: the side list's data, accepting and rejecting one through
the page (answered like a tag: only what changed), accepting all of a source (one undo),
gold on the review page for reviewers, and bounded queries."""

import json
import re

import pytest
from django.urls import reverse

from annotator.models import Span
from annotator.services import label_errors, suggestion_reject, suggestions_add
from annotator.suggestions import Suggestion
from corpus.models import Document
from tests.suggestions.conftest import kinzhals

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def offered(arms):
    """The three whole-word "Kinzhal"s offered by an import, and "Kim" by a gazetteer."""
    text = arms.document.text
    weapons, person = arms.labels["WEAPONS"], arms.labels["PERSON"]
    items = [
        {"start": at, "end": at + 7, "label": weapons, "source": "import", "score": 0.9}
        for at in kinzhals(text)
        if text[at + 7] != "-"
    ]
    items.append(
        {
            "start": text.index("Kim"),
            "end": text.index("Kim") + 3,
            "label": person,
            "source": "rules:people",
        }
    )
    suggestions_add(project=arms.project, document=arms.document, items=items)
    arms.suggestions = list(Suggestion.objects.filter(document=arms.document))
    return arms


def login(client, user):
    client.force_login(user)
    return client


def island(client, project, document, page="workspace") -> dict:
    html = client.get(reverse(page, args=[project.pk, document.pk])).content.decode()
    found = re.search(r'<script id="suggestion-data" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1)) if found else None


def page_layer(client, project, document, page="workspace") -> str:
    html = client.get(reverse(page, args=[project.pk, document.pk])).content.decode()
    return re.search(r'id="article"[^>]* data-layer="([0-9a-f]+)"', html).group(1)


def ids(data) -> list[int]:
    return [item[0] for item in data["items"]]


def accept(client, project, suggestion, layer, gold=False):
    url = reverse("suggestion_accept", args=[project.pk, suggestion.pk])
    return client.post(url + ("?layer=gold" if gold else ""), {"layer": layer}, **HX)


def test_the_page_lists_what_waits_for_me_and_another_analysts_decision_hides_nothing(
    client, offered
):
    project, document, people = offered.project, offered.document, offered.people
    first = offered.suggestions[0]
    suggestion_reject(suggestion=first, user=people["bob"])
    data = island(login(client, people["alice"]), project, document)
    assert sorted(ids(data)) == sorted(s.pk for s in offered.suggestions)
    assert data["sources"] == ["import", "rules:people"]
    assert data["items"][0][1:4] == [first.start, first.end, first.label_id]
    # Bob's own list has it no more.
    assert first.pk not in ids(island(login(client, people["bob"]), project, document))


def test_accepting_answers_like_a_tag_and_the_suggestion_is_gone(client, offered):
    project, document, people = offered.project, offered.document, offered.people
    alice = login(client, people["alice"])
    suggestion = offered.suggestions[0]
    response = accept(alice, project, suggestion, page_layer(alice, project, document))
    assert response.status_code == 200 and response["HX-Retarget"] == "#patch"
    answer = response.content.decode()
    assert len(response.content) < 4096 and 'class="span-row"' in answer
    assert f'data-removed="{suggestion.pk}"' in answer
    remaining = [s.pk for s in offered.suggestions[1:]]
    assert f'data-state="{len(remaining)}.{sum(remaining)}"' in answer
    assert "Accepted WEAPONS “Kinzhal” (import)" in answer
    span = Span.objects.get(document=document, annotator=people["alice"])
    assert (span.start, span.end, span.source) == (suggestion.start, suggestion.end, "import")
    assert suggestion.pk not in ids(island(alice, project, document))


@pytest.mark.parametrize("propagate", ["off", "document"])
def test_a_tag_answers_the_pending_state_only_where_it_can_change_it(client, offered, propagate):
    """A tag changes the pending suggestions only by propagating; without, its answer does
    not ask for their state (the page keeps its own), with it the page learns the new one."""
    project, document, people = offered.project, offered.document, offered.people
    project.propagate = propagate
    project.save(update_fields=["propagate"])
    alice = login(client, people["alice"])
    at = document.text.index("Russia")
    url = reverse("span_add", args=[project.pk, document.pk])
    data = {"start": at, "end": at + 6, "label": offered.labels["WEAPONS"].pk}

    response = alice.post(url, data | {"layer": page_layer(alice, project, document)}, **HX)

    assert response.status_code == 200
    state = re.search(r'data-state="([0-9.]+)"', response.content.decode())
    pending = Suggestion.objects.filter(document=document)
    if propagate == "off":
        assert state is None
    else:
        assert state.group(1) == f"{pending.count()}.{sum(s.pk for s in pending)}"


def test_rejecting_takes_it_out_of_my_list_only(client, offered):
    project, document, people = offered.project, offered.document, offered.people
    alice = login(client, people["alice"])
    suggestion = offered.suggestions[-1]
    url = reverse("suggestion_reject", args=[project.pk, suggestion.pk])
    response = alice.post(url, {"layer": page_layer(alice, project, document)}, **HX)
    assert response.status_code == 200 and f'data-removed="{suggestion.pk}"' in response.text
    assert "<template" not in response.text  # the article did not change
    assert not Span.objects.filter(document=document).exists()
    assert suggestion.pk not in ids(island(alice, project, document))
    assert suggestion.pk in ids(island(login(client, people["bob"]), project, document))


def test_an_accept_refused_keeps_the_suggestion_and_says_why(client, offered):
    project, document, people = offered.project, offered.document, offered.people
    alice = login(client, people["alice"])
    suggestion = offered.suggestions[0]
    alice.post(
        reverse("span_add", args=[project.pk, document.pk]),
        {"start": suggestion.start, "end": suggestion.end + 3, "label": suggestion.label_id},
    )
    response = accept(alice, project, suggestion, page_layer(alice, project, document))
    assert response.status_code == 422 and "Not saved" in response.text
    # A refusal changes no suggestion: the answer says nothing of them.
    assert "overlap" in response.text.lower() and "data-removed" not in response.text
    assert suggestion.pk in ids(island(alice, project, document))


def test_accepting_a_source_is_one_batch_and_one_undo_takes_it_back(client, offered):
    project, document, people = offered.project, offered.document, offered.people
    alice = login(client, people["alice"])
    imported = [s.pk for s in offered.suggestions if s.source == "import"]
    url = reverse("suggestions_accept_source", args=[project.pk, document.pk])
    response = alice.post(
        url, {"source": "import", "layer": page_layer(alice, project, document)}, **HX
    )
    assert response.status_code == 200 and response["HX-Retarget"] == "#patch"
    assert f'data-removed="{" ".join(map(str, imported))}"' in response.text
    assert f"Accepted {len(imported)} suggestions from import." in response.text
    assert Span.objects.filter(document=document, source="import").count() == len(imported)
    assert ids(island(alice, project, document)) == [
        s.pk for s in offered.suggestions if s.source == "rules:people"
    ]

    response = alice.post(
        reverse("undo", args=[project.pk, document.pk]),
        {"layer": page_layer(alice, project, document)},
        **HX,
    )
    assert "new spans are removed" in response.text
    assert not Span.objects.filter(document=document).exists()
    # Offered again: the answer's state tells the page its list is out of step.
    everything = [s.pk for s in offered.suggestions]
    assert f'data-state="{len(everything)}.{sum(everything)}"' in response.text
    assert sorted(ids(island(alice, project, document))) == sorted(everything)
    pending = alice.get(reverse("suggestions_pending", args=[project.pk, document.pk])).json()
    assert sorted(ids(pending)) == sorted(everything)

    response = alice.post(url, {"source": "nobody"}, **HX)
    assert response.status_code == 422 and "No suggestion from nobody waits here" in response.text


def test_gold_is_for_reviewers_on_the_review_page(client, offered):
    project, document, people = offered.project, offered.document, offered.people
    suggestion = offered.suggestions[0]
    alice = login(client, people["alice"])
    assert accept(alice, project, suggestion, "", gold=True).status_code == 403
    url = reverse("suggestions_pending", args=[project.pk, document.pk])
    assert alice.get(url + "?layer=gold").status_code == 403
    reviewer = login(client, people["reviewer"])
    assert len(island(reviewer, project, document, page="review")["items"]) == 4
    layer = page_layer(reviewer, project, document, page="review")
    response = accept(reviewer, project, suggestion, layer, gold=True)
    assert response.status_code == 200 and f'data-removed="{suggestion.pk}"' in response.text
    assert Span.objects.get(document=document).gold
    assert len(island(reviewer, project, document, page="review")["items"]) == 3
    # Gold's decision is not the reviewer's own: their workspace still offers it.
    assert len(island(reviewer, project, document)["items"]) == 4


def test_strangers_and_other_projects_are_not_found(client, offered):
    outsider = login(client, offered.people["outsider"])
    assert accept(outsider, offered.project, offered.suggestions[0], "").status_code == 404
    secret = suggestions_add(
        project=offered.elsewhere,
        document=offered.secret,
        items=[{"start": 7, "end": 14, "label": offered.elsewhere.labels.get()}],
    )[0]
    alice = login(client, offered.people["alice"])
    assert accept(alice, offered.project, secret, "").status_code == 404
    # Without htmx, a decision goes back to the page.
    url = reverse("suggestion_reject", args=[offered.project.pk, offered.suggestions[0].pk])
    response = alice.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "workspace", args=[offered.project.pk, offered.document.pk]
    )


def test_the_suggestion_keys_are_kept_from_labels(offered):
    for key in ["n", "a", "x", "A"]:
        errors = label_errors(offered.project, name="NEW", color="#1d4ed8", shortcut=key)
        assert "The workspace already uses" in errors["shortcut"][0]


@pytest.mark.parametrize("count", [5, 500])
def test_queries_do_not_grow_with_suggestions(client, arms, django_assert_max_num_queries, count):
    project, people = arms.project, arms.people
    document = Document.objects.create(text="Kinzhal " * 600)
    project.documents.add(document)
    weapons = arms.labels["WEAPONS"]
    suggestions_add(
        project=project,
        document=document,
        items=[{"start": 8 * i, "end": 8 * i + 7, "label": weapons} for i in range(count)],
    )
    alice = login(client, people["alice"])
    with django_assert_max_num_queries(16):
        page = alice.get(reverse("workspace", args=[project.pk, document.pk]))
    assert page.status_code == 200
    assert len(island(alice, project, document)["items"]) == count
    layer = page_layer(alice, project, document)
    first, second = Suggestion.objects.filter(document=document).order_by("start")[:2]
    with django_assert_max_num_queries(28):
        assert accept(alice, project, first, layer).status_code == 200
    layer = page_layer(alice, project, document)
    url = reverse("suggestion_reject", args=[project.pk, second.pk])
    with django_assert_max_num_queries(20):
        assert alice.post(url, {"layer": layer}, **HX).status_code == 200
    url = reverse("suggestions_accept_source", args=[project.pk, document.pk])
    form = {"source": "import", "layer": page_layer(alice, project, document)}
    with django_assert_max_num_queries(24):
        response = alice.post(url, form, **HX)
    assert response.status_code == 200
    assert Span.objects.filter(document=document).count() == count - 1


def test_deleting_an_accepted_suggestions_span_offers_it_again_and_a_hand_made_one_does_not(
    client, offered
):
    """A deletion answers with the pending set's state only when the span was an
    acceptance (the suggestion is pending again): a hand-made span's does not ask for it."""
    project, document, people = offered.project, offered.document, offered.people
    suggestion = offered.suggestions[0]
    alice = login(client, people["alice"])
    layer = page_layer(alice, project, document)
    assert accept(alice, project, suggestion, layer).status_code == 200
    accepted = Span.objects.get(document=document, source=suggestion.source)
    text = document.text
    at = text.index("Russia")
    response = alice.post(
        reverse("span_add", args=[project.pk, document.pk]),
        {"start": at, "end": at + 6, "label": offered.labels["LOCATION"].pk},
        **HX,
    )
    assert response.status_code == 200
    by_hand = Span.objects.get(document=document, start=at)

    def delete(span):
        url = reverse("span_remove", args=[project.pk, span.pk])
        return alice.post(url, {"layer": page_layer(alice, project, document)}, **HX)

    response = delete(by_hand)
    assert response.status_code == 200 and "data-state=" not in response.text
    response = delete(accepted)
    everything = [s.pk for s in offered.suggestions]
    assert f'data-state="{len(everything)}.{sum(everything)}"' in response.text
    assert sorted(ids(island(alice, project, document))) == sorted(everything)


def test_undoing_an_acceptance_offers_it_again_and_undoing_a_tag_says_nothing_of_suggestions(
    client, offered
):
    """Undo answers with the pending set's state when the span it removed was a
    suggestion's acceptance (the suggestion is pending again); a plain tag undone leaves
    the set as it was, and the answer says nothing of it (as a deletion's)."""
    project, document, people = offered.project, offered.document, offered.people
    alice = login(client, people["alice"])
    suggestion = offered.suggestions[0]
    layer = page_layer(alice, project, document)
    assert accept(alice, project, suggestion, layer).status_code == 200
    undo = reverse("undo", args=[project.pk, document.pk])
    response = alice.post(undo, {"layer": page_layer(alice, project, document)}, **HX)
    assert "new span is removed" in response.text and response["HX-Retarget"] == "#patch"
    everything = [s.pk for s in offered.suggestions]
    assert f'data-state="{len(everything)}.{sum(everything)}"' in response.text

    at = document.text.index("Kim")
    tag = reverse("span_add", args=[project.pk, document.pk])
    weapons = offered.labels["WEAPONS"]
    layer = page_layer(alice, project, document)
    alice.post(tag, {"start": at, "end": at + 3, "label": weapons.pk, "layer": layer}, **HX)
    response = alice.post(undo, {"layer": page_layer(alice, project, document)}, **HX)
    assert "new span is removed" in response.text and response["HX-Retarget"] == "#patch"
    assert 'id="suggestion-changes"' not in response.text
    assert sorted(ids(island(alice, project, document))) == sorted(everything)
