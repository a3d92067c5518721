"""A bounded schemathesis run against /api/schema/: no request gets a 5xx.

Every operation of the schema gets valid and invalid generated requests, sent by a
manager (who may call everything) with the ids of real rows in the path, so the bodies
and parameters reach the views instead of stopping at a 404.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from config.wsgi import application

EXAMPLES = 20


@pytest.fixture
def wsgi(settings):
    """The real WSGI application inside the test's transaction.

    Django closes connections it thinks are stale at the end of each request; inside a
    test's transaction that would drop the transaction (the test client does the same).
    """
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def real_ids(world, path: str) -> dict[str, object]:
    """Path parameters that name existing rows for this operation's path."""
    ids: dict[str, object] = {"username": "bob"}
    ids["project_pk"] = ids["project_id"] = world.project.pk
    ids["document_pk"] = world.document.pk
    if path.startswith("/api/spans/"):
        ids["id"] = world.spans["alice"].pk
    elif "/labels/" in path:
        ids["id"] = world.spare.pk
    elif "/documents/" in path:
        ids["id"] = world.document.pk
    else:
        ids["id"] = world.project.pk
    return ids


def test_no_generated_request_gets_a_server_error(world, wsgi):
    token = Token.objects.create(user=world.people["manager"])
    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation, mode, real_ids(world, operation.path), headers)


def fuzz(operation, mode: GenerationMode, ids: dict[str, object], headers: dict) -> None:
    """Send EXAMPLES generated requests to one operation; fail on any 5xx."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        if case.path_parameters:
            case.path_parameters = {
                name: ids.get(name, value) for name, value in case.path_parameters.items()
            }
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    run()
