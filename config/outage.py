"""Quiet logs through a database outage.

When PostgreSQL restarts, every request in flight fails at once. Django logs each as
"Internal Server Error" with a traceback before ``annotator.middleware`` turns it into a
retryable 503 and logs one warning line for it; this filter drops Django's record for
those requests, so that an outage of a second reads as a few warnings, not a hundred
tracebacks. (It lives outside ``annotator``: logging is set up before the apps load.)
"""

import logging


class DatabaseOutageFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        return not getattr(request, "database_unavailable", False)
