"""Benchmark the REST API under gunicorn (2 workers), as a script would use it.

    .venv/bin/python bench/api.py            # a fresh SQLite database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/margin .venv/bin/python bench/api.py
                                             # ... and a fresh PostgreSQL database too

Prints the median and p95 latency of creating one span and of listing a document's 500
spans, and the time to bulk-load 10,000 documents with 200,000 spans through
``POST /api/projects/{pid}/documents/``. Goals: span create p95 ≤ 8 ms, listing 500 spans
p95 ≤ 15 ms, the bulk load under 15 s. Every request goes over HTTP to gunicorn; request
bodies are encoded before the clock starts.
"""

import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SPANS_TO_CREATE = 500
LISTINGS = 200
DOCUMENTS = 10_000
SPANS_PER_DOCUMENT = 20
BATCH = 1_000
GOALS = {"create": 8.0, "list": 15.0, "bulk": 15.0}
PASSWORD = "bench-password-1234"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    """A tiny JSON client over http.client (gunicorn's sync workers close each connection)."""

    def __init__(self, port: int, token: str | None = None):
        self.port = port
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Token {token}"

    def send(self, method: str, path: str, body: bytes | None = None) -> tuple[int, object]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        try:
            connection.request(method, path, body=body, headers=self.headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        return response.status, json.loads(raw) if raw else None

    def timed(self, method: str, path: str, body: bytes | None = None) -> tuple[float, int]:
        start = time.perf_counter()
        status, _ = self.send(method, path, body)
        return (time.perf_counter() - start) * 1000, status

    def ok(self, method: str, path: str, data: object = None) -> object:
        body = None if data is None else json.dumps(data).encode()
        status, answer = self.send(method, path, body)
        if status >= 300:
            raise SystemExit(f"{method} {path} → {status}: {str(answer)[:500]}")
        return answer


@contextmanager
def server(env: dict[str, str]) -> Iterator[int]:
    """Migrate the database in ``env`` and serve Margin with gunicorn on a free port."""
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    make_user = (
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_user('bench', password='{PASSWORD}', is_staff=True)"
    )
    subprocess.run([PYTHON, "manage.py", "shell", "-c", make_user], cwd=ROOT, env=env, check=True)
    port = free_port()
    gunicorn = Path(PYTHON).with_name("gunicorn")
    command = [str(gunicorn), "config.wsgi:application", "--workers", "2"]
    command += ["--bind", f"127.0.0.1:{port}", "--timeout", "300", "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def article(number: int, spans: int) -> tuple[str, list[dict]]:
    """A document of ``spans`` sentences, each with one tagged stretch."""
    parts, tagged, offset = [], [], 0
    labels = ["WEAPONS", "PERSON", "LOCATION"]
    for i in range(spans):
        before = f"Sentence {i} of report {number} says that "
        target = ["artillery shells", "Kim Jong Un", "Vostochny"][i % 3]
        sentence = f"{before}{target} were discussed.\u00a0"
        start = offset + len(before)
        tagged.append({"start": start, "end": start + len(target), "label": labels[i % 3]})
        parts.append(sentence)
        offset += len(sentence)
    return "".join(parts), tagged


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(name: str, env: dict[str, str]) -> None:
    with server(env) as port:
        anonymous = Client(port)
        token = anonymous.ok(
            "POST", "/api/auth/token/", {"username": "bench", "password": PASSWORD}
        )
        client = Client(port, token["token"])
        project = client.ok("POST", "/api/projects/", {"name": "Bench"})
        pid = project["id"]
        for name_ in ("WEAPONS", "PERSON", "LOCATION"):
            client.ok("POST", f"/api/projects/{pid}/labels/", {"name": name_})

        # Creating spans one by one in one document (its layer grows to 500).
        text, spans = article(0, SPANS_TO_CREATE)
        document = client.ok("POST", f"/api/projects/{pid}/documents/", {"text": text})["ids"][0]
        spans_path = f"/api/projects/{pid}/documents/{document}/spans/"
        bodies = [json.dumps(span).encode() for span in spans]
        for body in bodies[:20]:  # warm-up: imports, connections, caches
            client.timed("POST", spans_path, body)
        create = []
        for body in bodies[20:]:
            elapsed, status = client.timed("POST", spans_path, body)
            assert status == 201, status
            create.append(elapsed)

        # Listing that document's spans (its 480 measured spans + 20 warm-up ones).
        count = client.ok("GET", spans_path)["count"]
        listing = []
        for _ in range(10):
            client.timed("GET", spans_path)
        for _ in range(LISTINGS):
            elapsed, status = client.timed("GET", spans_path)
            assert status == 200, status
            listing.append(elapsed)

        # The bulk load: 10,000 documents with 200,000 spans in requests of 1,000.
        batches = []
        for first in range(0, DOCUMENTS, BATCH):
            items = []
            for number in range(first + 1, first + BATCH + 1):
                text, spans = article(number, SPANS_PER_DOCUMENT)
                items.append({"text": text, "external_id": f"bench-{number}", "spans": spans})
            batches.append(json.dumps(items).encode())
        documents_path = f"/api/projects/{pid}/documents/"
        start = time.perf_counter()
        for body in batches:
            elapsed, status = client.timed("POST", documents_path, body)
            assert status == 201, status
        bulk = time.perf_counter() - start
        megabytes = sum(len(body) for body in batches) / 1e6

    def line(what: str, values: list[float], goal: float) -> str:
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        verdict = "ok" if p95 <= goal else "MISSED"
        figures = f"p50 {p50:6.2f} ms   p95 {p95:6.2f} ms"
        return f"  {what:<28} {figures}   goal p95 ≤ {goal:g} ms: {verdict}"

    print(f"{name} — gunicorn, 2 sync workers")
    print(line(f"create one span (n={len(create)})", create, GOALS["create"]))
    print(line(f"list {count} spans (n={len(listing)})", listing, GOALS["list"]))
    verdict = "ok" if bulk < GOALS["bulk"] else "MISSED"
    print(
        f"  bulk load {DOCUMENTS:,} documents + {DOCUMENTS * SPANS_PER_DOCUMENT:,} spans: "
        f"{bulk:.1f} s ({len(batches)} requests, {megabytes:.0f} MB)   goal < 15 s: {verdict}"
    )


def base_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=database_url,
        LOG_LEVEL="ERROR",
    )
    return env


@contextmanager
def fresh_postgres(url: str) -> Iterator[str]:
    """A new, empty database on the server of ``url``; dropped afterwards."""
    import psycopg

    name = f"margin_bench_{os.getpid()}"
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="margin-bench-") as folder:
        run("SQLite", base_env(f"sqlite:///{folder}/bench.sqlite3"))
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        with fresh_postgres(url) as fresh:
            run("PostgreSQL", base_env(fresh))


if __name__ == "__main__":
    main()
