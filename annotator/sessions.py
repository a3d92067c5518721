"""Django's cached database sessions, with two guards.

The sessions live in the database (any app server answers any request) and are read
through a cache held in the database too (``SESSION_CACHE_ALIAS``, settings): one short
statement of Django's own instead of the ORM's query, and right across workers and
machines, which a per-process cache would not be (a sign-out on one worker would leave the
session alive in the others' memory).

The guards:

- a session key from a cookie may carry anything, NUL included (an octal ``\\000`` in a
  quoted cookie), which PostgreSQL refuses with an error: only keys Django could have made
  are looked up;
- Django's database store turns *any* database error on save into ``UpdateError``, which
  ``SessionMiddleware`` answers as "400 Bad Request: the session was deleted". When
  PostgreSQL is restarting, that 400 would reach an analyst whose change may well have been
  committed a moment before. Here a connection failure stays what it is, so that
  ``annotator.middleware.DatabaseUnavailableMiddleware`` answers a retryable 503.
"""

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, UpdateError
from django.db import InterfaceError, OperationalError

KEY_CHARACTERS = frozenset(VALID_KEY_CHARS)


# Named SessionStore as Django's are: the name salts the signature of the stored data.
class SessionStore(cached_db.SessionStore):
    def _validate_session_key(self, key) -> bool:
        return super()._validate_session_key(key) and set(key) <= KEY_CHARACTERS

    def save(self, must_create: bool = False) -> None:
        try:
            super().save(must_create=must_create)
        except UpdateError as error:
            if isinstance(error.__context__, OperationalError | InterfaceError):
                raise error.__context__ from None
            raise
