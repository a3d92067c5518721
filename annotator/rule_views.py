"""The Rules page (managers): a project's rule sets, added from a pasted list or a
``.jsonl``/``.tsv`` file, applied to every document as a background job whose progress the
page follows, and deleted with the suggestions nobody decided."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from . import services
from .jobs import Job, JobKind, JobStatus
from .permissions import Action, project_view, visible_jobs
from .rules import PatternsRefused, patterns_read
from .suggestion_jobs import rules_apply_later
from .suggestions import RULES_PREFIX, RuleSet, Suggestion, SuggestionDecision

TEMPLATE = "annotator/suggestions/rules.html"
MAX_BYTES = 5 * 1024 * 1024  # a pattern file; 10,000 patterns are ~1 MB


@require_http_methods(["GET", "POST"])
@project_view(Action.MANAGE)
def rules(request, project):
    form = {"name": "", "patterns": "", "case_sensitive": False}
    problems: dict[str, list[str]] = {}
    if request.method == "POST":
        form = {
            "name": request.POST.get("name", ""),
            "patterns": request.POST.get("patterns", ""),
            "case_sensitive": request.POST.get("case_sensitive") == "on",
        }
        try:
            patterns = _patterns(form["patterns"], request.FILES.get("file"))
            if not form["name"].strip() and request.FILES.get("file"):
                form["name"] = request.FILES["file"].name.rsplit(".", 1)[0]
            rule_set = services.rule_set_create(
                project=project,
                name=form["name"],
                patterns=patterns,
                case_sensitive=form["case_sensitive"],
                user=request.user,
            )
        except PatternsRefused as refused:
            problems = {"patterns": refused.problems}
        except ValidationError as error:
            problems = error.message_dict
        else:
            messages.success(
                request,
                f"Added the rule set “{rule_set.name}” ({len(rule_set.patterns)} patterns). "
                "Apply it to offer its matches as suggestions.",
            )
            return redirect("rules", project.pk)
    job = None
    if request.GET.get("job", "").isdigit():
        job = _job(request, project, int(request.GET["job"]))
    context = {
        "project": project,
        "tab": "rules",
        "rule_sets": _rule_sets(project),
        "form": form,
        "problems": problems,
        **(_job_context(project, job) if job else {}),
    }
    return render(request, TEMPLATE, context, status=422 if problems else 200)


@require_POST
@project_view(Action.MANAGE)
def rule_apply(request, project, rule_set_id: int):
    rule_set = get_object_or_404(RuleSet, project=project, pk=rule_set_id)
    job = rules_apply_later(rule_set=rule_set, user=request.user)
    return redirect(f"{reverse('rules', args=[project.pk])}?job={job.pk}")


@require_POST
@project_view(Action.MANAGE)
def rule_delete(request, project, rule_set_id: int):
    rule_set = get_object_or_404(RuleSet, project=project, pk=rule_set_id)
    removed = services.rule_set_delete(rule_set=rule_set)
    messages.success(
        request,
        f"Deleted the rule set “{rule_set.name}” and its {removed} undecided "
        f"suggestion{'s' if removed != 1 else ''}; the ones people accepted stay as their spans.",
    )
    return redirect("rules", project.pk)


@require_GET
@project_view(Action.MANAGE)
def rule_job(request, project, job_id: int):
    """The application's progress, for htmx's polling: 286 (stop) once it is done."""
    job = _job(request, project, job_id)
    if not request.htmx:
        return redirect(f"{reverse('rules', args=[project.pk])}?job={job.pk}")
    context = {"project": project, **_job_context(project, job)}
    part = render_to_string(f"{TEMPLATE}#job", context, request=request)
    return HttpResponseStopPolling(part) if job.finished else HttpResponse(part)


def _patterns(pasted: str, upload) -> object:
    """The patterns sent: a file (``.jsonl`` or ``.tsv``), or pasted JSON (a list, or one
    pattern a line)."""
    if upload is not None:
        if upload.size > MAX_BYTES:
            raise PatternsRefused([f"{upload.name}: larger than {MAX_BYTES // 1024 // 1024} MB"])
        return patterns_read(upload.name, upload.read())
    pasted = pasted.strip()
    if not pasted:
        raise PatternsRefused(["Paste patterns or choose a file."])
    if pasted.startswith("["):
        try:
            return json.loads(pasted)
        except ValueError as error:
            raise PatternsRefused([f"Not JSON: {error.msg} (line {error.lineno})."]) from None
    return patterns_read("pasted.jsonl", pasted.encode())


def _rule_sets(project) -> list[dict]:
    """Each set with its undecided suggestions counted (one query for all)."""
    sets = list(RuleSet.objects.filter(project=project).order_by("name"))
    undecided = dict(
        Suggestion.objects.filter(project=project, source__startswith=RULES_PREFIX)
        .exclude(Exists(SuggestionDecision.objects.filter(suggestion=OuterRef("pk"))))
        .values_list("source")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        {
            "set": rule_set,
            "phrases": sum(isinstance(p["pattern"], str) for p in rule_set.patterns),
            "tokens": sum(not isinstance(p["pattern"], str) for p in rule_set.patterns),
            "undecided": undecided.get(rule_set.source, 0),
        }
        for rule_set in sets
    ]


def _job(request, project, job_id: int) -> Job:
    job = Job.objects.filter(
        visible_jobs(request.user), project=project, kind=JobKind.RULES, pk=job_id
    ).first()
    if job is None:
        raise Http404("No such application of a rule set in this project.")
    return job


def _job_context(project, job: Job) -> dict:
    result = job.result if job.status == JobStatus.DONE and job.result else None
    return {
        "job": job,
        "percent": round(job.progress * 100),
        "poll_url": reverse("rule_job", args=[project.pk, job.pk]),
        "outcome": (
            f"Matched {result['matches']:,} times in {result['documents']:,} documents: "
            f"{result['suggestions']:,} suggestions offered."
            if result
            else ""
        ),
    }
