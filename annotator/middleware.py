"""Request-wide concerns: the database going away, input that is not text or cannot be
stored, throttled logins.

``DatabaseUnavailableMiddleware`` turns a lost database connection (PostgreSQL restarting,
a failover) into a 503 that says "retry" — JSON for the API, a short message for the
workspace, whose script keeps the analyst's selection on any failed save. Django's own
``CONN_HEALTH_CHECKS`` then reconnects on the next request: no restart of the app.
"""

import codecs
import logging
import re
import sys
from urllib.parse import unquote_to_bytes

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.db.models import Sum
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse

from corpus.storable import text_problem

logger = logging.getLogger(__name__)

UNAVAILABLE = (
    "Margin's database is temporarily unavailable: your last change may not have been "
    "saved. Please retry in a few seconds."
)
RETRY_AFTER_SECONDS = 5


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' throttle on every login that comes over HTTP (the sign-in page, the
    API's token endpoint, the admin). A call without a request (``Client.login`` in tests, a
    shell) has no address to throttle and is left to Django's ModelBackend after it."""

    def authenticate(self, request=None, *args, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


class LoginThrottleHandler(AxesDatabaseHandler):
    """django-axes' record of failed logins, with a second lock per address.

    Axes locks one username from one address after ``AXES_FAILURE_LIMIT`` failures. Someone
    trying a few passwords against many usernames never reaches that, so an address is also
    locked — for every username, the right password too — once the failures from it within
    the cool-off time add up to ``LOGIN_ADDRESS_FAILURE_LIMIT``. (Axes' own
    ``AXES_LOCKOUT_PARAMETERS`` cannot hold two limits: it compares the larger count with
    one.)
    """

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or self.address_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        # Axes answers 429 (AxesMiddleware) when its own count, the pair's, reaches the limit;
        # the address's limit is made to answer the same way.
        if request is not None and self.address_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials

    def address_locked(self, request) -> bool:
        attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
        if settings.AXES_COOLOFF_TIME:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
        return failures >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


def _refusal(problem: str) -> str:
    return f"Refused: the request {problem}. Nothing was saved."


NUL_REFUSED = _refusal(text_problem("\x00"))
NOT_UTF8_REFUSED = "Refused: the form is not valid UTF-8 text. Nothing was saved."
CHARSET_REFUSED = (
    "Refused: the form is sent in the charset {charset!r}; Margin reads forms in UTF-8 "
    "only. Nothing was saved."
)

FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
# The charsets a form may declare (codec names). US-ASCII is read as UTF-8, its superset.
FORM_CHARSETS = {"utf-8", "ascii"}
# A percent-escape of a byte above 0x7F: only those can make a urlencoded form invalid UTF-8.
_HIGH_ESCAPE = re.compile(rb"%[89a-fA-F]")
# Django decodes multipart fields with errors="replace", which would turn bytes that are not
# UTF-8 into U+FFFD without a word; this codec refuses them whatever ``errors`` asks.
STRICT_UTF_8 = "margin_strict_utf_8"


def _decode_strictly(data: bytes, errors: str = "strict") -> tuple[str, int]:
    return codecs.utf_8_decode(data, "strict", True)


codecs.register(
    lambda name: (
        codecs.CodecInfo(codecs.utf_8_encode, _decode_strictly, name=STRICT_UTF_8)
        if name == STRICT_UTF_8
        else None
    )
)


class InputGuardMiddleware:
    """Refuse, with a 400 that names the problem, a request holding what is not text or
    cannot be stored: a NUL or an unpaired surrogate in a query parameter or form field
    (names, values, file names), a form that is not UTF-8 or declares another charset.

    PostgreSQL cannot store NUL, no database stores a lone surrogate, and several views read
    form fields directly (comments, rejection reasons, the sign-in form): without this such
    input reaches the database and comes back as a 500, or bytes that are not UTF-8 turn
    silently into U+FFFD. JSON bodies are the API parser's (``api.parsers.JSONBodyParser``); file
    contents are the importers' (``corpus.importers``).

    Cheap on the hot path: a urlencoded form (every workspace write) is checked on its raw
    bytes and parsed only once, later, by Django; a multipart form is parsed here, once.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = _query_problem(request) or _form_problem(request)
        if problem:
            return _refused(request, problem)
        return self.get_response(request)


def _codec(charset: str | None) -> str | None:
    """The codec's own name for a charset (``UTF8`` → ``utf-8``), None if Python has none."""
    try:
        return codecs.lookup(charset or "utf-8").name
    except LookupError:
        return None


def _query_problem(request) -> str | None:
    if _codec(request.encoding) in FORM_CHARSETS:
        # Decoded as UTF-8 with errors replaced, a query can only hold NUL as %00 (or raw).
        query = request.META.get("QUERY_STRING", "")
        return NUL_REFUSED if "%00" in query or "\x00" in query else None
    # A charset declared in the Content-Type decodes the query too (UTF-7 makes surrogates).
    return _fields_problem(request.GET.lists())


def _form_problem(request) -> str | None:
    if request.content_type not in FORM_TYPES:
        return None
    charset = (request.content_params or {}).get("charset")
    if charset is not None and _codec(charset) not in FORM_CHARSETS:
        return CHARSET_REFUSED.format(charset=charset[:40])
    if request.content_type == "multipart/form-data":
        return _multipart_problem(request) if request.method == "POST" else None
    body = request.body
    if b"\x00" in body or b"%00" in body:
        return NUL_REFUSED
    # Bytes that are UTF-8 as sent and once unescaped: then Django's own parse loses nothing
    # and can hold no surrogate. An ASCII body without high escapes (nearly all) is UTF-8.
    try:
        if not body.isascii():
            body.decode("utf-8")
        if _HIGH_ESCAPE.search(body):
            unquote_to_bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        return NOT_UTF8_REFUSED
    if charset is not None and charset.lower() != "utf-8":
        request.encoding = "utf-8"  # Django reads a form declared "us-ascii" or "utf8" as 400
    return None


def _multipart_problem(request) -> str | None:
    declared = request.encoding
    request.encoding = STRICT_UTF_8
    try:
        fields, files = request.POST, request.FILES
    except UnicodeDecodeError:
        return NOT_UTF8_REFUSED
    finally:
        # Not through the setter, which would drop the form just parsed: the query is then
        # read in the charset declared (UTF-8), with bad bytes replaced, as everywhere.
        request._encoding = declared
    names = ((key, [upload.name or "" for upload in uploads]) for key, uploads in files.lists())
    return _fields_problem(fields.lists()) or _fields_problem(names)


def _fields_problem(fields) -> str | None:
    for key, values in fields:
        for text in (key, *values):
            problem = text_problem(text)  # the importers' and the API's rule too
            if problem:
                return _refusal(problem)
    return None


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or "json" in request.headers.get("Accept", "")


def _refused(request, message: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


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
        if _wants_json(request):
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
