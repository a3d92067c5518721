"""A project with something in every layer, and API clients for every role."""

from types import SimpleNamespace

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotator.models import Label, Membership, Project, Role
from annotator.services import span_create
from corpus.models import Document
from tests.conftest import TRICKY_TEXT

# Everyone the role × endpoint table asks: "alice" is the annotator whose work is the
# target, "bob" another annotator of the same project, "outsider" a member elsewhere only.
ROLES = ["anonymous", "outsider", "alice", "bob", "reviewer", "manager", "root"]
SECOND_TEXT = "Kim met Putin at the Vostochny cosmodrome."


@pytest.fixture
def world(project, document, people, weapons):
    """The ``project`` with alice's, bob's and a gold span on ``document``, a second
    document, an unused label, and a project elsewhere that only the outsider is in."""
    second = Document.objects.create(title="Second", text=SECOND_TEXT, external_id="second")
    project.documents.add(second)
    start = TRICKY_TEXT.index("artillery")

    def add(user, end, **extra):
        return span_create(
            project=project,
            document=document,
            annotator=people[user],
            label=weapons,
            start=start,
            end=end,
            **extra,
        )

    spans = {
        "alice": add("alice", start + 16),
        "bob": add("bob", start + 9),
        "gold": add("reviewer", start + 16, gold=True),
    }
    spare = Label.objects.create(project=project, name="SPARE", order=9)
    elsewhere = Project.objects.create(name="Elsewhere")
    Membership.objects.create(project=elsewhere, user=people["outsider"], role=Role.MANAGER)
    secret = Document.objects.create(title="Secret", text="Secret words.", external_id="secret")
    elsewhere.documents.add(secret)
    secret_label = Label.objects.create(project=elsewhere, name="SECRET")
    span_create(
        project=elsewhere,
        document=secret,
        annotator=people["outsider"],
        label=secret_label,
        start=0,
        end=6,
    )
    return SimpleNamespace(
        project=project,
        document=document,
        second=second,
        spans=spans,
        spare=spare,
        weapons=weapons,
        people=people,
        elsewhere=elsewhere,
    )


@pytest.fixture
def client_for(people):
    """``client_for("alice")``: an API client authenticated by alice's token."""

    def make(role: str) -> APIClient:
        client = APIClient()
        if role != "anonymous":
            token, _ = Token.objects.get_or_create(user=people[role])
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make
