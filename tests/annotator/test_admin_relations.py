"""The admin of document labels, relations, relation types, suggestions and trained models:
scoped by role as the other admin pages are (tests/annotator/test_admin.py), layers read
only, relation types written through the services, and forged POSTs that reach into
another project refused."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from annotator.models import Label, LabelKind, Membership, Project, Role
from annotator.ner_models import NerModel
from annotator.relations import RelationType
from annotator.services import (
    category_add,
    relation_create,
    relation_type_create,
    span_create,
    suggestions_add,
)
from annotator.suggestions import RuleSet
from corpus.models import Document

READ_ONLY = ["category", "relation", "suggestion", "suggestiondecision", "ruleset", "nermodel"]


def layers_of(project: Project, document: Document, user, prefix: str) -> SimpleNamespace:
    """In ``project``: a document label, a PERSON → WEAPONS relation of ``user``'s, a
    suggestion, a rule set and a model, every name starting with ``prefix``."""
    person = Label.objects.create(project=project, name=f"{prefix}PERSON", order=11)
    weapons = Label.objects.create(project=project, name=f"{prefix}WEAPONS", order=12)
    topic = Label.objects.create(
        project=project, name=f"{prefix}TOPIC", kind=LabelKind.DOCUMENT, order=13
    )

    def span(label, start, end):
        return span_create(
            project=project, document=document, annotator=user, label=label, start=start, end=end
        )

    source, target = span(person, 0, 2), span(weapons, 3, 5)
    relation_type = relation_type_create(
        project=project,
        name=f"{prefix}SUPPLIES",
        source_labels=[person],
        target_labels=[weapons],
    )
    relation = relation_create(
        project=project,
        document=document,
        annotator=user,
        relation_type=relation_type,
        source=source,
        target=target,
    )
    category = category_add(project=project, document=document, annotator=user, label=topic)
    (suggestion,) = suggestions_add(
        project=project,
        document=document,
        items=[{"start": 6, "end": 8, "label": person, "source": f"rules:{prefix}rules"}],
    )
    rules = RuleSet.objects.create(project=project, name=f"{prefix}rules", patterns=[])
    model = NerModel.objects.create(project=project, version=7, status="ready", data=b"-")
    return SimpleNamespace(
        person=person,
        weapons=weapons,
        type=relation_type,
        relation=relation,
        category=category,
        suggestion=suggestion,
        rules=rules,
        model=model,
    )


@pytest.fixture
def arms(project, document, people):
    return layers_of(project, document, people["alice"], "ARMS")


@pytest.fixture
def bravo(db, make_user):
    """Another project the manager is not in, with layers of its own member's."""
    project = Project.objects.create(name="Bravo secret")
    document = Document.objects.create(title="Secret memo", text="Classified words here.")
    project.documents.add(document)
    spy = make_user("bravo-spy")
    Membership.objects.create(project=project, user=spy, role=Role.MANAGER)
    return SimpleNamespace(project=project, **vars(layers_of(project, document, spy, "BRAVO")))


@pytest.fixture
def manager(client, people):
    client.force_login(people["manager"])
    return client


def url(model: str, view: str, *args) -> str:
    return reverse(f"admin:annotator_{model}_{view}", args=args)


def type_form(project_id, name="MEETS", sources=(), targets=(), directed=True) -> dict:
    data = {"name": name, "source_labels": sources, "target_labels": targets}
    if project_id is not None:  # a change page shows the project, read-only
        data["project"] = project_id
    return data | ({"directed": "on"} if directed else {})


@pytest.mark.parametrize("model", [*READ_ONLY, "relationtype"])
def test_a_manager_sees_only_their_projects_rows(manager, arms, bravo, model):
    page = manager.get(url(model, "changelist"))
    assert page.status_code == 200
    shown = page.content.decode()
    assert "ARMS" in shown or model in {"suggestiondecision", "nermodel"}
    assert "BRAVO" not in shown and "Bravo secret" not in shown
    # Another project's row, asked by id, is not there (the admin sends to its index).
    row = {
        "category": bravo.category,
        "relation": bravo.relation,
        "relationtype": bravo.type,
        "suggestion": bravo.suggestion,
        "suggestiondecision": None,
        "ruleset": bravo.rules,
        "nermodel": bravo.model,
    }[model]
    if row is not None:
        assert manager.get(url(model, "change", row.pk)).status_code == 302


@pytest.mark.parametrize("model", READ_ONLY)
@pytest.mark.parametrize("who", ["manager", "root"])
def test_layers_suggestions_and_models_are_read_only(client, people, arms, model, who):
    client.force_login(people[who])
    assert client.get(url(model, "add")).status_code == 403
    row = {
        "category": arms.category,
        "relation": arms.relation,
        "suggestion": arms.suggestion,
        "ruleset": arms.rules,
        "nermodel": arms.model,
    }.get(model)
    if row is not None:
        assert client.get(url(model, "change", row.pk)).status_code == 200
        assert client.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
        assert type(row).objects.filter(pk=row.pk).exists()


def test_a_model_page_never_shows_the_pipelines_bytes(manager, arms):
    page = manager.get(url("nermodel", "change", arms.model.pk))
    assert page.status_code == 200 and 'name="data"' not in page.content.decode()


def test_a_staff_member_reads_the_layers_of_the_projects_they_review_only(
    client, people, project, arms, make_user
):
    """A staff user who reviews Charlie and only annotates Arms reads Charlie's relations,
    not the Arms layers of others (annotators read only their own)."""
    charlie = Project.objects.create(name="Charlie reviewed")
    document = Document.objects.create(title="Charlie doc", text="Some text of Charlie.")
    charlie.documents.add(document)
    carol = make_user("carol", is_staff=True)
    Membership.objects.create(project=charlie, user=carol, role=Role.REVIEWER)
    Membership.objects.create(project=project, user=carol, role=Role.ANNOTATOR)
    seen = layers_of(charlie, document, people["alice"], "CHARLIE")
    client.force_login(carol)
    for model in ["relation", "category", "relationtype"]:
        page = client.get(url(model, "changelist")).content.decode()
        assert "CHARLIE" in page and "ARMS" not in page, model
    assert client.get(url("relation", "change", arms.relation.pk)).status_code == 302
    assert client.get(url("relation", "change", seen.relation.pk)).status_code == 200
    # She reviews Charlie, so she reads its types but changes none.
    assert client.post(url("relationtype", "add"), type_form(charlie.pk)).status_code == 403


def test_the_type_form_offers_only_managed_projects_and_their_span_labels(
    manager, project, arms, bravo
):
    form = manager.get(url("relationtype", "add")).context["adminform"].form
    assert list(form.fields["project"].queryset) == [project]
    offered = {label.name for label in form.fields["source_labels"].queryset}
    assert "ARMSPERSON" in offered and "WEAPONS" in offered
    assert not any(name.startswith("BRAVO") for name in offered)
    assert "ARMSTOPIC" not in offered  # a document label joins no spans


def test_forged_types_reaching_into_another_project_are_refused(
    manager, people, project, arms, bravo
):
    before = RelationType.objects.count()
    # Into a project the manager is not in.
    response = manager.post(url("relationtype", "add"), type_form(bravo.project.pk))
    assert response.status_code == 200
    assert "project" in response.context["adminform"].form.errors
    # Their own project, with another project's label.
    response = manager.post(
        url("relationtype", "add"), type_form(project.pk, sources=[bravo.person.pk])
    )
    assert response.status_code == 200
    assert "source_labels" in response.context["adminform"].form.errors
    # A label of a second project they manage is still not one of this project's.
    other = Project.objects.create(name="Arms two")
    Membership.objects.create(project=other, user=people["manager"], role=Role.MANAGER)
    theirs = Label.objects.create(project=other, name="OTHERLABEL")
    response = manager.post(url("relationtype", "add"), type_form(project.pk, targets=[theirs.pk]))
    errors = response.context["adminform"].form.errors
    assert errors["target_labels"] == ["OTHERLABEL: not labels of “Arms”."]
    # A change cannot move a type, nor give it a foreign label.
    change = url("relationtype", "change", arms.type.pk)
    response = manager.post(
        change,
        type_form(bravo.project.pk, "ARMSSUPPLIES", [bravo.person.pk], [arms.weapons.pk]),
    )
    assert response.status_code == 200
    arms.type.refresh_from_db()
    assert arms.type.project == project
    assert list(arms.type.source_labels.all()) == [arms.person]
    # Nor may it change another project's type at all.
    foreign = url("relationtype", "change", bravo.type.pk)
    assert manager.post(foreign, type_form(bravo.project.pk, "X")).status_code == 302
    assert RelationType.objects.count() == before
    bravo.type.refresh_from_db()
    assert bravo.type.name == "BRAVOSUPPLIES"


def test_a_manager_adds_and_changes_a_type_through_the_services(manager, project, arms):
    response = manager.post(
        url("relationtype", "add"),
        type_form(project.pk, "MEETS", [arms.person.pk], [arms.person.pk], directed=False),
    )
    assert response.status_code == 302
    meets = RelationType.objects.get(name="MEETS")
    assert not meets.directed and list(meets.target_labels.all()) == [arms.person]
    # The services' rules, in their words: a name taken whatever its case.
    again = manager.post(url("relationtype", "add"), type_form(project.pk, "meets"))
    assert again.context["adminform"].form.errors["name"] == [
        "The project already has a relation type MEETS."
    ]


def test_a_change_that_would_leave_relations_out_is_refused_naming_how_many(manager, arms):
    change = url("relationtype", "change", arms.type.pk)
    response = manager.post(
        change, type_form(None, "ARMSSUPPLIES", [arms.weapons.pk], [arms.weapons.pk])
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "1 relation of ARMSSUPPLIES would no longer fit these labels: delete them first, "
        "or keep their labels."
    ]
    assert list(arms.type.source_labels.all()) == [arms.person]
    # Adding a label, or taking any, leaves the relation fitting.
    widened = type_form(None, "ARMSSUPPLIES", [arms.person.pk, arms.weapons.pk], [])
    assert manager.post(change, widened).status_code == 302
    assert set(arms.type.source_labels.all()) == {arms.person, arms.weapons}
    assert not arms.type.target_labels.exists()


def test_a_type_in_use_is_not_deleted_and_says_why(manager, arms):
    response = manager.post(url("relationtype", "delete", arms.type.pk), {"post": "yes"})
    assert response.status_code == 302
    assert RelationType.objects.filter(pk=arms.type.pk).exists()
    page = manager.get(response["Location"]).content.decode()
    assert "1 relation use the type ARMSSUPPLIES: delete them first." in page
