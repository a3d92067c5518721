"""Validation benchmark: big span lists through the API, on the configured database.

    .venv/bin/python bench/validation.py         # SQLite, a fresh file under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/margin_bench \
        .venv/bin/python bench/validation.py     # a PostgreSQL database (migrated first)

Each span of a request is checked for overlap and duplicates against its layer (the
spans already stored and those earlier in the request). Two requests, each timed from
the request to the answer through Django's test client (JSON parsing, authentication,
the view, the service, the answer; the body is encoded before the clock starts):

- ``POST /api/projects/{pid}/documents/``: ONE document with 20,000 non-overlapping spans.
  Goal: under 1 s.
- ``POST /api/projects/{pid}/documents/{id}/spans/``: a list of 10,000 spans into a layer
  that already holds 10,000, interleaved with them. Goal: under 1 s.

Each is run ``--rounds`` times (a new document each round) after a small warm-up, with
``DEBUG`` off as in production; the median is compared with its goal (``ok``/``MISSED``)
and printed with the parts of it spent in the validation (``models.spans_errors``) and in
the commit (on PostgreSQL, where the foreign keys of every new row are checked, deferred
to it). The database is migrated first; on PostgreSQL the bench project is left behind.
"""

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
IMPORTED_SPANS = 20_000
LAYER_SPANS = 10_000
POSTED_SPANS = 10_000
GOALS = {"import": 1.0, "post": 1.0}
LABELS = ["WEAPONS", "PERSON", "LOCATION"]


def setup() -> None:
    # As in production: with DEBUG on, Django would also log every statement it runs.
    os.environ.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(40), LOG_LEVEL="ERROR")
    os.environ.update(ALLOWED_HOSTS="localhost", SECURE_SSL_REDIRECT="0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if "DATABASE_URL" not in os.environ:
        folder = tempfile.mkdtemp(prefix="margin-bench-validation-")
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def article(number: int, stretches: int) -> tuple[str, list[dict]]:
    """A text of ``stretches`` sentences with one taggable stretch each, and its spans."""
    parts, spans, offset = [], [], 0
    for i in range(stretches):
        before = f"Sentence {i} of report {number} says that "
        target = ["artillery shells", "Kim Jong Un", "Vostochny"][i % 3]
        sentence = f"{before}{target} were discussed.\u00a0"
        start = offset + len(before)
        spans.append({"start": start, "end": start + len(target), "label": LABELS[i % 3]})
        parts.append(sentence)
        offset += len(sentence)
    return "".join(parts), spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from annotator.models import Label, spans_errors
    from annotator.services import project_create

    # The parts of each request spent in the validation (every list goes through it) and
    # in the commit.
    checking, committing = [0.0], [0.0]

    def timed_spans_errors(**kwargs):
        start = time.perf_counter()
        try:
            return spans_errors(**kwargs)
        finally:
            checking[0] += time.perf_counter() - start

    from annotator.services import documents, spans

    for writer in (documents, spans):  # each list goes through one of these
        writer.spans_errors = timed_spans_errors
    commit = connection.commit

    def timed_commit():
        start = time.perf_counter()
        try:
            return commit()
        finally:
            committing[0] += time.perf_counter() - start

    connection.commit = timed_commit  # what transaction.atomic calls at the end

    stamp = f"{os.getpid()}-{int(time.time())}"
    user = get_user_model().objects.create_user(f"bench-validation-{stamp}")
    token = Token.objects.create(user=user).key
    project = project_create(creator=user, name=f"Validation bench {stamp}")
    for order, name in enumerate(LABELS):
        Label.objects.create(project=project, name=name, order=order)
    client = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Token {token}")
    documents_path = f"/api/projects/{project.pk}/documents/"

    def post(path: str, data: object) -> tuple[tuple[float, float, float], object]:
        """Seconds from request to answer and of them in the validation and the commit,
        and the answer (refused: the bench stops)."""
        body = json.dumps(data).encode()
        checking[0] = committing[0] = 0.0
        start = time.perf_counter()
        response = client.post(path, body, content_type="application/json")
        elapsed = time.perf_counter() - start
        if response.status_code != 201:
            raise SystemExit(f"POST {path} → {response.status_code}: {response.content[:500]!r}")
        return (elapsed, checking[0], committing[0]), response.json()

    def layer_and_list(number: int, stored: int, posted: int) -> tuple[float, float, float]:
        """Store a document whose layer holds ``stored`` spans; post ``posted`` between them."""
        text, spans = article(number, stored + posted)
        item = {"text": text, "external_id": f"layer-{stamp}-{number}", "spans": spans[::2]}
        _, answer = post(documents_path, item)
        return post(f"{documents_path}{answer['ids'][0]}/spans/", spans[1::2])[0]

    # Warm-up (imports, the URL conf, connections), not counted.
    text, spans = article(-1, 100)
    post(documents_path, {"text": text, "external_id": f"warm-{stamp}", "spans": spans})
    layer_and_list(-1, 50, 50)

    imports, posts = [], []
    for number in range(args.rounds):
        text, spans = article(number, IMPORTED_SPANS)
        item = {"text": text, "external_id": f"import-{stamp}-{number}", "spans": spans}
        imports.append(post(documents_path, item)[0])
        posts.append(layer_and_list(number, LAYER_SPANS, POSTED_SPANS))

    print(f"Database: {connection.vendor}; {args.rounds} rounds; seconds per request.")
    missed = []
    for what, key, values in [
        (f"import 1 document, {IMPORTED_SPANS:,} spans", "import", imports),
        (f"post {POSTED_SPANS:,} spans into a layer of {LAYER_SPANS:,}", "post", posts),
    ]:
        median, goal = statistics.median(total for total, _, _ in values), GOALS[key]
        checked = statistics.median(part for _, part, _ in values)
        committed = statistics.median(part for _, _, part in values)
        verdict = "ok" if median < goal else "MISSED"
        if verdict == "MISSED":
            missed.append(key)
        rounds = " ".join(f"{total:.2f}" for total, _, _ in values)
        print(
            f"  {what:<44} median {median:5.2f} (validation {checked:4.2f},"
            f" commit {committed:4.2f})"
            f"  goal < {goal:g} s: {verdict:<6}  rounds: {rounds}"
        )
    print(f"Goals missed: {', '.join(missed)}." if missed else "Every goal ok.")


if __name__ == "__main__":
    main()
