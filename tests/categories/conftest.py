"""A project with document labels beside its span labels, and API clients for every role."""

import pytest

from annotator.models import Label, LabelKind
from tests.annotator.conftest import annotated  # noqa: F401 — shared fixtures
from tests.api.conftest import client_for, world  # noqa: F401


@pytest.fixture
def kinds(project):
    """Two document labels of the ``project``: TRANSFER (key 7) and SUMMIT (key 8)."""
    return {
        name: Label.objects.create(
            project=project, name=name, kind=LabelKind.DOCUMENT, shortcut=key, order=20 + n
        )
        for n, (name, key) in enumerate([("TRANSFER", "7"), ("SUMMIT", "8")])
    }


@pytest.fixture
def categorized(annotated, kinds):  # noqa: F811 — the imported fixture
    """``annotated`` (tests/annotator/conftest.py) with document labels: alice gives the
    tricky document TRANSFER, bob TRANSFER and SUMMIT (both completed it); gold gives the
    plain one SUMMIT; alice gives the draft (in progress) SUMMIT."""
    from annotator.services import category_add

    project = annotated["project"]

    def give(document, user, name, gold=False):
        category_add(
            project=project, document=document, annotator=user, label=kinds[name], gold=gold
        )

    give(annotated["tricky"], annotated["alice"], "TRANSFER")
    give(annotated["tricky"], annotated["bob"], "TRANSFER")
    give(annotated["tricky"], annotated["bob"], "SUMMIT")
    give(annotated["plain"], annotated["reviewer"], "SUMMIT", gold=True)
    give(annotated["draft"], annotated["alice"], "SUMMIT")
    return annotated
