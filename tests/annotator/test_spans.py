import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from annotator.models import (
    Comment,
    DocumentStatus,
    Label,
    Rejection,
    Span,
    Status,
    span_errors,
)
from annotator.relations import Relation
from annotator.services import BatchErrors, span_create, span_delete, span_update, spans_create
from tests.conftest import TRICKY_TEXT


def create(project, document, user, label, start, end, **extra):
    return span_create(
        project=project,
        document=document,
        annotator=user,
        label=label,
        start=start,
        end=end,
        **extra,
    )


def test_offsets_are_code_points_after_emoji_and_combining_marks(
    project, document, weapons, people
):
    start = TRICKY_TEXT.index("artillery")
    span = create(project, document, people["alice"], weapons, start, start + 16)
    assert span.text == "artillery shells"
    assert document.text[span.start : span.end] == "artillery shells"


def test_a_span_may_hold_emoji_and_a_no_break_space(project, document, weapons, people):
    start = TRICKY_TEXT.index("北")
    end = TRICKY_TEXT.index("💣") + 1
    span = create(project, document, people["alice"], weapons, start, end)
    assert span.text == "北朝鮮\u00a0💣"


@pytest.mark.parametrize(
    ("start", "end"), [(0, 2), (len(TRICKY_TEXT) - 1, len(TRICKY_TEXT)), (0, len(TRICKY_TEXT))]
)
def test_boundaries_zero_and_text_length_are_accepted(
    project, document, weapons, people, start, end
):
    assert create(project, document, people["alice"], weapons, start, end).end == end


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (-1, 3, "start", "0 or more"),
        (0, len(TRICKY_TEXT) + 1, "end", "past the end"),
        (5, 5, "end", "greater than start"),
        (6, 5, "end", "greater than start"),
        ("0", 5, "start", "whole number"),
        (0, 2.5, "end", "whole number"),
        (True, 5, "start", "whole number"),
        (2, 3, "end", "only whitespace"),
    ],
)
def test_bad_offsets_are_refused_by_field(
    project, document, weapons, people, start, end, field, message
):
    with pytest.raises(ValidationError) as caught:
        create(project, document, people["alice"], weapons, start, end)
    assert message in " ".join(caught.value.message_dict[field])
    assert not Span.objects.exists()


def test_a_label_of_another_project_is_refused(project, document, people, db):
    from annotator.models import Project

    other = Label.objects.create(project=Project.objects.create(name="Other"), name="WEAPONS")
    with pytest.raises(ValidationError) as caught:
        create(project, document, people["alice"], other, 0, 2)
    assert "label" in caught.value.message_dict


def test_overlap_in_one_layer_is_refused_when_the_project_forbids_it(
    project, document, weapons, people
):
    create(project, document, people["alice"], weapons, 10, 20)
    # The refusal quotes the span it runs into, not only its offsets.
    with pytest.raises(ValidationError) as caught:
        create(project, document, people["alice"], weapons, 15, 25)
    words = " ".join(document.text[10:20].split())
    assert caught.value.messages == [
        f"Overlaps the span “{words}” [10, 20) in this layer; "
        "this project does not allow overlapping spans."
    ]
    assert Span.objects.count() == 1


def test_touching_spans_do_not_overlap(project, document, weapons, people):
    create(project, document, people["alice"], weapons, 10, 20)
    create(project, document, people["alice"], weapons, 20, 25)
    assert Span.objects.count() == 2


def test_other_layers_may_overlap_mine(project, document, weapons, people):
    create(project, document, people["alice"], weapons, 10, 20)
    create(project, document, people["bob"], weapons, 10, 20)
    create(project, document, people["reviewer"], weapons, 10, 20, gold=True)
    assert Span.objects.count() == 3


def test_overlap_and_nesting_are_allowed_when_the_project_allows_it(
    project, document, weapons, people
):
    project.allow_overlap = True
    project.save()
    create(project, document, people["alice"], weapons, 10, 20)
    create(project, document, people["alice"], weapons, 12, 18)
    create(project, document, people["alice"], weapons, 15, 25)
    assert Span.objects.count() == 3


def test_an_exact_duplicate_is_refused_even_when_overlap_is_allowed(
    project, document, weapons, people
):
    project.allow_overlap = True
    project.save()
    create(project, document, people["alice"], weapons, 10, 20)
    with pytest.raises(ValidationError, match="exact span is already"):
        create(project, document, people["alice"], weapons, 10, 20)


def test_the_database_refuses_empty_negative_and_duplicate_spans(
    project, document, weapons, people
):
    base = dict(project=project, document=document, label=weapons, annotator=people["alice"])
    for start, end in [(5, 5), (6, 5)]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Span.objects.create(start=start, end=end, **base)
    Span.objects.create(start=1, end=4, **base)
    with pytest.raises(IntegrityError), transaction.atomic():
        Span.objects.create(start=1, end=4, **base)
    Span.objects.create(start=1, end=4, gold=True, **base)
    with pytest.raises(IntegrityError), transaction.atomic():
        Span.objects.create(start=1, end=4, gold=True, **{**base, "annotator": people["reviewer"]})


def test_creating_a_span_puts_the_document_in_progress(project, document, weapons, people):
    create(project, document, people["alice"], weapons, 0, 2)
    status = DocumentStatus.objects.get(document=document, user=people["alice"])
    assert status.status == Status.IN_PROGRESS


def test_update_checks_the_rest_of_the_layer_and_not_the_span_itself(
    project, document, weapons, people
):
    person = project.labels.get(name="PERSON")
    first = create(project, document, people["alice"], weapons, 10, 20)
    create(project, document, people["alice"], weapons, 30, 40)
    span_update(span=first, label=person, start=11, end=19)
    first.refresh_from_db()
    assert (first.start, first.end, first.label) == (11, 19, person)
    with pytest.raises(ValidationError, match="Overlaps"):
        span_update(span=first, end=35)
    first.refresh_from_db()
    assert first.end == 19


def test_delete_removes_only_that_span(project, document, weapons, people):
    first = create(project, document, people["alice"], weapons, 10, 20)
    create(project, document, people["alice"], weapons, 30, 40)
    span_delete(span=first)
    assert list(Span.objects.values_list("start", flat=True)) == [30]


def test_delete_takes_the_rejection_and_keeps_the_comments(project, document, weapons, people):
    span = create(project, document, people["alice"], weapons, 10, 20)
    Rejection.objects.create(span=span, reviewer=people["reviewer"], reason="Too long.")
    comment = Comment.objects.create(
        project=project, document=document, span=span, author=people["reviewer"], body="Why?"
    )
    span_delete(span=span)
    assert not Span.objects.exists() and not Rejection.objects.exists()
    comment.refresh_from_db()
    assert comment.span_id is None and comment.body == "Why?"


def test_span_delete_knows_every_relation_to_a_span():
    """``sql.delete_span`` deletes in SQL what the collector would; a new model that
    points to spans must be added there, or this fails before the delete would."""
    relations = {
        (relation.related_model, relation.on_delete) for relation in Span._meta.related_objects
    }
    assert relations == {
        (Rejection, models.CASCADE),
        (Comment, models.SET_NULL),
        (Relation, models.CASCADE),  # from and to the span
    }


def test_a_list_of_spans_is_stored_entirely_or_not_at_all(project, document, weapons, people):
    items = [
        {"start": 0, "end": 2, "label": weapons},
        {"start": 10, "end": 20, "label": weapons},
        {"start": 15, "end": 25, "label": weapons},  # overlaps the item before it
    ]
    with pytest.raises(BatchErrors) as caught:
        spans_create(project=project, document=document, annotator=people["alice"], items=items)
    assert list(caught.value.errors) == ["2"]
    assert "Overlaps" in caught.value.errors["2"]["non_field_errors"][0]
    assert not Span.objects.exists()
    spans_create(project=project, document=document, annotator=people["alice"], items=items[:2])
    assert Span.objects.count() == 2


def test_span_errors_is_empty_for_a_good_span(project, weapons):
    assert span_errors(text="abc", project=project, start=0, end=3, label=weapons, layer=[]) == {}
