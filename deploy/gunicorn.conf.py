"""gunicorn settings for a Margin app server (deploy/serve.sh, bench/load.py):

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py --bind 127.0.0.1:8001 config.wsgi

WORKERS (2) and THREADS (2) come from the environment: about one worker per core.
"""

import os

workers = int(os.environ.get("WORKERS", "2"))
# A second thread serves a request while the first waits on PostgreSQL; more threads only
# fight over the interpreter lock.
threads = int(os.environ.get("THREADS", "2"))
# No keep-alive: a client's open connection would pin all its requests to the worker that
# accepted it, leaving the others idle (nginx does not keep upstream connections anyway).
keepalive = 0
timeout = 60
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
