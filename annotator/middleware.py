"""Request-wide concerns: who is acting (for the span history), the database going away,
throttled logins, and reading the signed-in user (session or API token).

``DatabaseUnavailableMiddleware`` turns a lost database connection (PostgreSQL restarting,
a failover) into a 503 that says "retry" — JSON for the API, a short message for the
workspace, whose script keeps the analyst's selection on any failed save. Django's own
``CONN_HEALTH_CHECKS`` then reconnects on the next request: no restart of the app.
"""

import logging
import sys

from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from . import history, sql

logger = logging.getLogger(__name__)

UNAVAILABLE = (
    "Margin's database is temporarily unavailable: your last change may not have been "
    "saved. Please retry in a few seconds."
)
RETRY_AFTER_SECONDS = 5


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' throttle on every login that comes over HTTP (the sign-in page, the
    API's token endpoint, the admin). A call without a request (``Client.login`` in tests, a
    shell) has no address to throttle and is left to the UserBackend after it."""

    def authenticate(self, request=None, *args, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


class UserBackend(ModelBackend):
    """Django's ``ModelBackend``, reading the signed-in user in written-out SQL: that read
    runs on every request, and the ORM's query costs three times as much (``annotator.sql``).
    """

    def get_user(self, user_id):
        model = get_user_model()
        users = sql.select(
            model,
            "u",
            f'FROM {model._meta.db_table} u WHERE u."{model._meta.pk.column}" = %s',
            [user_id],
        )
        if users and self.user_can_authenticate(users[0]):
            return users[0]
        return None


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's ``Token <key>`` check, with the token's user read in one written-out query:
    scripts send it with every request."""

    def authenticate_credentials(self, key):
        if "\x00" in key:  # PostgreSQL refuses NUL in text: no token can hold one
            raise exceptions.AuthenticationFailed(gettext("Invalid token."))
        model = get_user_model()
        users = sql.select(
            model,
            "u",
            f"FROM authtoken_token t JOIN {model._meta.db_table} u"
            f' ON u."{model._meta.pk.column}" = t.user_id WHERE t.key = %s',
            [key],
        )
        if not users:
            raise exceptions.AuthenticationFailed(gettext("Invalid token."))
        if not users[0].is_active:
            raise exceptions.AuthenticationFailed(gettext("User inactive or deleted."))
        return users[0], Token(key=key, user=users[0])


NUL_REFUSED = (
    "Refused: the request contains a NUL character (\\u0000), which cannot be stored. "
    "Nothing was saved."
)


class NulCharacterMiddleware:
    """Refuse form fields and query parameters holding NUL with a 400 that says so.

    PostgreSQL cannot store NUL in text, and the workspace's views read a few form fields
    directly (comments, rejection reasons, offsets): without this a NUL would reach the
    database and come back as a 500. Django's forms and the API's JSON parser refuse NUL
    themselves; this covers every other form post and query string in one place.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        form = request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}
        fields = [request.GET, *([request.POST] if form and request.method == "POST" else [])]
        for values in fields:
            for key, items in values.lists():
                if "\x00" in key or any("\x00" in item for item in items):
                    return HttpResponseBadRequest(NUL_REFUSED, content_type="text/plain")
        return self.get_response(request)


class RequestUserMiddleware:
    """Make the user of the request the actor of the span events it records."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with history.serving(request):
            return self.get_response(request)


def _note_database_error(sender, request=None, **kwargs) -> None:
    # Django turns an exception into a 500 page before outer middleware sees it, whether the
    # view, a middleware's process_view or the session raised it; the signal still runs in
    # the except block, so the cause is known here and remembered on the request.

    error = sys.exc_info()[1]
    # The connection failure may be the context of what was finally raised (a session
    # store failing to load, say): look down the chain.
    for _ in range(10):
        if error is None:
            return
        if isinstance(error, OperationalError | InterfaceError):
            if request is not None:
                request.database_unavailable = True
            return
        error = error.__cause__ or error.__context__


got_request_exception.connect(_note_database_error, dispatch_uid="margin_database_unavailable")


class DatabaseUnavailableMiddleware:
    """A 500 caused by the database being unreachable becomes a retryable 503.

    Goes first in ``MIDDLEWARE``, so that it wraps everything that may touch the database.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "database_unavailable", False):
            logger.warning("database unavailable: %s %s answered 503", request.method, request.path)
            response = self._unavailable(request)
        return response

    def _unavailable(self, request) -> HttpResponse:
        wants_json = request.path.startswith("/api/") or "json" in request.headers.get("Accept", "")
        if wants_json:
            response = JsonResponse({"detail": UNAVAILABLE, "retryable": True}, status=503)
        else:
            body = (
                '<!doctype html><html lang="en"><head><meta charset="utf-8">'
                "<title>Temporarily unavailable · Margin</title></head>"
                f'<body><p role="alert">{UNAVAILABLE}</p></body></html>'
            )
            response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
