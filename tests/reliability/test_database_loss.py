"""When the database cannot be reached: a retryable 503, never a 500; recovery by itself.

The database is made unreachable for real: the connection is closed and pointed at a port
where nothing listens (PostgreSQL) or at a file in a folder that does not exist (SQLite),
so that the next request fails to connect exactly as during a restart of the server.
bench/load.py --fault pg-restart does the same with a real PostgreSQL restart under load.
"""

import logging
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from annotator.models import Span
from tests.conftest import TRICKY_TEXT

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def database_unreachable():
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-margin-folder/db.sqlite3"
    else:
        connection.settings_dict["PORT"] = "1"  # nothing listens there
        connection.settings_dict["OPTIONS"] = {**saved.get("OPTIONS", {}), "connect_timeout": 2}
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture
def alice(project, document, people) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(people["alice"])
    return client


def test_a_workspace_save_during_an_outage_gets_a_retryable_503(alice, project, document, weapons):
    url = reverse("span_add", args=[project.pk, document.pk])
    start = TRICKY_TEXT.index("artillery")
    form = {"start": start, "end": start + 9, "label": weapons.pk}
    with database_unreachable():
        response = alice.post(url, form, HTTP_HX_REQUEST="true")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"temporarily unavailable" in response.content and b"retry" in response.content
    # Back without restarting anything: the same request now saves the span.
    assert alice.post(url, form, HTTP_HX_REQUEST="true").status_code == 200
    assert Span.objects.filter(start=start, end=start + 9).count() == 1


def test_an_outage_is_logged_as_one_warning_per_request_not_a_traceback(
    alice, project, document, caplog
):
    page = reverse("workspace", args=[project.pk, document.pk])
    with caplog.at_level(logging.WARNING), database_unreachable():
        assert alice.get(page).status_code == 503
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", f"database unavailable: GET {page} answered 503")
    ]


def test_the_api_answers_json_during_an_outage(project, document, people):
    client = Client(raise_request_exception=False)
    client.force_login(people["alice"])
    url = f"/api/projects/{project.pk}/documents/"
    with database_unreachable():
        response = client.get(url)
    assert response.status_code == 503
    assert response.json()["retryable"] is True
    assert "temporarily unavailable" in response.json()["detail"]
    assert client.get(url).status_code == 200


def test_pages_and_sign_in_fail_cleanly_too(project, people):
    client = Client(raise_request_exception=False)
    with database_unreachable():
        home = client.get(reverse("home"))  # anonymous: redirected without the database
        sign_in = client.post(reverse("login"), {"username": "alice", "password": "pw-alice-123"})
    assert home.status_code == 302
    assert sign_in.status_code == 503
    assert b"Traceback" not in sign_in.content
    assert (
        client.post(reverse("login"), {"username": "alice", "password": "pw-alice-123"}).status_code
        == 302
    )


def test_a_session_saved_during_an_outage_is_not_mistaken_for_a_deleted_one(people):
    """Django's store would raise UpdateError (answered "400: session deleted") here."""
    from django.db import OperationalError

    from annotator.sessions import SessionStore

    session = SessionStore()
    session["undo"] = [1]
    session.save()
    session["undo"] = [1, 2]
    with database_unreachable(), pytest.raises(OperationalError):
        session.save()
    session.save()  # and once the database is back, it saves
    assert SessionStore(session_key=session.session_key).load()["undo"] == [1, 2]


def test_the_session_read_finds_live_sessions_only(people):
    """A live session loads, an expired or unknown one is a new, empty session under a new
    key, on SQLite and PostgreSQL (Django's behaviour, kept through the store's cache)."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.core.cache import caches
    from django.utils import timezone

    from annotator.sessions import SessionStore

    live = SessionStore()
    live["undo"] = [3]
    live.save()
    assert SessionStore(session_key=live.session_key).load() == {"undo": [3]}

    Session.objects.filter(pk=live.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    caches[settings.SESSION_CACHE_ALIAS].clear()  # as when its cached copy expires
    expired = SessionStore(session_key=live.session_key)
    assert expired.load() == {} and expired.session_key is None

    unknown = SessionStore(session_key="x" * 32)
    assert unknown.load() == {} and unknown.session_key is None


def test_a_session_cookie_holding_nul_is_a_new_session_not_a_500(people):
    """A quoted cookie may carry octal escapes, NUL among them; PostgreSQL refuses NUL."""
    client = Client(HTTP_COOKIE='sessionid="abcdefgh\\000ijklmnop"')
    response = client.get(reverse("home"))
    assert response.status_code == 302 and "/login/" in response["Location"]
