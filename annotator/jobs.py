"""Background jobs: long work (large imports, later rules, training, prediction) that runs in
a worker, not in the request (DESIGN.md, "Background work").

A ``Job`` is Margin's own record of one piece of such work, what ``GET /api/jobs/{id}/``
and the pages show: its status, its progress (0..1, written by the task as it goes), and
its result or its error in words. The queue itself is Django's tasks framework with
django-tasks-db's database backend (``annotator.tasks``); ``task_id`` names the task's own
result row there, where an operator finds the traceback of a job that failed on a bug.

Files a job reads are stored with it (``JobFile``) rather than on a disk, so that any worker
on any machine against the same database can run it; they are deleted when it ends.
"""

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)


class JobKind(models.TextChoices):
    IMPORT = "import", "Import"
    RULES = "rules", "Rules applied"
    PROPAGATION = "propagation", "Propagation"
    TRAIN = "train", "Model trained"
    SUGGEST = "suggest", "Model suggestions"
    SEARCH_TAG = "search_tag", "Search hits tagged"
    SEARCH_EDIT = "search_edit", "Listed spans relabelled or deleted"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


FINISHED = [JobStatus.DONE, JobStatus.FAILED]


class JobFailed(Exception):
    """A job that cannot be done, for a reason its owner can act on: the message, in words,
    becomes the job's ``error`` (a bug is logged and reported without its traceback)."""


class Job(models.Model):
    project = models.ForeignKey("annotator.Project", on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=20, choices=JobKind.choices)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.FloatField(default=0.0)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True, help_text="The task result's id.")

    # ``advance`` writes at most once in this many seconds.
    ADVANCE_EVERY = 0.25
    _advanced_at = 0.0

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=1), name="job_progress_0_to_1"
            ),
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values), name="job_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} job {self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def advance(self, done: float, total: float) -> None:
        """Record that ``done`` of ``total`` steps are done, at most a few times a second
        (a caller may call it on every step). Call it outside a transaction: inside one,
        nobody else would see the progress until the end."""
        progress = min(max(done / total, 0.0), 1.0) if total > 0 else 1.0
        now = time.monotonic()
        if now - self._advanced_at < self.ADVANCE_EVERY:
            return
        self._advanced_at = now
        self.progress = progress
        Job.objects.filter(pk=self.pk).update(progress=progress)

    def start(self) -> bool:
        """Mark a queued job running; False when it is not queued (already run, or running
        in another worker), so that a job runs once."""
        now = timezone.now()
        queued = Job.objects.filter(pk=self.pk, status=JobStatus.QUEUED)
        if not queued.update(status=JobStatus.RUNNING, started_at=now, progress=0.0):
            return False
        self.status, self.started_at, self.progress = JobStatus.RUNNING, now, 0.0
        return True

    def finish(self, result: Any) -> None:
        self._set(status=JobStatus.DONE, result=result, progress=1.0, finished_at=timezone.now())
        self.files.all().delete()

    def fail(self, error: str) -> None:
        self._set(status=JobStatus.FAILED, error=error, finished_at=timezone.now())
        self.files.all().delete()

    def _set(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)
        Job.objects.filter(pk=self.pk).update(**values)


class JobFile(models.Model):
    """A file uploaded for a job, kept in the database until the job ends."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    data = models.BinaryField()

    class Meta:
        ordering = ["job", "id"]

    def __str__(self) -> str:
        return self.name


def job_run(job_id: int, work: Callable[[Job], Any]) -> Any:
    """Run a queued job: ``work(job)`` returns its result (JSON) or raises ``JobFailed``
    with the reason in words. Called by the job's task in a worker, outside any transaction
    (``work`` keeps its own writes all or nothing). Any other error fails the job with a
    sentence saying so, is logged with its traceback, and is raised again so that the
    task's own record keeps the traceback too.
    """
    job = Job.objects.select_related("project", "created_by").filter(pk=job_id).first()
    if job is None or not job.start():
        return None
    try:
        result = work(job)
    except JobFailed as failed:
        job.fail(str(failed))
        return None
    except (KeyboardInterrupt, SystemExit):
        job.fail(
            "The worker running this job was stopped before it was done; nothing was "
            "stored. Start the job again."
        )
        raise
    except Exception as error:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        job.fail(
            f"The job stopped on an error in Margin, not in your data ({type(error).__name__}); "
            f"nothing was stored. Tell an administrator: job {job.pk}."
        )
        raise
    job.finish(result)
    return result
