"""What the reliability tests share: a project with something behind every URL."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django_tasks_db.models import DBTaskResult
from rest_framework.authtoken.models import Token

from annotator.imports import Upload, import_later
from annotator.jobs import Job, JobKind
from annotator.label_suggestions import CategorySuggestion, RelationSuggestion
from annotator.models import DocumentStatus, Project, SpanEvent
from annotator.ner_models import NerModel
from annotator.services import (
    category_add,
    label_create,
    label_merge,
    relation_create,
    relation_type_create,
    span_create,
    span_delete,
    suggestions_add,
)
from annotator.suggestions import RuleSet, SuggestionDecision
from tests.conftest import TRICKY_TEXT


@pytest.fixture
def site(project, document, people, weapons):
    """Something behind every URL: alice's span (and a deleted one), a gold span, a token,
    a group, login records, a queued import job; ids to fill every path argument."""
    person = project.labels.get(name="PERSON")
    start = TRICKY_TEXT.index("artillery")
    alices = span_create(
        project=project,
        document=document,
        annotator=people["alice"],
        label=weapons,
        start=start,
        end=start + 9,
    )
    span_create(
        project=project,
        document=document,
        annotator=people["reviewer"],
        label=weapons,
        start=start,
        end=start + 9,
        gold=True,
    )
    gone = span_create(
        project=project,
        document=document,
        annotator=people["alice"],
        label=weapons,
        start=0,
        end=2,
    )
    span_delete(span=gone)
    Token.objects.create(user=people["alice"])
    Group.objects.create(name="editors")
    AccessAttempt.objects.create(username="x", ip_address="10.0.0.1", failures_since_start=1)
    AccessLog.objects.create(username="x", ip_address="10.0.0.1")
    AccessFailureLog.objects.create(username="x", ip_address="10.0.0.1")
    # A label merged away, for the page that undoes a merge.
    spare = label_create(project=project, name="SPARE", shortcut="9")
    merge = label_merge(label=spare, into=person, actor=people["manager"])
    other = Project.objects.create(name="Empty")
    job = import_later(
        project=project, uploads=[Upload("a.txt", b"A document.")], uploader=people["manager"]
    )
    free = TRICKY_TEXT.index("arrived")
    # A suggestion nobody has decided on the free stretch, and a rule set, for the
    # suggestion routes (the API's and the workspace's).
    (suggestion,) = suggestions_add(
        project=project,
        document=document,
        items=[{"start": free, "end": free + len("arrived"), "label": person}],
    )
    rules = RuleSet.objects.create(
        project=project, name="gazetteer", patterns=[{"label": "PERSON", "pattern": "Kim"}]
    )
    # An application of it, for the Rules page's progress (never queued: one task only).
    rules_job = Job.objects.create(
        project=project, kind=JobKind.RULES, created_by=people["manager"]
    )
    # A trained model (its bytes are not read by the routes walked).
    model = NerModel.objects.create(project=project, version=1, status="ready", data=b"-")
    objects = {
        "auth/group": Group.objects.get(),
        "auth/user": people["alice"],
        "authtoken/tokenproxy": people["alice"],
        "axes/accessattempt": AccessAttempt.objects.get(),
        "axes/accesslog": AccessLog.objects.get(),
        "axes/accessfailurelog": AccessFailureLog.objects.get(),
        "annotator/project": project,
        "annotator/label": weapons,
        "annotator/membership": people["alice"].memberships.get(),
        "annotator/documentstatus": DocumentStatus.objects.get(user=people["alice"]),
        "annotator/span": alices,
        "annotator/spanevent": SpanEvent.objects.filter(span_id=alices.pk).get(),
        "corpus/document": document,
        "django_tasks_database/dbtaskresult": DBTaskResult.objects.get(),
    }
    # A document label, and alice giving it to the document (the categories routes).
    topic = label_create(project=project, name="TOPIC", kind="document")
    category = category_add(
        project=project, document=document, annotator=people["alice"], label=topic
    )
    # A relation type, and alice relating a PERSON span of hers ("北朝鮮") to her span.
    supplies = relation_type_create(project=project, name="SUPPLIES")
    korea = TRICKY_TEXT.index("北朝鮮")
    hi = span_create(
        project=project,
        document=document,
        annotator=people["alice"],
        label=person,
        start=korea,
        end=korea + 3,
    )
    relation = relation_create(
        project=project,
        document=document,
        annotator=people["alice"],
        relation_type=supplies,
        source=hi,
        target=alices,
    )
    # A suggested document label, and a relation suggested from a second suggestion
    # ("café") to the first (the routes of suggested document labels and relations).
    cafe = TRICKY_TEXT.index("café")
    (second,) = suggestions_add(
        project=project,
        document=document,
        items=[{"start": cafe, "end": cafe + 4, "label": person}],
    )
    theme = label_create(project=project, name="THEME", kind="document")
    category_suggestion = CategorySuggestion.objects.create(
        project=project, document=document, label=theme, source="import"
    )
    relation_suggestion = RelationSuggestion.objects.create(
        project=project,
        document=document,
        type=supplies,
        from_suggestion=second,
        to_suggestion=suggestion,
        source="import",
    )
    decision = SuggestionDecision.objects.create(
        suggestion=suggestion, user=people["alice"], accepted=False
    )
    objects |= {
        "annotator/category": category,
        "annotator/relation": relation,
        "annotator/relationtype": supplies,
        "annotator/suggestion": suggestion,
        "annotator/suggestiondecision": decision,
        "annotator/ruleset": rules,
        "annotator/nermodel": model,
    }
    return {
        "project": project,
        "document": document,
        "span": alices,
        "category_suggestion": category_suggestion,
        "relation_suggestion": relation_suggestion,
        "topic": topic,
        "category": category,
        "relation_type": supplies,
        "relation": relation,
        "job": job,
        "person": person,
        "weapons": weapons,
        "member": people["alice"].memberships.get(),
        "merge": merge,
        "objects": objects,
        "other": other,
        "free": (free, free + len("arrived")),
        "suggestion": suggestion,
        "rules": rules,
        "rules_job": rules_job,
        "model": model,
    }
