from pathlib import Path

import pytest
from django.core.management import call_command

from annotator.models import Label, Membership, Project, Role
from corpus.models import Document

# The two seed articles as they were given, kept beside the fixture that loads them.
SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"

# Emoji with a skin-tone modifier (two code points, four UTF-16 units), a combining mark,
# CJK and a no-break space before the words that get tagged.
TRICKY_TEXT = "Hi 👋🏽 — café\u0301 北朝鮮\u00a0💣 artillery shells arrived."


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher costs ~100 ms a user on this machine; strength is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(django_user_model):
    def make(username: str, **extra):
        return django_user_model.objects.create_user(
            username=username, password=f"pw-{username}-123", **extra
        )

    return make


@pytest.fixture
def project(db) -> Project:
    # Two places a document: alice and bob, the two annotators, share the documents.
    project = Project.objects.create(
        name="Arms", guidelines="Tag **weapons**.", annotators_per_document=2
    )
    for order, (name, color) in enumerate(
        [("WEAPONS", "#b42318"), ("PERSON", "#a21caf"), ("LOCATION", "#854d0e")], start=1
    ):
        Label.objects.create(
            project=project, name=name, color=color, shortcut=str(order), order=order
        )
    return project


@pytest.fixture
def document(project) -> Document:
    document = Document.objects.create(title="Tricky", text=TRICKY_TEXT, external_id="tricky")
    project.documents.add(document)
    return document


@pytest.fixture
def weapons(project) -> Label:
    return project.labels.get(name="WEAPONS")


@pytest.fixture
def people(project, make_user):
    """One user per role, plus one who is not a member and a superuser."""
    users = {
        "manager": make_user("manager"),
        "reviewer": make_user("reviewer"),
        "alice": make_user("alice"),
        "bob": make_user("bob"),
        "outsider": make_user("outsider"),
        "root": make_user("root", is_superuser=True, is_staff=True),
    }
    for name, role in [
        ("manager", Role.MANAGER),
        ("reviewer", Role.REVIEWER),
        ("alice", Role.ANNOTATOR),
        ("bob", Role.ANNOTATOR),
    ]:
        Membership.objects.create(project=project, user=users[name], role=role)
    users["manager"].is_staff = True
    users["manager"].save()
    return users


@pytest.fixture
def demo(db) -> Project:
    call_command("demo", verbosity=0)
    return Project.objects.get(name="Kim–Putin arms talks")
