"""Background jobs: the real database queue (django-tasks-db) and a real worker."""

import pytest
from django_tasks_db.management.commands.db_worker import Worker


def run_worker() -> None:
    """Run every queued task, as ``manage.py db_worker --batch`` does, in this process:
    django-tasks-db's own worker loop, claiming each task from the database, without the
    signal handlers the command installs (they would outlive the test)."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


@pytest.fixture
def worker(transactional_db):
    """The worker commits as it goes, as in production: the test's database is not one
    transaction rolled back at the end (the worker would close that connection)."""
    return run_worker
