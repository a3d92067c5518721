"""One rule for a label, whichever door: the labels page, the API and the Django admin send
the same values through ``services.label_errors`` and answer with the same refusal, in the
same words, storing nothing; good values are stored alike (the palette's colour when none
is given, the last place)."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from annotator import palette, services
from annotator.models import Label, LabelMerge, Project
from annotator.services import span_create

# The project's labels (tests/conftest.py): WEAPONS (key 1), PERSON (2), LOCATION (3).
LIGHT = (
    "Too light: the label's white text on #eeeeee has a contrast of 1.2:1, under 4.5:1. "
    "Choose a darker colour."
)
BAD_VALUES = [
    ({"color": "#eeeeee"}, {"color": [LIGHT]}),
    ({"color": "#EEEEEE"}, {"color": [LIGHT]}),
    ({"color": "red"}, {"color": ["Give the colour as #rrggbb, e.g. #1d4ed8."]}),
    ({"color": "#12345"}, {"color": ["Give the colour as #rrggbb, e.g. #1d4ed8."]}),
    ({"name": "weapons"}, {"name": ["The project already has a label WEAPONS."]}),
    ({"name": " Person "}, {"name": ["The project already has a label PERSON."]}),
    (
        {"name": "TWO WORDS"},
        {
            "name": [
                "A label name is one word without spaces (exports such as CoNLL split on spaces)."
            ]
        },
    ),
    ({"name": ""}, {"name": ["Give the label a name, e.g. WEAPONS."]}),
    ({"name": "L" * 101}, {"name": ["A label name is at most 100 characters."]}),
    ({"description": "d" * 501}, {"description": ["A description is at most 500 characters."]}),
    ({"shortcut": "2"}, {"shortcut": ["The label PERSON already uses the key 2."]}),
    (
        {"shortcut": "["},
        {"shortcut": ["The workspace already uses [: it goes to the previous document."]},
    ),
    (
        {"shortcut": "]"},
        {"shortcut": ["The workspace already uses ]: it goes to the next document."]},
    ),
    ({"shortcut": "?"}, {"shortcut": ["The workspace already uses ?: it opens the guidelines."]}),
    (
        {"shortcut": "r"},
        {"shortcut": ["The workspace already uses r: it starts a relation from the chosen span."]},
    ),
    (
        {"shortcut": " "},
        {"shortcut": ["A shortcut must be a visible key, not a space or a control character."]},
    ),
    ({"shortcut": "ab"}, {"shortcut": ["A shortcut is one key: a single letter, digit or sign."]}),
    (
        {"name": "person", "color": "#ffff00", "shortcut": "?"},
        {
            "name": ["The project already has a label PERSON."],
            "color": [
                "Too light: the label's white text on #ffff00 has a contrast of 1.1:1, "
                "under 4.5:1. Choose a darker colour."
            ],
            "shortcut": ["The workspace already uses ?: it opens the guidelines."],
        },
    ),
]


class Doors:
    """Each door adds, changes or deletes a label as a manager of ``project`` and answers
    ``(stored label or None, refusals by field)``."""

    def __init__(self, project: Project, manager):
        self.project = project
        self.browser = Client()
        self.browser.force_login(manager)
        self.api = APIClient()
        self.api.force_authenticate(manager)

    # Adding

    def page_add(self, values: dict) -> dict:
        data = {f"new-{field}": value for field, value in values.items()}
        response = self.browser.post(reverse("manage_labels", args=[self.project.pk]), data)
        if response.status_code == 302:
            return {}
        assert response.status_code == 200
        return dict(response.context["add_form"].errors)

    def api_add(self, values: dict) -> dict:
        url = reverse("api:label-list", kwargs={"project_pk": self.project.pk})
        response = self.api.post(url, values, format="json")
        if response.status_code == 201:
            return {}
        assert response.status_code == 400
        return response.json()

    def project_add(self, values: dict) -> dict:
        """``POST /api/projects/`` with the project's labels as they stand, then this one:
        judged against them, as the labels page judges it."""
        stand = [
            {"name": name, "color": color, "shortcut": key}
            for name, color, key in self.project.labels.order_by("order").values_list(
                "name", "color", "shortcut"
            )
        ]
        body = {"name": "Copy", "labels": [*stand, values]}
        response = self.api.post(reverse("api:project-list"), body, format="json")
        if response.status_code == 201:
            self.created = Project.objects.get(pk=response.json()["id"])
            return {}
        assert response.status_code == 400
        assert list(response.json()) == ["labels"]
        assert list(response.json()["labels"]) == [str(len(stand))]
        return response.json()["labels"][str(len(stand))]

    def admin_add(self, values: dict) -> dict:
        data = {"project": self.project.pk, "order": "", **values}
        response = self.browser.post(reverse("admin:annotator_label_add"), data)
        if response.status_code == 302:
            return {}
        assert response.status_code == 200
        return dict(response.context["adminform"].form.errors)

    # Changing

    def page_change(self, label: Label, values: dict) -> dict:
        data = {f"label-{label.pk}-{field}": value for field, value in values.items()}
        response = self.browser.post(reverse("label_edit", args=[self.project.pk, label.pk]), data)
        if response.status_code == 302:
            return {}
        failed = next(row["edit"] for row in response.context["rows"] if row["open"])
        return dict(failed.errors)

    def api_change(self, label: Label, values: dict) -> dict:
        url = reverse("api:label-detail", kwargs={"project_pk": self.project.pk, "pk": label.pk})
        response = self.api.patch(url, values, format="json")
        if response.status_code == 200:
            return {}
        assert response.status_code == 400
        return response.json()

    def admin_change(self, label: Label, values: dict) -> dict:
        data = {"project": self.project.pk, "order": label.order, **values}
        response = self.browser.post(reverse("admin:annotator_label_change", args=[label.pk]), data)
        if response.status_code == 302:
            return {}
        return dict(response.context["adminform"].form.errors)

    # Deleting: the refusal's words

    def page_delete(self, label: Label) -> str:
        response = self.browser.post(reverse("label_delete", args=[self.project.pk, label.pk]))
        failed = next(row["delete"] for row in response.context["rows"] if row["open"])
        return " ".join(failed.errors["into"])

    def api_delete(self, label: Label) -> str:
        url = reverse("api:label-detail", kwargs={"project_pk": self.project.pk, "pk": label.pk})
        response = self.api.delete(url)
        assert response.status_code == 409
        return response.json()["detail"]

    def admin_delete(self, label: Label) -> str:
        url = reverse("admin:annotator_label_delete", args=[label.pk])
        response = self.browser.post(url, {"post": "yes"})
        assert response.status_code == 302
        return " ".join(str(message) for message in get_messages(response.wsgi_request))


DOORS = ["page", "api", "admin"]


@pytest.fixture
def doors(project, people) -> Doors:
    return Doors(project, people["manager"])


def stored(project) -> list[tuple]:
    return list(
        project.labels.order_by("pk").values_list(
            "pk", "name", "description", "color", "shortcut", "order"
        )
    )


def full(values: dict) -> dict:
    """Every field, as the page's and the admin's forms post them."""
    return {"name": "DRONE", "description": "", "color": "#1d4ed8", "shortcut": "", **values}


@pytest.mark.parametrize(("values", "refusal"), BAD_VALUES)
def test_a_bad_new_label_is_refused_alike_at_every_door(doors, project, values, refusal):
    before, projects = stored(project), Project.objects.count()
    answers = {door: getattr(doors, f"{door}_add")(full(values)) for door in [*DOORS, "project"]}
    assert answers == {door: refusal for door in [*DOORS, "project"]}
    assert stored(project) == before
    assert Project.objects.count() == projects


@pytest.mark.parametrize(("values", "refusal"), BAD_VALUES)
def test_a_bad_change_is_refused_alike_at_every_door(doors, project, values, refusal):
    location = project.labels.get(name="LOCATION")
    before = stored(project)
    original = {"name": "LOCATION", "description": "", "color": "#854d0e", "shortcut": "3"}
    answers = {
        door: getattr(doors, f"{door}_change")(location, {**original, **values}) for door in DOORS
    }
    assert answers == {door: refusal for door in DOORS}
    assert stored(project) == before


GOOD_VALUES = [
    # No colour: the palette's next; the place after the last.
    {"name": "DRONE"},
    {"name": "DRONE", "color": ""},
    # Trimmed, the colour in lower case, a key that differs from the others.
    {"name": "  DRONE ", "description": " Unmanned. ", "color": "#1D4ED8", "shortcut": "d"},
    # Exactly 4.5:1 is readable enough.
    {"name": "DRONE", "color": "#767676"},
]


@pytest.mark.parametrize("values", GOOD_VALUES)
def test_a_good_new_label_is_stored_alike_at_every_door(doors, project, values):
    results = {}
    for door in DOORS:
        # The forms post every field (empty when not filled in); an API client only some.
        sent = (
            values if door == "api" else {"description": "", "color": "", "shortcut": "", **values}
        )
        assert getattr(doors, f"{door}_add")(sent) == {}
        label = project.labels.get(name="DRONE")
        results[door] = (label.name, label.description, label.color, label.shortcut, label.order)
        label.delete()
    assert doors.project_add(values) == {}
    label = doors.created.labels.get(name="DRONE")
    results["project"] = (label.name, label.description, label.color, label.shortcut, label.order)
    expected_color = values.get("color", "").lower() or services.label_color(project)
    assert expected_color in palette.PALETTE or values.get("color")
    assert results == {
        door: (
            "DRONE",
            values.get("description", "").strip(),
            expected_color,
            values.get("shortcut", ""),
            project.labels.next_order(),
        )
        for door in DOORS
    } | {"project": (*results["api"][:4], 3)}  # the new project's fourth label


def test_a_change_keeps_what_is_not_sent_through_the_api(doors, project):
    location = project.labels.get(name="LOCATION")
    assert doors.api_change(location, {"color": "#1D4ED8"}) == {}
    location.refresh_from_db()
    assert (location.name, location.color, location.shortcut) == ("LOCATION", "#1d4ed8", "3")


def test_deleting_a_used_label_is_refused_alike_at_every_door(doors, project, document, people):
    weapons = project.labels.get(name="WEAPONS")
    for start in (0, 5):
        span_create(
            project=project,
            document=document,
            annotator=people["alice"],
            label=weapons,
            start=start,
            end=start + 3,
        )
    words = (
        "2 spans use the label WEAPONS: relabel or delete them first, or merge them into "
        "another label."
    )
    answers = {door: getattr(doors, f"{door}_delete")(weapons) for door in DOORS}
    assert answers == {door: words for door in DOORS}
    assert project.labels.filter(pk=weapons.pk).exists()
    assert weapons.spans.count() == 2


def test_a_relation_types_only_allowed_label_is_kept_alike_at_every_door(doors, project):
    """Deleted, it would leave the type's end with no allowed label, which means any."""
    labels = {label.name: label for label in project.labels.all()}
    services.relation_type_create(
        project=project,
        name="SUPPLIES",
        source_labels=[labels["PERSON"]],
        target_labels=[labels["WEAPONS"], labels["LOCATION"]],
    )
    services.relation_type_create(
        project=project, name="MEETS", source_labels=[labels["PERSON"]], target_labels=[]
    )
    words = (
        "Relation types MEETS (source), SUPPLIES (source) take only PERSON: without it, any "
        "label would do there. Change the relation type first."
    )
    answers = {door: getattr(doors, f"{door}_delete")(labels["PERSON"]) for door in DOORS}
    assert answers == {door: words for door in DOORS}
    assert project.labels.filter(pk=labels["PERSON"].pk).exists()
    # One of two allowed labels may go: the end still takes the other.
    assert (
        doors.api.delete(
            reverse(
                "api:label-detail", kwargs={"project_pk": project.pk, "pk": labels["LOCATION"].pk}
            )
        ).status_code
        == 204
    )
    supplies = project.relation_types.get(name="SUPPLIES")
    assert list(supplies.target_labels.values_list("name", flat=True)) == ["WEAPONS"]


def test_the_project_page_of_the_admin_asks_the_same_rule(doors, project, document, people):
    """Its label rows: compared with one another as well as with the stored labels, and a
    used label kept."""
    labels = list(project.labels.order_by("order"))
    span_create(
        project=project,
        document=document,
        annotator=people["alice"],
        label=labels[0],
        start=0,
        end=3,
    )
    data = {
        "name": project.name,
        "annotators_per_document": 2,
        "labels-TOTAL_FORMS": len(labels) + 2,
        "labels-INITIAL_FORMS": len(labels),
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
    }
    for index, label in enumerate(labels):
        for field in ("name", "description", "color", "shortcut", "order"):
            data[f"labels-{index}-{field}"] = getattr(label, field)
        data[f"labels-{index}-id"] = label.pk
        data[f"labels-{index}-project"] = project.pk
    new = len(labels)
    for offset, (name, key) in enumerate([("DRONE", "d"), ("drone", "D")]):
        data |= {
            f"labels-{new + offset}-name": name,
            f"labels-{new + offset}-shortcut": key,
            f"labels-{new + offset}-project": project.pk,
        }
    url = reverse("admin:annotator_project_change", args=[project.pk])
    before = stored(project)

    response = doors.browser.post(url, data)
    assert response.status_code == 200
    formset = next(f for f in response.context["inline_admin_formsets"] if f.opts.model is Label)
    errors = formset.formset.errors
    assert errors[new] == {
        "name": ["The project already has a label drone."],
        "shortcut": ["The label drone already uses the key D."],
    }
    assert errors[new + 1]["name"] == ["The project already has a label DRONE."]

    # One new row, with no colour: the palette's; and deleting the used label is refused.
    del data[f"labels-{new + 1}-name"], data[f"labels-{new + 1}-shortcut"]
    data["labels-0-DELETE"] = "on"
    response = doors.browser.post(url, data)
    assert response.status_code == 200
    formset = next(f for f in response.context["inline_admin_formsets"] if f.opts.model is Label)
    assert formset.formset.non_form_errors() == [
        "1 span use the label WEAPONS: relabel or delete them first, or merge them into "
        "another label."
    ]
    assert stored(project) == before

    del data["labels-0-DELETE"]
    colour = services.label_color(project)
    assert doors.browser.post(url, data).status_code == 302
    drone = project.labels.get(name="DRONE")
    assert (drone.color, drone.shortcut, drone.order) == (colour, "d", labels[-1].order + 1)


def test_the_label_endpoints_run_a_bounded_number_of_queries(
    doors, project, django_assert_max_num_queries
):
    """However many labels the project has: the manager's project, its lock, the labels'
    colours, names and keys, the last place, the write (and savepoints)."""
    Label.objects.bulk_create(Label(project=project, name=f"L{i}", order=10 + i) for i in range(50))
    location = project.labels.get(name="LOCATION")
    with django_assert_max_num_queries(10):
        assert doors.api_add({"name": "DRONE"}) == {}
    with django_assert_max_num_queries(6):
        assert doors.api_add({"name": "weapons", "color": "#eeeeee"}) != {}
    with django_assert_max_num_queries(9):
        assert doors.api_change(location, {"name": "PLACE", "shortcut": "p"}) == {}
    drone = project.labels.get(name="DRONE")
    url = reverse("api:label-detail", kwargs={"project_pk": project.pk, "pk": drone.pk})
    # The deletion also unties the history's rows and merges that named the label, and
    # takes its suggestions with it; documents given it (categories) and their history's
    # rows are asked and untied too, and the relation types that named it let go of it;
    # its suggested document labels go with it; before all that, the relation types' ends
    # that take it alone are asked for (one statement an end).
    with django_assert_max_num_queries(21):
        assert doors.api.delete(url).status_code == 204


def test_the_api_merges_a_used_label_as_the_page_does(doors, project, document, people):
    weapons, person = project.labels.get(name="WEAPONS"), project.labels.get(name="PERSON")
    span = span_create(
        project=project, document=document, annotator=people["alice"], label=weapons, start=0, end=3
    )
    url = reverse("api:label-detail", kwargs={"project_pk": project.pk, "pk": weapons.pk})

    unknown = doors.api.delete(f"{url}?into=NOPE")
    itself = doors.api.delete(f"{url}?into={weapons.pk}")
    assert (unknown.status_code, unknown.json()) == (
        400,
        {"into": ["Unknown label 'NOPE': give another label of this project."]},
    )
    assert (itself.status_code, itself.json()) == (
        400,
        {"into": ["Choose another label of this project."]},
    )

    assert doors.api.delete(f"{url}?into=PERSON").status_code == 204
    assert not project.labels.filter(pk=weapons.pk).exists()
    span.refresh_from_db()
    assert span.label == person
    assert LabelMerge.objects.get(project=project).span_count == 1
