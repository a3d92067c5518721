"""DRF's ``Token <key>`` authentication, refusing what no token can be."""

from django.utils.translation import gettext
from rest_framework import authentication, exceptions

from corpus.storable import text_problem


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's, with one guard: a key that no stored token can equal (a NUL, which PostgreSQL
    refuses in text with an error, or an unpaired surrogate) is refused as any unknown key,
    with a 401, before it reaches the database."""

    def authenticate_credentials(self, key: str):
        if text_problem(key):
            raise exceptions.AuthenticationFailed(gettext("Invalid token."))
        return super().authenticate_credentials(key)
