import pytest
from django.core.exceptions import ValidationError

from annotator.models import DocumentStatus, Membership, Role, Span
from annotator.services import (
    BatchErrors,
    document_complete,
    document_next,
    document_reopen,
    documents_assign,
    documents_import,
    span_create,
)
from corpus.models import Document


@pytest.fixture
def three_documents(project):
    project.annotators_per_document = 1
    project.save()
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
    project, people, three_documents, make_user
):
    project.annotators_per_document = 2
    project.save()
    carol = make_user("carol")
    Membership.objects.create(project=project, user=carol, role=Role.ANNOTATOR)
    first = document_next(project=project, user=people["alice"])
    assert document_next(project=project, user=people["bob"]) == first
    # Two places taken: a third annotator gets another document.
    assert document_next(project=project, user=carol) != first


def test_none_when_every_document_is_done_or_full(project, people, three_documents):
    for _ in three_documents:
        document = document_next(project=project, user=people["alice"])
        document_complete(project=project, document=document, user=people["alice"])
    assert document_next(project=project, user=people["alice"]) is None
    assert document_next(project=project, user=people["bob"]) is None
    assert DocumentStatus.objects.filter(user=people["bob"]).count() == 0


# Places on a document (DESIGN.md): only annotators take them, at every way of claiming one.


@pytest.mark.parametrize("role", ["reviewer", "manager", "root"])
def test_reviewers_and_managers_continuing_take_no_annotator_place(
    project, people, three_documents, role
):
    """A reviewer pressing Continue left analysts with "Nothing left"."""
    project.documents.set(three_documents[:1])
    got = document_next(project=project, user=people[role])
    assert got == three_documents[0]
    span_create(
        project=project,
        document=got,
        annotator=people[role],
        label=project.labels.first(),
        start=0,
        end=8,
    )
    document_complete(project=project, document=got, user=people[role])
    assert document_next(project=project, user=people["alice"]) == three_documents[0]


def test_a_first_tag_on_a_full_document_is_refused_and_stores_nothing(
    project, people, three_documents
):
    document = document_next(project=project, user=people["alice"])
    with pytest.raises(ValidationError, match="already has its annotator"):
        span_create(
            project=project,
            document=document,
            annotator=people["bob"],
            label=project.labels.first(),
            start=0,
            end=8,
        )
    assert not Span.objects.filter(annotator=people["bob"]).exists()
    assert not DocumentStatus.objects.filter(user=people["bob"]).exists()


@pytest.mark.parametrize("change", [document_complete, document_reopen])
def test_completing_or_reopening_a_full_document_claims_no_place(
    project, people, three_documents, change
):
    document = document_next(project=project, user=people["alice"])
    with pytest.raises(ValidationError, match="already has its annotator"):
        change(project=project, document=document, user=people["bob"])
    assert DocumentStatus.objects.places().filter(document=document).count() == 1


def test_a_reviewer_tags_and_completes_a_full_document_beside_its_annotator(
    project, people, three_documents
):
    document = document_next(project=project, user=people["alice"])
    span_create(
        project=project,
        document=document,
        annotator=people["reviewer"],
        label=project.labels.first(),
        start=0,
        end=8,
    )
    document_complete(project=project, document=document, user=people["reviewer"])
    assert DocumentStatus.objects.places().filter(document=document).count() == 1


def test_assigning_a_full_document_to_an_annotator_is_refused(project, people, three_documents):
    first = document_next(project=project, user=people["alice"])
    assigned, full = documents_assign(
        project=project, documents=three_documents, user=people["bob"]
    )
    assert full == [first]
    assert assigned == [d for d in three_documents if d != first]
    # A reviewer may be given any document: it takes no place.
    assigned, full = documents_assign(
        project=project, documents=three_documents, user=people["reviewer"]
    )
    assert (len(assigned), full) == (3, [])


def test_an_import_into_annotators_layers_claims_places_as_tags_would(project, people):
    """A manager importing two analysts' work into a one-annotator project is refused,
    naming the rule; their own layer and a reviewer's claim nothing."""
    project.annotators_per_document = 1
    project.save()
    label = project.labels.first().name

    def upload(*layers: str | None):
        spans = [
            {"start": 4 * n, "end": 4 * n + 3, "label": label}
            | ({"annotator": name} if name else {})
            for n, name in enumerate(layers)
        ]
        item = {"text": "Kim sent big shells", "external_id": "e1", "spans": spans}
        return documents_import(project=project, uploader=people["manager"], items=[item])

    with pytest.raises(BatchErrors) as refused:
        upload("alice", "bob")
    assert "would have 2 annotators" in refused.value.errors["0"]["spans"][0]
    assert not Document.objects.exists()
    [document] = upload("alice", "reviewer", None)  # None: the manager's own layer
    assert DocumentStatus.objects.places().filter(document=document).count() == 1
    # Imported again (the same document, reused), bob's work would take a second place.
    with pytest.raises(BatchErrors):
        upload("bob")
    assert upload(None, "alice") == [document]  # alice holds the place already
