"""A project with document labels beside its span labels, and API clients for every role."""

import pytest

from annotator.models import Label, LabelKind
from tests.api.conftest import client_for, world  # noqa: F401 — fixtures shared with the API's


@pytest.fixture
def kinds(project):
    """Two document labels of the ``project``: TRANSFER (key 7) and SUMMIT (key 8)."""
    return {
        name: Label.objects.create(
            project=project, name=name, kind=LabelKind.DOCUMENT, shortcut=key, order=20 + n
        )
        for n, (name, key) in enumerate([("TRANSFER", "7"), ("SUMMIT", "8")])
    }
