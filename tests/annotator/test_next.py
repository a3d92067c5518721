import pytest

from annotator.models import DocumentStatus
from annotator.services import document_complete, document_next
from corpus.models import Document


@pytest.fixture
def three_documents(project):
    documents = [Document.objects.create(text=f"Document {n}") for n in range(3)]
    project.documents.add(*documents)
    return documents


def test_asking_again_returns_the_same_document_until_it_is_complete(
    project, people, three_documents
):
    first = document_next(project=project, user=people["alice"])
    assert document_next(project=project, user=people["alice"]) == first
    document_complete(project=project, document=first, user=people["alice"])
    assert document_next(project=project, user=people["alice"]) != first


def test_one_annotator_per_document_spreads_people_over_documents(project, people, three_documents):
    got = {document_next(project=project, user=people[name]) for name in ["alice", "bob"]}
    assert len(got) == 2


def test_two_annotators_per_document_prefers_documents_others_started(
    project, people, three_documents
):
    project.annotators_per_document = 2
    project.save()
    first = document_next(project=project, user=people["alice"])
    assert document_next(project=project, user=people["bob"]) == first
    # Two places taken: a third person gets another document.
    assert document_next(project=project, user=people["reviewer"]) != first


def test_none_when_every_document_is_done_or_full(project, people, three_documents):
    for _ in three_documents:
        document = document_next(project=project, user=people["alice"])
        document_complete(project=project, document=document, user=people["alice"])
    assert document_next(project=project, user=people["alice"]) is None
    assert document_next(project=project, user=people["bob"]) is None
    assert DocumentStatus.objects.filter(user=people["bob"]).count() == 0
