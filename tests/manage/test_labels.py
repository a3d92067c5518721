"""Labels: added, edited, reordered, deleted or merged on the labels page, through the
services, with refusals in words."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from annotator import palette, services
from annotator.history import document_history, history_rows
from annotator.models import Label, LabelMerge, Project, Span, SpanAction, SpanEvent
from annotator.services import label_create, label_merge, label_merge_undo, label_move, span_create
from annotator.undo import last_change


def names(project) -> list[str]:
    return list(project.labels.order_by("order", "name").values_list("name", flat=True))


def refusal(error: pytest.ExceptionInfo, field: str) -> str:
    return " ".join(error.value.message_dict[field])


# The services


def test_a_new_label_goes_last_with_the_next_palette_colour(project):
    label = label_create(project=project, name="DRONE")
    assert names(project)[-1] == "DRONE"
    taken = ["#b42318", "#a21caf", "#854d0e"]  # the fixture's labels
    assert label.color == palette.next_color(taken)
    assert label.color in palette.PALETTE


def test_a_name_the_project_has_is_refused_whatever_its_case(project):
    with pytest.raises(ValidationError) as error:
        label_create(project=project, name="weapons")
    assert refusal(error, "name") == "The project already has a label WEAPONS."


def test_a_name_with_a_space_is_refused(project):
    with pytest.raises(ValidationError) as error:
        label_create(project=project, name="TWO WORDS")
    assert "one word" in refusal(error, "name")


def test_a_key_another_label_has_is_refused_naming_that_label(project):
    with pytest.raises(ValidationError) as error:
        label_create(project=project, name="DRONE", shortcut="2")
    assert refusal(error, "shortcut") == "The label PERSON already uses the key 2."


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("[", "The workspace already uses [: it goes to the previous document."),
        ("]", "The workspace already uses ]: it goes to the next document."),
        ("?", "The workspace already uses ?: it opens the guidelines."),
        (" ", "A shortcut must be a visible key, not a space or a control character."),
        ("\t", "A shortcut must be a visible key, not a space or a control character."),
        ("ab", "A shortcut is one key: a single letter, digit or sign."),
    ],
)
def test_keys_the_workspace_keeps_are_refused_in_words(project, key, words):
    with pytest.raises(ValidationError) as error:
        label_create(project=project, name="DRONE", shortcut=key)
    assert refusal(error, "shortcut") == words
    assert not project.labels.filter(name="DRONE").exists()


def test_a_key_differing_only_by_shift_is_the_same_key(project):
    label_create(project=project, name="DRONE", shortcut="d")
    with pytest.raises(ValidationError) as error:
        label_create(project=project, name="DEPOT", shortcut="D")
    assert "DRONE already uses the key d" in refusal(error, "shortcut")


def test_a_colour_too_light_for_white_text_is_refused(project):
    with pytest.raises(ValidationError) as error:
        label_create(project=project, name="DRONE", color="#ffee00")
    assert "Too light" in refusal(error, "color") and "4.5:1" in refusal(error, "color")


def test_update_keeps_its_own_name_and_key(weapons):
    services.label_update(
        label=weapons, name="WEAPONS", description="Arms", color="#0066FF", shortcut="1"
    )
    weapons.refresh_from_db()
    assert (weapons.description, weapons.color) == ("Arms", "#0066ff")


def test_moving_up_and_down_renumbers_the_list(project, weapons):
    assert names(project) == ["WEAPONS", "PERSON", "LOCATION"]
    assert label_move(label=weapons, by=1)
    assert names(project) == ["PERSON", "WEAPONS", "LOCATION"]
    location = project.labels.get(name="LOCATION")
    assert label_move(label=location, by=-1)
    assert names(project) == ["PERSON", "LOCATION", "WEAPONS"]
    assert list(project.labels.order_by("order").values_list("order", flat=True)) == [0, 1, 2]
    assert not label_move(label=project.labels.get(name="PERSON"), by=-1)
    assert names(project) == ["PERSON", "LOCATION", "WEAPONS"]


@pytest.fixture
def tagged(project, document, people, weapons):
    """alice and bob tagged "artillery" and "shells" WEAPONS; gold has "artillery"."""
    spans = []
    for who, word, gold in [
        ("alice", "artillery", False),
        ("bob", "artillery", False),
        ("alice", "shells", False),
        ("reviewer", "artillery", True),
    ]:
        start = document.text.index(word)
        spans.append(
            span_create(
                project=project,
                document=document,
                annotator=people[who],
                label=weapons,
                start=start,
                end=start + len(word),
                gold=gold,
            )
        )
    return spans


def test_a_merge_relabels_every_span_in_one_batch_of_the_history(
    project, document, people, weapons, tagged
):
    person = project.labels.get(name="PERSON")
    merge = label_merge(label=weapons, into=person, actor=people["manager"])
    assert not Label.objects.filter(name="WEAPONS").exists()
    assert set(Span.objects.values_list("label", flat=True)) == {person.pk}
    events = SpanEvent.objects.filter(merge=merge)
    assert events.count() == merge.span_count == 4
    assert {(e.action, e.actor_id, e.after_label_id) for e in events} == {
        (SpanAction.RELABELLED, people["manager"].pk, person.pk)
    }
    # Each span's own layer is named, gold included.
    assert {(e.annotator_id, e.gold) for e in events} == {(s.annotator_id, s.gold) for s in tagged}
    rows = history_rows(document.text, document_history(project, document))
    merged = [row for row in rows if row["event"].merge_id == merge.pk]
    assert {row["action"] for row in merged} == {"Relabelled (label merge)"}
    assert {row["before"]["label"] for row in merged} == {"WEAPONS (merged)"}
    assert {row["after"]["label"] for row in merged} == {"PERSON"}


def test_a_merge_is_no_annotators_change_to_undo_in_their_workspace(
    project, document, people, weapons, tagged
):
    """The analyst's Ctrl+Z undoes their own changes only: the manager's merge is undone
    from the labels page, as a whole."""
    label_merge(label=weapons, into=project.labels.get(name="PERSON"), actor=people["manager"])
    alice_last = last_change(project, document, people["alice"], gold=False)
    assert alice_last is None or alice_last.merge_id is None


def test_a_merge_that_would_make_copies_is_refused_and_changes_nothing(
    project, document, people, weapons, tagged
):
    location = project.labels.get(name="LOCATION")
    start = document.text.index("shells")
    project.allow_overlap = True
    project.save()
    span_create(
        project=project,
        document=document,
        annotator=people["alice"],
        label=location,
        start=start,
        end=start + len("shells"),
    )
    before = SpanEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        label_merge(label=weapons, into=location, actor=people["manager"])
    assert "1 span(s) of WEAPONS have the same offsets as a LOCATION span" in refusal(error, "into")
    assert Label.objects.filter(pk=weapons.pk).exists()
    assert Span.objects.filter(label=weapons).count() == 4
    assert SpanEvent.objects.count() == before and not LabelMerge.objects.exists()


def test_undoing_a_merge_brings_the_label_and_its_spans_back(project, people, weapons, tagged):
    person = project.labels.get(name="PERSON")
    weapons_id = weapons.pk
    merge = label_merge(label=weapons, into=person, actor=people["manager"])
    # Since the merge, alice changed one of the spans herself: it stays as she left it.
    changed = Span.objects.get(pk=tagged[2].pk)
    services.span_update(span=changed, label=project.labels.get(name="LOCATION"))
    back = label_merge_undo(merge=merge, actor=people["manager"])
    assert (back.pk, back.name, back.shortcut, back.color) == (
        weapons_id,
        "WEAPONS",
        "1",
        weapons.color,
    )
    assert set(Span.objects.filter(label=back).values_list("pk", flat=True)) == {
        tagged[0].pk,
        tagged[1].pk,
        tagged[3].pk,
    }
    reversals = SpanEvent.objects.filter(reverts__merge=merge)
    assert reversals.count() == 3
    assert {(e.before_label_id, e.after_label_id) for e in reversals} == {(person.pk, back.pk)}
    merge.refresh_from_db()
    assert merge.undone_at is not None
    with pytest.raises(ValidationError, match="already been undone"):
        label_merge_undo(merge=merge, actor=people["manager"])


def test_a_merge_is_undone_without_its_key_when_another_label_took_it(
    project, people, weapons, tagged
):
    merge = label_merge(
        label=weapons, into=project.labels.get(name="PERSON"), actor=people["manager"]
    )
    label_create(project=project, name="ARMS", shortcut="1")
    assert label_merge_undo(merge=merge, actor=people["manager"]).shortcut == ""


# The page


def labels_url(project) -> str:
    return reverse("manage_labels", args=[project.pk])


def test_the_page_adds_a_label_with_a_colour_picked_by_hand(manager, project):
    data = {"new-name": "DRONE", "new-description": "UAVs", "new-color": "#007788"}
    response = manager.post(labels_url(project), {**data, "new-shortcut": "d"})
    assert response.status_code == 302
    label = project.labels.get(name="DRONE")
    assert (label.color, label.shortcut, label.description) == ("#007788", "d", "UAVs")


def test_the_add_form_offers_the_next_palette_colour(manager, project):
    page = manager.get(labels_url(project)).content.decode()
    expected = palette.next_color(project.labels.values_list("color", flat=True))
    assert f'type="color" name="new-color" value="{expected}"' in page


def test_a_refused_label_is_shown_with_the_reason_next_to_the_field(manager, project):
    response = manager.post(
        labels_url(project), {"new-name": "DRONE", "new-color": "#007788", "new-shortcut": "?"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The workspace already uses ?: it opens the guidelines." in page
    assert 'id="id_new-shortcut_error"' in page
    assert "label_shortcut_unique_in_project" not in page
    assert not project.labels.filter(name="DRONE").exists()


def test_a_duplicate_key_on_edit_says_which_label_has_it(manager, project, weapons):
    prefix = f"label-{weapons.pk}"
    response = manager.post(
        reverse("label_edit", args=[project.pk, weapons.pk]),
        {f"{prefix}-name": "WEAPONS", f"{prefix}-color": "#dd2200", f"{prefix}-shortcut": "3"},
    )
    assert response.status_code == 200
    assert "The label LOCATION already uses the key 3." in response.content.decode()
    weapons.refresh_from_db()
    assert weapons.shortcut == "1"


def test_htmx_move_answers_the_list_with_what_happened(manager, project, weapons):
    response = manager.post(
        reverse("label_move", args=[project.pk, weapons.pk]),
        {"direction": "down"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.startswith('\n<section id="label-list"') or page.lstrip().startswith(
        '<section id="label-list"'
    )
    assert "WEAPONS moved down." in page
    assert f'id="down-{weapons.pk}"' in page  # the focused button comes back
    assert names(project) == ["PERSON", "WEAPONS", "LOCATION"]


def test_deleting_a_label_in_use_is_refused_in_words(manager, project, weapons, tagged):
    response = manager.post(reverse("label_delete", args=[project.pk, weapons.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "4 spans use the label WEAPONS: relabel or delete them first, or merge them into "
        "another label." in page
    )
    assert Label.objects.filter(pk=weapons.pk).exists()


def test_an_unused_label_is_deleted(manager, project):
    location = project.labels.get(name="LOCATION")
    response = manager.post(reverse("label_delete", args=[project.pk, location.pk]))
    assert response.status_code == 302
    assert names(project) == ["WEAPONS", "PERSON"]


def test_the_page_merges_and_undoes(manager, project, weapons, tagged):
    person = project.labels.get(name="PERSON")
    url = reverse("label_delete", args=[project.pk, weapons.pk])
    response = manager.post(url, {f"delete-{weapons.pk}-into": person.pk}, follow=True)
    assert "WEAPONS merged into PERSON: 4 span(s) relabelled." in response.content.decode()
    merge = LabelMerge.objects.get()
    response = manager.post(reverse("label_merge_undo", args=[project.pk, merge.pk]), follow=True)
    assert "Label WEAPONS is back, with its spans." in response.content.decode()
    assert Span.objects.filter(label__name="WEAPONS").count() == 4


def test_merging_into_another_projects_label_is_refused(manager, project, weapons, tagged):
    other = Project.objects.create(name="Other")
    foreign = label_create(project=other, name="FOREIGN")
    url = reverse("label_delete", args=[project.pk, weapons.pk])
    response = manager.post(url, {f"delete-{weapons.pk}-into": foreign.pk})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Span.objects.filter(label=weapons).count() == 4


def test_a_label_of_another_project_is_not_found_through_this_one(manager, project):
    other = Project.objects.create(name="Other")
    foreign = label_create(project=other, name="FOREIGN")
    url = reverse("label_move", args=[project.pk, foreign.pk])
    response = manager.post(url, {"direction": "up"})
    assert response.status_code == 404


@pytest.mark.parametrize("count", [3, 30])
def test_the_labels_page_runs_a_bounded_number_of_queries(
    manager, project, tagged, people, count, django_assert_max_num_queries
):
    for number in range(count - 3):
        label_create(project=project, name=f"L{number}")
    merge_from = label_create(project=project, name="GONE")
    label_merge(label=merge_from, into=project.labels.get(name="PERSON"), actor=people["manager"])
    with django_assert_max_num_queries(8):
        response = manager.get(labels_url(project))
    assert response.status_code == 200
    assert response.content.decode().count('class="card label-row"') == count
