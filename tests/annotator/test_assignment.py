import threading

import pytest
from django.db import connection
from django.urls import reverse

from annotator.models import DocumentStatus, Membership, Role
from annotator.services import document_complete, document_next, documents_assign
from corpus.models import Document


@pytest.fixture
def documents(project):
    created = [Document.objects.create(text=f"Document {n}") for n in range(4)]
    project.documents.add(*created)
    return created


@pytest.mark.parametrize("per_document", [1, 2, 3])
def test_no_document_gets_more_analysts_than_it_needs(project, people, documents, per_document):
    project.annotators_per_document = per_document
    project.save()
    for _ in documents:
        for name in ["alice", "bob", "reviewer", "manager"]:
            document = document_next(project=project, user=people[name])
            if document is not None:
                document_complete(project=project, document=document, user=people[name])
    for document in documents:
        # Two annotators, alice and bob: they fill every place there is.
        places = DocumentStatus.objects.places().filter(document=document).count()
        assert places == min(per_document, 2)
        # Reviewers and managers annotated too, beside the annotators, without a place.
        assert DocumentStatus.objects.filter(document=document, user=people["manager"]).exists()


def test_more_analysts_than_documents_leaves_the_extra_ones_without_work(project, people):
    project.annotators_per_document = 1
    project.save()
    only = Document.objects.create(text="The only document")
    project.documents.add(only)
    assert document_next(project=project, user=people["alice"]) == only
    assert document_next(project=project, user=people["bob"]) is None


def test_assigned_documents_come_first(project, people, documents):
    documents_assign(project=project, documents=[documents[3]], user=people["alice"])
    assert document_next(project=project, user=people["alice"]) == documents[3]


def test_a_manager_assigns_ticked_documents_in_the_ui(client, people, project, documents):
    client.force_login(people["manager"])
    response = client.post(
        reverse("assign", args=[project.pk]),
        {"user": "bob", "document": [documents[0].pk, documents[2].pk]},
    )
    assert response.status_code == 302
    assert set(
        DocumentStatus.objects.filter(user=people["bob"]).values_list("document_id", flat=True)
    ) == {documents[0].pk, documents[2].pk}


@pytest.mark.parametrize(
    ("values", "message"),
    [({"user": "outsider", "document": ["1"]}, "Choose a member"), ({"user": "bob"}, "Tick")],
)
def test_assignment_refuses_unknown_members_and_empty_choices(
    client, people, project, documents, values, message
):
    client.force_login(people["manager"])
    response = client.post(reverse("assign", args=[project.pk]), values, follow=True)
    assert message in response.content.decode()
    assert not DocumentStatus.objects.exists()


def test_only_managers_assign(client, people, project, documents):
    client.force_login(people["reviewer"])
    response = client.post(
        reverse("assign", args=[project.pk]), {"user": "bob", "document": [documents[0].pk]}
    )
    assert response.status_code == 403 and not DocumentStatus.objects.exists()


# On PostgreSQL this exercises the row locks; on SQLite, the immediate transactions.
@pytest.mark.django_db(transaction=True)
def test_concurrent_next_requests_never_over_assign(project, make_user, documents):
    project.annotators_per_document = 2
    project.save()
    analysts = [make_user(f"analyst{n}") for n in range(12)]
    Membership.objects.bulk_create(
        Membership(project=project, user=user, role=Role.ANNOTATOR) for user in analysts
    )
    barrier = threading.Barrier(len(analysts))
    errors: list[BaseException] = []

    def ask(user):
        try:
            barrier.wait()
            document_next(project=project, user=user)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(user,)) for user in analysts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    counts = [DocumentStatus.objects.filter(document=d).count() for d in documents]
    assert counts == [2, 2, 2, 2]  # 12 analysts, 4 documents × 2 places: 8 got one
    assert DocumentStatus.objects.count() == 8


def test_assignment_never_redirects_off_site(client, people, project, documents):
    client.force_login(people["manager"])
    response = client.post(
        reverse("assign", args=[project.pk]),
        {"user": "bob", "document": [documents[0].pk], "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("project", args=[project.pk])
