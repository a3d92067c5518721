"""Database sessions that tell a lost database from a deleted session, read cheaply.

Django's database session store turns *any* database error on save into ``UpdateError``,
which ``SessionMiddleware`` answers as "400 Bad Request: the session was deleted". When
PostgreSQL is restarting, that 400 would reach an analyst whose change may well have been
committed a moment before. Here a connection failure stays what it is, so that
``annotator.middleware.DatabaseUnavailableMiddleware`` answers a retryable 503.

Every request reads its session, so that read is written in SQL, as the tagging reads are
(``annotator.sql`` says why).
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, UpdateError
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone

from . import sql

KEY_CHARACTERS = frozenset(VALID_KEY_CHARS)


class SessionStore(db.SessionStore):
    def _validate_session_key(self, key) -> bool:
        # Only keys Django could have made: a cookie may carry anything, NUL included
        # (an octal "\000" in a quoted cookie), which PostgreSQL refuses with an error.
        return super()._validate_session_key(key) and set(key) <= KEY_CHARACTERS

    def _get_session_from_db(self):
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        found = sql.select(
            self.model,
            "s",
            "FROM django_session s WHERE s.session_key = %s AND s.expire_date > %s",
            [self.session_key, now],
        )
        if not found:
            self._session_key = None
            return None
        return found[0]

    def save(self, must_create: bool = False) -> None:
        try:
            super().save(must_create=must_create)
        except UpdateError as error:
            if isinstance(error.__context__, OperationalError | InterfaceError):
                raise error.__context__ from None
            raise
