"""JSON in: refused with a 400 that names the problem when it cannot be stored."""

import re
from typing import Any

from django.conf import settings
from rest_framework.exceptions import (
    ParseError,
)
from rest_framework.parsers import BaseParser

from corpus.storable import NotFinite, json_loads, value_problem


class JSONBodyParser(BaseParser):
    """JSON that can be stored: bounded in size, finite numbers, no NUL, no lone surrogates.

    DRF's own JSON parser accepts ``"\\u0000"`` and ``"\\ud800"``, which PostgreSQL and
    SQLite then refuse with a 500, and ``NaN`` or ``1e400`` (infinity), which no JSON column
    can hold; here they are a 400 like any other bad body.
    """

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise ParseError(
                f"The request body is larger than {limit // (1024 * 1024)} MB; "
                "send the documents or spans in several requests."
            )
        try:
            data = json_loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise ParseError("The body is not UTF-8.") from None
        except NotFinite as error:
            raise ParseError(f"Numbers {str(error).removeprefix('numbers ')}.") from None
        except (ValueError, RecursionError) as error:
            raise ParseError(f"Malformed JSON: {error}") from None
        problem = value_problem(data) if _SUSPECT_ESCAPE.search(raw) else None
        if problem:
            raise ParseError(f"Text {problem}.")
        return data


# A NUL or a surrogate can only come from a \u escape: strict JSON refuses raw control
# characters in strings, and UTF-8 cannot encode surrogates. A body without such an escape
# (nearly every body, however large) needs no walk through all its strings.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
