"""Every URL pattern in the URL conf × every role: who gets what.

The URL conf is walked recursively (UI, API, export, accounts, admin); every route must
have a row in ``EXPECT`` (admin routes through their model's row in ``ADMIN_MODELS``), so a
new URL fails ``test_every_url_pattern_is_classified`` until someone decides who may use it.

An outcome is ``ok`` (2xx, or a redirect that is not to a sign-in page), ``login`` (sent to
a sign-in page), or a status code. Requests go in as the browser sends them: a session
cookie, GET for pages and POST (with its form) for the workspace's writes.
"""

import re
from dataclasses import dataclass, field

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from annotator.models import Project, Span

ROLES = ["anonymous", "outsider", "alice", "bob", "reviewer", "manager", "root"]


@dataclass(frozen=True)
class Row:
    # One outcome per role, in ROLES order.
    expect: str
    method: str = "GET"
    data: dict = field(default_factory=dict)


#                      anonymous outsider alice bob  reviewer manager root
MEMBERS = Row("login     404      ok    ok    ok      ok      ok")
REVIEWERS = Row("login     404      403   403   ok      ok      ok")
MANAGERS = Row("login     404      403   403   403     ok      ok")
ANYONE = Row("ok        ok       ok    ok    ok      ok      ok")
SIGNED_IN = Row("login     ok       ok    ok    ok      ok      ok")
API_MEMBERS = Row("401       404      ok    ok    ok      ok      ok")
API_REVIEWERS = Row("401       404      403   403   ok      ok      ok")
API_SIGNED_IN = Row("401       ok       ok    ok    ok      ok      ok")
# The span is alice's: bob may not see it; reviewers see it but may not change it.
ALICES_SPAN_WRITE = "login     404      ok    404   403     403     403"
# Admin pages: only staff get in (here: manager, root); others are sent to its sign-in.
ADMIN_STAFF = Row("login     login    login login login   ok      ok")
ADMIN_SUPERUSER = Row("login     login    login login login   403     ok")


def span_form(s) -> dict:
    return {"start": s.free[0], "end": s.free[1], "label": s.person.pk}


EXPECT: dict[str, Row] = {
    # Sign-in and account pages (Django's own).
    "accounts/login/": ANYONE,
    # Sign-out is POST only (GET would let any page sign the user out).
    "accounts/logout/": Row("login     405      405   405   405     405     405"),
    "accounts/password_change/": SIGNED_IN,
    "accounts/password_change/done/": SIGNED_IN,
    "accounts/password_reset/": ANYONE,
    "accounts/password_reset/done/": ANYONE,
    "accounts/reset/<uidb64>/<token>/": ANYONE,
    "accounts/reset/done/": ANYONE,
    # Workspace and project pages.
    "": SIGNED_IN,
    "projects/<int:project_id>/": MEMBERS,
    "projects/<int:project_id>/guidelines/": MEMBERS,
    "projects/<int:project_id>/dashboard/": REVIEWERS,
    "projects/<int:project_id>/dashboard/consistency/": REVIEWERS,
    "projects/<int:project_id>/labels.css": MEMBERS,
    "projects/<int:project_id>/search/": MEMBERS,
    # Tagging every hit (as suggestions, by default) is a member's; a tag's part of the
    # page and its undo are its author's alone (the site has none: 404).
    "projects/<int:project_id>/search/tag/": Row(
        MEMBERS.expect, "POST", {"q": "artillery", "label": "WEAPONS"}
    ),
    # Relabelling or deleting the listed spans is a member's (without the confirmation box,
    # nothing starts: back to the page); an edit's part and its undo are its author's alone.
    "projects/<int:project_id>/search/edit/": Row(MEMBERS.expect, "POST", {"label": "WEAPONS"}),
    "projects/<int:project_id>/search/edit/<int:job_id>/": Row(
        "login     404      404   404   404     404     404"
    ),
    "projects/<int:project_id>/search/edit/<int:job_id>/undo/": Row(
        "login     404      404   404   404     404     404", "POST"
    ),
    "projects/<int:project_id>/search/tag/<int:job_id>/": Row(
        "login     404      404   404   404     404     404"
    ),
    "projects/<int:project_id>/search/tag/<int:job_id>/undo/": Row(
        "login     404      404   404   404     404     404", "POST"
    ),
    "projects/<int:project_id>/next/": MEMBERS,
    "projects/<int:project_id>/assign/": Row(
        MANAGERS.expect, "POST", {"user": "bob", "document": ["{document}"]}
    ),
    "projects/<int:project_id>/documents/<int:document_id>/": MEMBERS,
    "projects/<int:project_id>/documents/<int:document_id>/spans/": Row(
        MEMBERS.expect, "POST", {"start": "{free_start}", "end": "{free_end}", "label": "{person}"}
    ),
    "projects/<int:project_id>/documents/<int:document_id>/undo/": Row(
        "login     404      ok    ok    ok      ok      ok", "POST"
    ),
    "projects/<int:project_id>/documents/<int:document_id>/categories/": Row(
        MEMBERS.expect, "POST", {"label": "{topic}"}
    ),
    # Drawing a relation in the workspace (refused without its spans: back to the page);
    # deleting alice's relation: as her span.
    "projects/<int:project_id>/documents/<int:document_id>/relations/": Row(MEMBERS.expect, "POST"),
    "projects/<int:project_id>/relations/<int:relation_id>/delete/": Row(ALICES_SPAN_WRITE, "POST"),
    # Accepting alice's relation into gold (with its spans): reviewers and managers.
    "projects/<int:project_id>/relations/<int:relation_id>/accept/": Row(REVIEWERS.expect, "POST"),
    "projects/<int:project_id>/documents/<int:document_id>/complete/": Row(MEMBERS.expect, "POST"),
    "projects/<int:project_id>/documents/<int:document_id>/reopen/": Row(MEMBERS.expect, "POST"),
    "projects/<int:project_id>/documents/<int:document_id>/review/": REVIEWERS,
    "projects/<int:project_id>/documents/<int:document_id>/review/candidates/": REVIEWERS,
    "projects/<int:project_id>/documents/<int:document_id>/review/accept/": Row(
        REVIEWERS.expect, "POST", {"agreed": "majority"}
    ),
    "projects/<int:project_id>/documents/<int:document_id>/review/done/": Row(
        REVIEWERS.expect, "POST"
    ),
    "projects/<int:project_id>/documents/<int:document_id>/comments/": Row(
        MEMBERS.expect, "POST", {"body": "A note."}
    ),
    "projects/<int:project_id>/documents/<int:document_id>/history/": MANAGERS,
    "projects/<int:project_id>/spans/<int:span_id>/reject/": Row(
        REVIEWERS.expect, "POST", {"reason": "Not a weapon."}
    ),
    "projects/<int:project_id>/spans/<int:span_id>/label/": Row(
        ALICES_SPAN_WRITE, "POST", {"label": "{person}"}
    ),
    "projects/<int:project_id>/spans/<int:span_id>/delete/": Row(ALICES_SPAN_WRITE, "POST"),
    # Deciding suggestions in the workspace: each member for their own layer.
    "projects/<int:project_id>/suggestions/<int:suggestion_id>/accept/": Row(
        MEMBERS.expect, "POST"
    ),
    "projects/<int:project_id>/suggestions/<int:suggestion_id>/reject/": Row(
        MEMBERS.expect, "POST"
    ),
    "projects/<int:project_id>/documents/<int:document_id>/suggestions/": MEMBERS,
    # Suggested document labels and relations: as span suggestions.
    **{
        f"projects/<int:project_id>/{kind}-suggestions/<int:suggestion_id>/{verb}/": Row(
            MEMBERS.expect, "POST"
        )
        for kind in ("category", "relation")
        for verb in ("accept", "reject")
    },
    "projects/<int:project_id>/documents/<int:document_id>/suggestions/accept/": Row(
        MEMBERS.expect, "POST", {"source": "import"}
    ),
    # The managers' pages (annotator/manager_views.py). Creating a project: staff (and
    # whoever is given ``annotator.add_project``); the preview renders what it is sent.
    "projects/new/": Row("login     403      403   403   403     ok      ok"),
    "projects/preview/": Row(SIGNED_IN.expect, "POST", {"guidelines": "# Tag *weapons*"}),
    "projects/<int:project_id>/settings/": MANAGERS,
    "projects/<int:project_id>/labels/": MANAGERS,
    "projects/<int:project_id>/labels/<int:label_id>/": Row(
        MANAGERS.expect,
        "POST",
        {
            "label-{weapons}-name": "ARMS",
            "label-{weapons}-color": "#dd2200",
            "label-{weapons}-shortcut": "1",
        },
    ),
    "projects/<int:project_id>/labels/<int:label_id>/move/": Row(
        MANAGERS.expect, "POST", {"direction": "down"}
    ),
    "projects/<int:project_id>/labels/<int:label_id>/delete/": Row(
        MANAGERS.expect, "POST", {"delete-{weapons}-into": "{person}"}
    ),
    "projects/<int:project_id>/labels/merges/<int:merge_id>/undo/": Row(MANAGERS.expect, "POST"),
    "projects/<int:project_id>/labels/relation-types/": Row(
        MANAGERS.expect, "POST", {"rel-name": "MEETS", "rel-directed": "on"}
    ),
    "projects/<int:project_id>/labels/relation-types/<int:relation_type_id>/delete/": Row(
        MANAGERS.expect, "POST"
    ),
    "projects/<int:project_id>/members/": MANAGERS,
    "projects/<int:project_id>/members/suggest/": MANAGERS,
    "projects/<int:project_id>/members/<int:member_id>/": Row(
        MANAGERS.expect, "POST", {"member-{member}-role": "reviewer"}
    ),
    "projects/<int:project_id>/members/<int:member_id>/remove/": Row(MANAGERS.expect, "POST"),
    # Import: the page, and the page of an import running as a job (polled by htmx).
    "projects/<int:project_id>/import/": MANAGERS,
    "projects/<int:project_id>/import/jobs/<int:job_id>/": MANAGERS,
    # Rules: the page (adding a set), applying and deleting one, an application's progress.
    "projects/<int:project_id>/rules/": MANAGERS,
    "projects/<int:project_id>/rules/<int:rule_set_id>/apply/": Row(MANAGERS.expect, "POST"),
    "projects/<int:project_id>/rules/<int:rule_set_id>/delete/": Row(MANAGERS.expect, "POST"),
    "projects/<int:project_id>/rules/jobs/<int:job_id>/": MANAGERS,
    # Models: reviewers and managers read the page; managers train (nothing reviewed here:
    # refused, back to the page) and run a model.
    "projects/<int:project_id>/models/": REVIEWERS,
    "projects/<int:project_id>/models/train/": Row(MANAGERS.expect, "POST"),
    "projects/<int:project_id>/models/<int:model_id>/suggest/": Row(MANAGERS.expect, "POST"),
    # Export: the page and download (UI), the API's file and card. Annotators may export
    # their own layer only, and the default layer is "all".
    "projects/<int:project_id>/export/": MEMBERS,
    "projects/<int:project_id>/export/download/": REVIEWERS,
    "projects/<int:project_id>/export/notice/": MEMBERS,
    "api/projects/<int:project_id>/export/": Row("403 404 403 403 ok ok ok"),
    "api/projects/<int:project_id>/export/card/": Row("403 404 403 403 ok ok ok"),
    # REST API.
    "api/^projects/$": API_SIGNED_IN,
    "api/^projects/(?P<pk>[0-9]+)/$": API_MEMBERS,
    "api/^projects/(?P<pk>[0-9]+)/agreement/$": API_REVIEWERS,
    "api/^projects/(?P<pk>[0-9]+)/next/$": API_MEMBERS,
    "api/^projects/(?P<project_pk>[0-9]+)/labels/$": API_MEMBERS,
    "api/^projects/(?P<project_pk>[0-9]+)/labels/(?P<pk>[0-9]+)/$": API_MEMBERS,
    "api/^projects/(?P<project_pk>[0-9]+)/members/$": API_MEMBERS,
    "api/^projects/(?P<project_pk>[0-9]+)/members/(?P<username>[^/]+)/$": API_MEMBERS,
    "api/^projects/(?P<project_pk>[0-9]+)/documents/$": API_MEMBERS,
    "api/^projects/(?P<project_pk>[0-9]+)/documents/(?P<pk>[0-9]+)/$": API_MEMBERS,
    "api/^projects/(?P<project_pk>[0-9]+)/documents/(?P<pk>[0-9]+)/complete/$": Row(
        API_MEMBERS.expect, "POST"
    ),
    "api/^projects/(?P<project_pk>[0-9]+)/documents/(?P<document_pk>[0-9]+)/spans/$": (API_MEMBERS),
    "api/^spans/(?P<pk>[0-9]+)/$": Row("401       404      ok    404   ok      ok      ok"),
    # Document labels given to documents: the same layers as spans (alice's category).
    "api/^projects/(?P<project_pk>[0-9]+)/documents/(?P<document_pk>[0-9]+)/categories/$": (
        API_MEMBERS
    ),
    "api/^categories/(?P<pk>[0-9]+)/$": Row("401       404      ok    404   ok      ok      ok"),
    # Relations: the same layers as spans (alice's relation); types: members read them.
    "api/^projects/(?P<project_pk>[0-9]+)/relation-types/$": API_MEMBERS,
    "api/^projects/(?P<project_pk>[0-9]+)/relation-types/(?P<pk>[0-9]+)/$": API_MEMBERS,
    "api/^projects/(?P<project_pk>[0-9]+)/documents/(?P<document_pk>[0-9]+)/relations/$": (
        API_MEMBERS
    ),
    "api/^relations/(?P<pk>[0-9]+)/$": Row("401       404      ok    404   ok      ok      ok"),
    # Jobs: members of the job's project (and whoever started it); imports: managers.
    "api/^jobs/(?P<pk>[0-9]+)/$": API_MEMBERS,
    "api/^projects/(?P<project_pk>[0-9]+)/imports/$": Row(
        "401       404      403   403   403     ok      ok", "POST", {"files": "{file}"}
    ),
    # Suggestions: members decide for their own layer; rule sets: managers; stats: reviewers.
    "api/^projects/(?P<project_pk>[0-9]+)/documents/(?P<document_pk>[0-9]+)/suggestions/$": (
        API_MEMBERS
    ),
    "api/^projects/(?P<project_pk>[0-9]+)/documents/(?P<document_pk>[0-9]+)/suggestions/"
    # POST only (its JSON body is tested in tests/api/test_roles.py).
    "accept/$": Row("401       404      405   405   405     405     405"),
    "api/^suggestions/(?P<pk>[0-9]+)/accept/$": Row(API_MEMBERS.expect, "POST"),
    "api/^suggestions/(?P<pk>[0-9]+)/reject/$": Row(API_MEMBERS.expect, "POST"),
    "api/^projects/(?P<project_pk>[0-9]+)/suggestions/stats/$": API_REVIEWERS,
    # Suggested document labels and relations: as span suggestions.
    **{
        f"api/^projects/(?P<project_pk>[0-9]+)/documents/(?P<document_pk>[0-9]+)/{kind}-"
        "suggestions/$": API_MEMBERS
        for kind in ("category", "relation")
    },
    **{
        f"api/^{kind}-suggestions/(?P<pk>[0-9]+)/{verb}/$": Row(API_MEMBERS.expect, "POST")
        for kind in ("category", "relation")
        for verb in ("accept", "reject")
    },
    "api/^projects/(?P<project_pk>[0-9]+)/documents/(?P<document_pk>[0-9]+)/reviewed/$": Row(
        API_REVIEWERS.expect, "POST"
    ),
    # alice's relation into gold: bob may not see it, alice may not accept it.
    "api/^relations/(?P<pk>[0-9]+)/accept/$": Row(
        "401       404      403   404   ok      ok      ok", "POST"
    ),
    "api/^projects/(?P<project_pk>[0-9]+)/rules/$": API_MEMBERS,
    # A rule set is read in the list; its own URL only deletes (managers).
    "api/^projects/(?P<project_pk>[0-9]+)/rules/(?P<pk>[0-9]+)/$": Row(
        "401       404      403   403   403     405     405"
    ),
    "api/^projects/(?P<project_pk>[0-9]+)/rules/(?P<pk>[0-9]+)/apply/$": Row(
        "401       404      403   403   403     ok      ok", "POST"
    ),
    # Models: reviewers and managers read them (their errors show gold); managers train
    # them (POST on the list; refused here as nothing is reviewed) and run them.
    "api/^projects/(?P<project_pk>[0-9]+)/models/$": API_REVIEWERS,
    "api/^projects/(?P<project_pk>[0-9]+)/models/(?P<pk>[0-9]+)/$": API_REVIEWERS,
    "api/^projects/(?P<project_pk>[0-9]+)/models/(?P<pk>[0-9]+)/suggest/$": Row(
        "401       404      403   403   403     ok      ok", "POST"
    ),
    # Without a phrase or a label: a 400 naming q (tests/search checks the answers).
    "api/^projects/(?P<project_pk>[0-9]+)/search/$": Row("401 404 400 400 400 400 400"),
    # POST only; an empty body is a 400 naming q (tests/search/test_tag.py checks the rest).
    "api/^projects/(?P<project_pk>[0-9]+)/search/tag/$": Row(
        "401       404      400   400   400     400     400", "POST"
    ),
    # No such tag of theirs (the site has none): 404 for everyone signed in.
    "api/^projects/(?P<project_pk>[0-9]+)/search/tag/(?P<job_pk>[0-9]+)/undo/$": Row(
        "401       404      404   404   404     404     404", "POST"
    ),
    # POST only; an empty body lists nothing: a 400 naming q (tests/search/test_edit.py).
    "api/^projects/(?P<project_pk>[0-9]+)/search/relabel/$": Row(
        "401       404      400   400   400     400     400", "POST"
    ),
    "api/^projects/(?P<project_pk>[0-9]+)/search/delete/$": Row(
        "401       404      400   400   400     400     400", "POST"
    ),
    # No such edit of theirs (the site has none): 404 for everyone signed in.
    "api/^projects/(?P<project_pk>[0-9]+)/search/edit/(?P<job_pk>[0-9]+)/undo/$": Row(
        "401       404      404   404   404     404     404", "POST"
    ),
    "api/^projects/(?P<project_pk>[0-9]+)/consistency/$": API_REVIEWERS,
    "api/auth/token/": Row("405       405      405   405   405     405     405"),
    "api/schema/": ANYONE,
    "api/docs/": ANYONE,
    "api/": ANYONE,
    # Any other path under /api/: a JSON 404, for everyone.
    "api/^.*$": Row("404       404      404   404   404     404     404"),
    # The admin's own pages.
    "admin/": ADMIN_STAFF,
    "admin/login/": ANYONE,
    # Non-staff are sent on to the admin's index (and from there to its sign-in).
    "admin/logout/": Row("login     ok       ok    ok    ok      405     405"),
    "admin/password_change/": ADMIN_STAFF,
    "admin/password_change/done/": ADMIN_STAFF,
    "admin/autocomplete/": Row("login     login    login login login   403     403"),
    "admin/jsi18n/": ADMIN_STAFF,
    "admin/r/<path:content_type_id>/<path:object_id>/": Row(
        "login     login    login login login   404     404"
    ),
    "admin/^(?P<app_label>auth|authtoken|axes|django_tasks_database|annotator|corpus)/$": (
        ADMIN_STAFF
    ),
    "admin/(?P<url>.*)$": Row("login     login    login login login   404     404"),
}

# Admin routes per model: changelist, add, change, history, delete, and the bare object URL
# (a redirect to change). Each model's row gives the outcome of each route for the manager
# (staff, manager of the project, no Django model permissions: Margin's admin grants by
# project role) and for the superuser; everyone else is sent to the admin's sign-in.
ADMIN_ROUTES = ["", "add/", "<path:object_id>/change/", "<path:object_id>/history/"]
ADMIN_ROUTES += ["<path:object_id>/delete/", "<path:object_id>/"]
#                  list add  change history delete bare
NOT_FOR_MANAGERS = "403  403  403    403     403    ok"
READ_ONLY_FOR_ALL = "ok   403  ok     ok      403    ok"
ADMIN_MODELS: dict[str, tuple[str, str]] = {
    # model: (manager, superuser)
    "auth/group": (NOT_FOR_MANAGERS, "ok ok ok ok ok ok"),
    "auth/user": (NOT_FOR_MANAGERS, "ok ok ok ok ok ok"),
    "authtoken/tokenproxy": (NOT_FOR_MANAGERS, "ok ok ok ok ok ok"),
    # django-axes keeps its records read-only.
    "axes/accessattempt": (NOT_FOR_MANAGERS, "ok 403 ok ok ok ok"),
    "axes/accesslog": (NOT_FOR_MANAGERS, "ok 403 ok ok ok ok"),
    "axes/accessfailurelog": (NOT_FOR_MANAGERS, "ok 403 ok ok ok ok"),
    "annotator/project": ("ok ok ok ok ok ok", "ok ok ok ok ok ok"),
    "annotator/label": ("ok ok ok ok ok ok", "ok ok ok ok ok ok"),
    "annotator/membership": ("ok ok ok ok ok ok", "ok ok ok ok ok ok"),
    # Claims on places: made by the services (queue, first tag, assignment), read here.
    "annotator/documentstatus": ("ok 403 ok ok ok ok", "ok 403 ok ok ok ok"),
    # Spans are read in the admin, never added, edited or deleted there: a layer is changed
    # only by its annotator; managers restore from the history (DESIGN.md "Who changes a
    # layer"), and superusers keep to the same table.
    "annotator/span": (READ_ONLY_FOR_ALL, READ_ONLY_FOR_ALL),
    # The history is written by the services only, and never rewritten.
    "annotator/spanevent": (READ_ONLY_FOR_ALL, READ_ONLY_FOR_ALL),
    # Document labels given and relations drawn are layers, read here as spans are;
    # suggestions, their decisions, rule sets and trained models too (their own pages and
    # jobs write them). Relation types are a manager's, as labels are.
    "annotator/category": (READ_ONLY_FOR_ALL, READ_ONLY_FOR_ALL),
    "annotator/relation": (READ_ONLY_FOR_ALL, READ_ONLY_FOR_ALL),
    "annotator/relationtype": ("ok ok ok ok ok ok", "ok ok ok ok ok ok"),
    "annotator/suggestion": (READ_ONLY_FOR_ALL, READ_ONLY_FOR_ALL),
    "annotator/suggestiondecision": (READ_ONLY_FOR_ALL, READ_ONLY_FOR_ALL),
    "annotator/ruleset": (READ_ONLY_FOR_ALL, READ_ONLY_FOR_ALL),
    "annotator/nermodel": (READ_ONLY_FOR_ALL, READ_ONLY_FOR_ALL),
    # Documents: managers read them; only superusers add, change or delete.
    "corpus/document": (READ_ONLY_FOR_ALL, "ok ok ok ok ok ok"),
    # The task queue's records (django-tasks-db): superusers read them (tracebacks).
    "django_tasks_database/dbtaskresult": (NOT_FOR_MANAGERS, READ_ONLY_FOR_ALL),
}
for model, (manager, root) in ADMIN_MODELS.items():
    for route, for_manager, for_root in zip(
        ADMIN_ROUTES, manager.split(), root.split(), strict=True
    ):
        EXPECT[f"admin/{model}/{route}"] = Row(
            f"login login login login login {for_manager} {for_root}"
        )
EXPECT["admin/annotator/project/<int:project_id>/import/"] = ADMIN_STAFF
EXPECT["admin/auth/user/<id>/password/"] = ADMIN_SUPERUSER


def routes(patterns=None, prefix: str = "") -> list[str]:
    """Every route in the URL conf, as the concatenated pattern strings."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            found += routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            assert isinstance(pattern, URLPattern)
            found.append(prefix + str(pattern.pattern))
    return found


def test_every_url_pattern_is_classified():
    found = routes()
    assert len(found) == len(set(found))
    assert set(found) - set(EXPECT) == set(), "classify the new URLs in EXPECT"
    assert set(EXPECT) - set(found) == set(), "these rows name URLs that no longer exist"


def url_for(route: str, s: dict, *, ids: int | None = None) -> str:
    """The route with its arguments filled in with the site's real ids (or every id
    replaced by ``ids``)."""
    project, document = s["project"], s["document"]
    if route.startswith("admin/"):
        model = next((m for m in ADMIN_MODELS if route.startswith(f"admin/{m}/")), None)
        obj = s["objects"].get(model)
        content_type = ContentType.objects.get_for_model(Project)
        values = {
            "object_id": obj.pk if obj is not None else "",
            "content_type_id": content_type.pk,
            "app_label": "annotator",
            "url": "nowhere/",
            "project_id": project.pk,
            "id": s["objects"]["auth/user"].pk,
        }
    else:
        pk = project.pk
        if "/labels/" in route:
            pk = s["weapons"].pk
        elif "/documents/" in route:
            pk = document.pk
        elif route.startswith("api/^spans/"):
            pk = s["span"].pk
        elif route.startswith("api/^categories/"):
            pk = s["category"].pk
        elif route.startswith("api/^relations/"):
            pk = s["relation"].pk
        elif "/relation-types/" in route:
            pk = s["relation_type"].pk
        elif route.startswith("api/^jobs/"):
            pk = s["job"].pk
        elif route.startswith("api/^suggestions/"):
            pk = s["suggestion"].pk
        elif route.startswith("api/^category-suggestions/"):
            pk = s["category_suggestion"].pk
        elif route.startswith("api/^relation-suggestions/"):
            pk = s["relation_suggestion"].pk
        elif "/rules/" in route:
            pk = s["rules"].pk
        elif "/models/" in route:
            pk = s["model"].pk
        values = {
            "project_id": project.pk,
            "project_pk": project.pk,
            "document_id": document.pk,
            "document_pk": document.pk,
            "span_id": s["span"].pk,
            "suggestion_id": s["suggestion"].pk,
            "label_id": s["weapons"].pk,
            "member_id": s["member"].pk,
            "merge_id": s["merge"].pk,
            "job_id": s["rules_job" if "/rules/jobs/" in route else "job"].pk,
            "rule_set_id": s["rules"].pk,
            "model_id": s["model"].pk,
            "job_pk": s["job"].pk,
            "relation_type_id": s["relation_type"].pk,
            "relation_id": s["relation"].pk,
            "pk": pk,
            "username": "alice",
            "uidb64": "MQ",
            "token": "set-password",
        }
        for kind in ("category", "relation"):
            if f"{kind}-suggestions/" in route:
                values["suggestion_id"] = values["pk"] = s[f"{kind}_suggestion"].pk
    if ids is not None:
        values = {key: ids if isinstance(value, int) else value for key, value in values.items()}
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), path)
    return "/" + path.replace("^", "").replace("$", "")


def form(row: Row, s: dict) -> dict:
    filled = {
        "{document}": s["document"].pk,
        "{person}": s["person"].pk,
        "{topic}": s["topic"].pk,
        "{free_start}": s["free"][0],
        "{free_end}": s["free"][1],
    }
    if row.data.get("files") == "{file}":  # a fresh file for each request
        filled["{file}"] = SimpleUploadedFile("a.txt", b"A document.")

    def fill(value):
        if isinstance(value, list):
            return [fill(v) for v in value]
        return filled.get(value, value)

    def fill_key(key: str) -> str:
        # Forms with a prefix per row name the row's object in their field names.
        return key.replace("{weapons}", str(s["weapons"].pk)).replace(
            "{member}", str(s["member"].pk)
        )

    return {fill_key(key): fill(value) for key, value in row.data.items()}


def outcome(response) -> str:
    location = response.get("Location", "")
    if response.status_code in (301, 302, 303) and "/login/" in location:
        return "login"
    if 200 <= response.status_code < 400:
        return "ok"
    return str(response.status_code)


CASES = [(route, role) for route in sorted(EXPECT) for role in ROLES]


@pytest.mark.parametrize(("route", "role"), CASES, ids=[f"{r} {u}" for r, u in CASES])
def test_who_gets_what(client, site, people, route, role):
    row = EXPECT[route]
    if role != "anonymous":
        client.force_login(people[role])
    url = url_for(route, site)
    response = client.post(url, form(row, site)) if row.method == "POST" else client.get(url)
    expected = row.expect.split()[ROLES.index(role)]
    assert outcome(response) == expected, f"{row.method} {url} as {role}: {response.status_code}"


def test_spans_outside_the_project_are_not_found_through_it(client, site, people):
    """A member of another project cannot reach alice's span by naming that project."""
    client.force_login(people["outsider"])
    other, span = site["other"], site["span"]
    for action in ["label", "delete", "reject"]:
        response = client.post(f"/projects/{other.pk}/spans/{span.pk}/{action}/")
        assert response.status_code == 404
    assert Span.objects.filter(pk=span.pk, label=site["weapons"]).exists()


@pytest.mark.parametrize("role", ["root", "alice"])
def test_ids_past_the_databases_range_are_not_found(client, site, people, role):
    """An id beyond 64 bits in any URL is "not found" (or a redirect), as the ORM answers
    it, never a 500: the hand-written statements (``annotator.sql``) check it first."""
    client.force_login(people[role])
    huge = 2**70
    for route, row in sorted(EXPECT.items()):
        url = url_for(route, site, ids=huge)
        if str(huge) not in url:
            continue
        response = client.post(url, form(row, site)) if row.method == "POST" else client.get(url)
        assert response.status_code in {302, 403, 404, 405}, f"{row.method} {url}: {response}"


def _outcome_of(status: int) -> str:
    return "ok" if 200 <= status < 400 else str(status)


def test_this_walk_and_the_api_table_say_the_same_of_the_same_request():
    """``tests/api/test_roles.py`` checks every API method in depth, this walk every route;
    where both speak of one request they must agree (two tables once gave a manager opposite
    answers for editing an analyst's span). The roles are the same seven, in one order."""
    from annotator.api import urls as api_urls
    from tests.api import test_roles

    assert test_roles.ROLES == ROLES
    compared = 0
    for pattern in api_urls.urlpatterns:
        route = f"api/{pattern.pattern}"
        row = EXPECT[route]
        for case in test_roles.CASES:
            if case.name != pattern.name or case.query or case.note:
                continue  # another request (a filter, gold's span instead of alice's)
            if case.method != row.method and case.name != "span-detail":
                continue
            if case.method == row.method:
                expected = row.expect.split()
            else:
                # The workspace's writes to alice's span, as the API's PATCH and DELETE.
                expected = ["401", *ALICES_SPAN_WRITE.split()[1:]]
            got = [_outcome_of(case.status_for(role)) for role in ROLES]
            assert got == expected, f"{case.id}: {got} here, {expected} in the walk"
            compared += 1
    assert compared >= 15
