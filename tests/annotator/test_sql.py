"""The hand-written statements of ``annotator.sql`` give what the ORM gives."""

from django.forms.models import model_to_dict

from annotator import sql
from annotator.models import Project, Role, Span, Status
from annotator.services import span_create
from corpus.models import Document


def as_dict(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def test_select_converts_values_as_the_orm_does(project, document):
    document.meta = {"source": "wire", "tags": ["a", "ü"], "n": 1}
    document.save()
    found = sql.project_document(project.pk, document.pk)
    stored = Document.objects.get(pk=document.pk)
    assert as_dict(found) == as_dict(stored)  # JSON, aware dates, text with emoji
    assert found.created_at.tzinfo is not None and found.meta["tags"] == ["a", "ü"]


def test_select_sets_extra_columns_and_finds_only_what_matches(project, document, people):
    assert sql.project_with_role(project.pk, people["alice"].pk).role == Role.ANNOTATOR
    assert sql.project_with_role(project.pk, people["outsider"].pk).role is None
    assert sql.project_with_role(0, people["alice"].pk) is None
    other = Project.objects.create(name="Other")
    assert sql.project_document(other.pk, document.pk) is None


def test_insert_stores_what_save_would(project, document, weapons, people):
    span = Span(
        project=project, document=document, label=weapons, annotator=people["alice"], start=0, end=2
    )
    sql.insert(span)
    assert span.pk is not None and not span._state.adding
    stored = Span.objects.get(pk=span.pk)
    assert model_to_dict(stored) == model_to_dict(span)
    assert stored.created_at == span.created_at and stored.origin == "manual"

    again = Span(
        pk=span.pk + 100,
        project=project,
        document=document,
        label=weapons,
        annotator=people["alice"],
        start=3,
        end=5,
    )
    sql.insert(again)
    assert Span.objects.filter(pk=span.pk + 100, start=3).exists()


def test_the_status_reads_new_until_the_first_tag(project, document, weapons, people):
    alice = people["alice"]
    assert sql.status(project.pk, document.pk, alice.pk) == Status.NEW
    span_create(project=project, document=document, annotator=alice, label=weapons, start=0, end=2)
    assert sql.status(project.pk, document.pk, alice.pk) == Status.IN_PROGRESS
    assert [row[1:3] for row in sql.layer_rows(project.pk, document.pk, alice.pk, gold=False)] == [
        (0, 2)
    ]
    assert sql.layer_rows(project.pk, document.pk, alice.pk, gold=True) == []
