"""A re-import and an analyst's tags at the same moment, on PostgreSQL's row locks.

The import puts spans into the analyst's layer of a document that is already stored while
she tags it. It takes the lock a tag takes (her status row for the document) before it
reads the layer, so one of the two overlapping writes is checked against the other and
refused; and the status row both may make is made once (no IntegrityError, no 500).
"""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from annotator.models import DocumentStatus, Span
from corpus.models import Document

ROUNDS = 12
TEXT = "Kim Jong Un offered artillery shells to Vladimir Putin at Vostochny, said KCNA."


def at_once(requests: list[tuple]) -> tuple[dict[int, int], list[BaseException]]:
    """POST each (user, url, body) from its own thread, all released together; the status
    codes by request index, and whatever was raised (a 500 is raised by the test client)."""
    barrier = threading.Barrier(len(requests))
    answers: dict[int, int] = {}
    errors: list[BaseException] = []

    def send(index: int, user, url: str, body: dict) -> None:
        try:
            client = APIClient()
            client.force_authenticate(user)
            barrier.wait()
            answers[index] = client.post(url, body, format="json").status_code
        except BaseException as error:  # reported by the caller's assertion
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(index, *request))
        for index, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers, errors


def at(words: str) -> dict[str, int]:
    start = TEXT.index(words)
    return {"start": start, "end": start + len(words)}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_a_reimport_and_tags_at_once_store_no_overlap_and_no_500(project, people):
    manager, alice = people["manager"], people["alice"]
    imported = {**at("artillery shells"), "label": "WEAPONS", "annotator": "alice"}
    overlapping = {**at("shells to Vladimir"), "label": "WEAPONS"}  # with the import's span
    elsewhere = {**at("Vostochny"), "label": "LOCATION"}
    for number in range(ROUNDS):
        document = Document.objects.create(text=TEXT, external_id=f"wire-{number}")
        project.documents.add(document)
        upload = {"text": TEXT, "external_id": f"wire-{number}", "spans": [imported]}
        documents = reverse("api:document-list", kwargs={"project_pk": project.pk})
        spans = reverse(
            "api:spans-list", kwargs={"project_pk": project.pk, "document_pk": document.pk}
        )
        answers, errors = at_once(
            [(manager, documents, upload), (alice, spans, overlapping), (alice, spans, elsewhere)]
        )

        assert errors == [], f"round {number}"
        # One of the two overlapping writes is stored, the other refused; the third always.
        assert sorted([answers[0], answers[1]]) == [201, 400], f"round {number}: {answers}"
        assert answers[2] == 201, f"round {number}: {answers}"
        layer = sorted(
            Span.objects.filter(document=document, annotator=alice).values_list("start", "end")
        )
        assert len(layer) == 2, f"round {number}: {layer}"
        assert layer[0][1] <= layer[1][0], f"round {number}: overlapping spans {layer}"
        assert DocumentStatus.objects.filter(document=document, user=alice).count() == 1
