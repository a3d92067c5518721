"""A project with a document in which "Kinzhal" stands three times, clients for each role."""

from types import SimpleNamespace

import pytest

from annotator.models import Label, Membership, Project, Role
from corpus.models import Document
from tests.api.conftest import client_for  # noqa: F401  (fixtures)
from tests.jobs.conftest import worker  # noqa: F401

TEXT = "Russia showed the Kinzhal to Kim. A kinzhal flies fast; the Kinzhal-class is new. Kinzhal!"


@pytest.fixture
def arms(project, document, people):
    """``project`` (overlap refused, labels WEAPONS, PERSON, LOCATION) with a second document
    holding "Kinzhal" three times as a word, and a project elsewhere."""
    text_document = Document.objects.create(title="Kinzhal", text=TEXT, external_id="kinzhal")
    project.documents.add(text_document)
    elsewhere = Project.objects.create(name="Elsewhere")
    Membership.objects.create(project=elsewhere, user=people["outsider"], role=Role.MANAGER)
    secret = Document.objects.create(title="Secret", text="Secret Kinzhal.", external_id="s")
    elsewhere.documents.add(secret)
    Label.objects.create(project=elsewhere, name="SECRET")
    return SimpleNamespace(
        project=project,
        document=text_document,
        tricky=document,
        people=people,
        labels={label.name: label for label in project.labels.all()},
        elsewhere=elsewhere,
        secret=secret,
    )


def kinzhals(text: str = TEXT) -> list[int]:
    """Where "Kinzhal" starts, whatever its case."""
    places, at = [], text.lower().find("kinzhal")
    while at >= 0:
        places.append(at)
        at = text.lower().find("kinzhal", at + 1)
    return places


from tests.annotator.conftest import annotated  # noqa: E402, F401  (a fixture)
