"""Database sessions that tell a lost database from a deleted session.

Django's database session store turns *any* database error on save into ``UpdateError``,
which ``SessionMiddleware`` answers as "400 Bad Request: the session was deleted". When
PostgreSQL is restarting, that 400 would reach an analyst whose change may well have been
committed a moment before. Here a connection failure stays what it is, so that
``annotator.middleware.DatabaseUnavailableMiddleware`` answers a retryable 503.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import InterfaceError, OperationalError


class SessionStore(db.SessionStore):
    def save(self, must_create: bool = False) -> None:
        try:
            super().save(must_create=must_create)
        except UpdateError as error:
            if isinstance(error.__context__, OperationalError | InterfaceError):
                raise error.__context__ from None
            raise
