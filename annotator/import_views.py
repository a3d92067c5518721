"""The Import page (managers): several files at once, small imports answered at once, large
ones followed as a background job whose progress bar polls ``import_job`` every second."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseStopPolling

from .api.uploads import ImportRefused
from .imports import (
    MAX_FILES,
    SpansTo,
    Upload,
    import_later,
    import_now,
    refusal,
    runs_in_request,
    uploads_check,
)
from .jobs import Job, JobStatus
from .moving_in import summary_lines
from .permissions import Action, project_view, visible_jobs

TEMPLATE = "annotator/imports/import.html"
ACCEPT = ".txt,.text,.jsonl,.ndjson,.json,.zip"


@require_http_methods(["GET", "POST"])
@project_view(Action.MANAGE)
def import_documents(request, project):
    summary, problems = "", []
    members = list(project.memberships.select_related("user").order_by("user__username"))
    spans_to, member = request.POST.get("spans_to", "suggestions"), request.POST.get("member")
    create_labels = request.POST.get("create_labels") == "1"
    if request.method == "POST":
        uploads = [Upload(file.name, file.read()) for file in request.FILES.getlist("files")]
        try:
            target = _spans_to(spans_to, member, members, request.user)
            uploads_check(uploads)
            if not runs_in_request(uploads):
                job = import_later(
                    project=project,
                    uploads=uploads,
                    uploader=request.user,
                    spans_to=target,
                    create_labels=create_labels,
                )
                return redirect("import_job", project.pk, job.pk)
            imported = import_now(
                project=project,
                uploads=uploads,
                uploader=request.user,
                spans_to=target,
                create_labels=create_labels,
            )
        except ImportRefused as refused:
            summary, *problems = refusal(refused).splitlines()
        else:
            first, *more = summary_lines(imported)
            messages.success(request, first)
            for line in more:
                messages.info(request, line)
            return redirect("import_documents", project.pk)
    context = {
        "project": project,
        "summary": summary,
        "problems": problems,
        "accept": ACCEPT,
        "max_files": MAX_FILES,
        "members": members,
        "spans_to": spans_to,
        "member": member or request.user.username,
        "create_labels": create_labels,
    }
    return render(request, TEMPLATE, context)


def _spans_to(choice: str, member: str | None, members, user) -> SpansTo:
    """The page's choice of where the files' spans go (those that do not name their
    annotator): suggestions for everyone, one member's layer, or gold."""
    if choice == "suggestions":
        return SpansTo(suggestions=True)
    if choice == "gold":
        return SpansTo(gold=True)
    if choice != "layer":
        raise ImportRefused([f"Choose where the spans go: “{choice}” is not a choice."])
    if member in (None, "", user.username):
        return SpansTo(member=user.username)
    if member not in {membership.user.username for membership in members}:
        raise ImportRefused([f"“{member}” is not a member of this project."])
    return SpansTo(member=member)


@require_GET
@project_view(Action.MANAGE)
def import_job(request, project, job_id: int):
    """The job's page; to htmx's polling, the job's part alone, and 286 (stop) once done."""
    job = Job.objects.filter(visible_jobs(request.user), project=project, pk=job_id).first()
    if job is None:
        raise Http404("No such import in this project.")
    context = {"project": project, **_job_context(project, job)}
    if not request.htmx:
        return render(request, TEMPLATE, context)
    part = render_to_string(f"{TEMPLATE}#job", context, request=request)
    return HttpResponseStopPolling(part) if job.finished else HttpResponse(part)


def _job_context(project, job: Job) -> dict:
    error = job.error.splitlines()
    done = summary_lines(job.result) if job.status == JobStatus.DONE and job.result else []
    return {
        "job": job,
        "percent": round(job.progress * 100),
        "poll_url": reverse("import_job", args=[project.pk, job.pk]),
        "imported": done,
        "summary": error[0] if error else "",
        "problems": error[1:],
    }
