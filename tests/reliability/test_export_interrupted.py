"""An export interrupted halfway leaves nothing behind: no half file, no open transaction.

The command is run for real in another process and stopped with SIGTERM (as a shell's
``kill``, a CI timeout or a container stop would) while it is writing; an HTTP export is
dropped by its client halfway. bench/load.py checks the database after both under load.
"""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from annotator.models import Span
from corpus.models import Document

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)
TEXT = "Kim Jong Un met Vladimir Putin. They spoke about artillery shells and rockets. " * 30


@pytest.fixture
def big_project(project, people, weapons):
    documents = Document.objects.bulk_create(
        Document(text=TEXT, title=f"Doc {i}", content_hash=str(i)) for i in range(1500)
    )
    project.documents.add(*documents)
    start = TEXT.index("artillery")
    Span.objects.bulk_create(
        Span(
            project=project,
            document=document,
            annotator=people["alice"],
            label=weapons,
            start=start,
            end=start + 16,
        )
        for document in documents
    )
    return project


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or "5432"
    return f"postgres://{settings['USER']}@{host}:{port}/{settings['NAME']}"


def test_a_killed_command_export_leaves_no_file(big_project, tmp_path):
    output = tmp_path / "train.conll"
    partial = tmp_path / ".train.conll.partial"
    env = {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "1"}
    command = [sys.executable, "manage.py", "export", "--project", str(big_project.pk)]
    process = subprocess.Popen(
        [*command, "--format", "conll", "-o", str(output)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not (partial.exists() and partial.stat().st_size > 10_000):
        assert process.poll() is None, "the export ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    assert process.returncode != 0
    assert list(tmp_path.iterdir()) == []


def test_a_finished_command_export_is_written_whole(big_project, tmp_path):
    output = tmp_path / "all.jsonl"
    call_command("export", project=str(big_project.pk), output=output, stderr=io.StringIO())
    assert len(output.read_text().splitlines()) == 1500
    assert [p.name for p in tmp_path.iterdir()] == ["all.jsonl"]


def test_a_dropped_http_export_leaves_no_transaction_open(big_project, people):
    client = Client()
    client.force_login(people["manager"])
    response = client.get(f"/api/projects/{big_project.pk}/export/?format=conll")
    assert response.status_code == 200
    stream = iter(response.streaming_content)
    next(stream)
    response.close()  # what the server does when the client goes away
    assert not connection.in_atomic_block
    assert Document.objects.count() == 1500  # the connection is usable, nothing is locked
