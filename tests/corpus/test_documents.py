import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from annotator.models import Span
from corpus.models import Document, text_hash


def test_text_is_stored_exactly(db):
    text = "  Leading spaces,\r\nCRLF, NBSP\u00a0and e\u0301 stay as they are.  "
    document = Document.objects.create(text=text)
    document.refresh_from_db()
    assert document.text == text
    assert document.content_hash == text_hash(text)


def test_empty_text_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError):
        Document.objects.create(text="")


def test_blank_external_id_is_stored_as_none_so_many_documents_can_lack_one(db):
    Document.objects.create(text="one", external_id="")
    Document.objects.create(text="two", external_id="")
    assert Document.objects.filter(external_id=None).count() == 2


def test_text_can_change_while_no_span_points_into_it(document):
    document.text = "Another text"
    document.save()
    document.refresh_from_db()
    assert document.text == "Another text"
    assert document.content_hash == text_hash("Another text")


def test_text_cannot_change_once_a_span_points_into_it(document, project, weapons, people):
    Span.objects.create(
        project=project,
        document=document,
        label=weapons,
        annotator=people["alice"],
        start=0,
        end=2,
    )
    document = Document.objects.get(pk=document.pk)
    original = document.text
    document.text = "X" + original
    with pytest.raises(ValidationError, match="cannot change"):
        document.save()
    with pytest.raises(ValidationError):
        document.full_clean()
    assert Document.objects.get(pk=document.pk).text == original


def test_other_fields_can_change_when_text_is_locked(document, project, weapons, people):
    Span.objects.create(
        project=project,
        document=document,
        label=weapons,
        annotator=people["alice"],
        start=0,
        end=2,
    )
    document = Document.objects.get(pk=document.pk)
    document.title = "Renamed"
    document.save()
    assert Document.objects.get(pk=document.pk).title == "Renamed"
