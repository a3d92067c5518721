"""gunicorn settings for a Margin app server (deploy/serve.sh, bench/load.py):

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py --bind 127.0.0.1:8001 config.wsgi

WORKERS (2) and THREADS (1) come from the environment: about one worker per core.
"""

import os

workers = int(os.environ.get("WORKERS", "2"))
# One request at a time per worker: a request is mostly Python work, and a second thread
# only fought over the interpreter lock (bench/load.py: 134 writes/s with 1, 122 with 2).
threads = int(os.environ.get("THREADS", "1"))
# No keep-alive: a client's open connection would pin all its requests to the worker that
# accepted it, leaving the others idle (nginx does not keep upstream connections anyway).
keepalive = 0
timeout = 60
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
