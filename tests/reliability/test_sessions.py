"""Sessions live in the database and its cache is shared: any app server answers any request."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def on_another_app_server(code: str) -> None:
    """Run ``code`` in a process of its own (as another gunicorn worker would), on the
    test database."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
    )


def test_a_sign_out_on_one_app_server_holds_on_the_others(client, people):
    """A session cache in each process's memory would keep the session alive here."""
    client.force_login(people["alice"])
    assert client.get("/").status_code == 200  # read here, so cached here if it could be
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    on_another_app_server(
        f"from annotator.sessions import SessionStore\nSessionStore(session_key={key!r}).flush()"
    )

    assert client.get("/").status_code == 302  # to the sign-in page
