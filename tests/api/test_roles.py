"""Every endpoint × every role: the status code, and that nothing leaked or changed.

The table is checked against the API's URL patterns, so a new endpoint (or a new method
on an old one) fails ``test_every_endpoint_is_in_the_table`` until it has a row here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from annotator.api import urls as api
from annotator.categories import Category
from annotator.jobs import Job
from annotator.label_suggestions import (
    CategorySuggestion,
    CategorySuggestionDecision,
    RelationSuggestion,
    RelationSuggestionDecision,
)
from annotator.models import (
    DocumentStatus,
    Label,
    LabelKind,
    Membership,
    Project,
    Review,
    SearchEdit,
    SearchTag,
    Span,
)
from annotator.ner_models import NerModel
from annotator.relations import Relation, RelationType
from annotator.suggestions import RuleSet, Suggestion, SuggestionDecision
from corpus.models import Document
from tests.api.conftest import ROLES


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    # The expected status for each of ROLES, in order.
    expect: str
    kwargs: Callable[[Any], dict] = lambda world: {}
    body: Any = None
    query: str = ""
    note: str = ""

    @property
    def id(self) -> str:
        extra = f"?{self.query}" if self.query else ""
        return f"{self.method} {self.name}{extra}{' ' + self.note if self.note else ''}"

    def status_for(self, role: str) -> int:
        return int(self.expect.split()[ROLES.index(role)])


def project(w) -> dict:
    return {"project_pk": w.project.pk}


def document(w) -> dict:
    return {"project_pk": w.project.pk, "pk": w.document.pk}


def spans(w) -> dict:
    return {"project_pk": w.project.pk, "document_pk": w.document.pk}


def spare_label(w) -> dict:
    return {"project_pk": w.project.pk, "pk": w.spare.pk}


def bob_member(w) -> dict:
    return {"project_pk": w.project.pk, "username": "bob"}


def alice_span(w) -> dict:
    return {"pk": w.spans["alice"].pk}


def gold_span(w) -> dict:
    return {"pk": w.spans["gold"].pk}


def topic(w) -> Label:
    """A document label of the project (made on first use)."""
    label, _ = Label.objects.get_or_create(
        project=w.project, name="TOPIC", defaults={"kind": LabelKind.DOCUMENT, "order": 30}
    )
    return label


def categories(w) -> dict:
    topic(w)
    return spans(w)


def alice_category(w) -> dict:
    """Alice's category TOPIC on the document."""
    category, _ = Category.objects.get_or_create(
        project=w.project, document=w.document, label=topic(w), annotator=w.people["alice"]
    )
    return {"pk": category.pk}


def relation_type(w) -> RelationType:
    found, _ = RelationType.objects.get_or_create(project=w.project, name="SUPPLIES")
    return found


def relation_types(w) -> dict:
    relation_type(w)
    return project(w)


def relation_type_detail(w) -> dict:
    return {"project_pk": w.project.pk, "pk": relation_type(w).pk}


def alice_hi(w) -> Span:
    """Alice's PERSON span "Hi" (made on first use), to relate to her other span."""
    found, _ = Span.objects.get_or_create(
        project=w.project,
        document=w.document,
        annotator=w.people["alice"],
        gold=False,
        start=0,
        end=2,
        defaults={"label": w.project.labels.get(name="PERSON")},
    )
    return found


def alice_relation(w) -> dict:
    found, _ = Relation.objects.get_or_create(
        project=w.project,
        document=w.document,
        type=relation_type(w),
        source=alice_hi(w),
        target=w.spans["alice"],
        annotator=w.people["alice"],
    )
    return {"pk": found.pk}


def gold_relation_body(w) -> dict:
    """A SUPPLIES relation between a gold PERSON span "Hi" (made on first use) and the gold
    span."""
    hi, _ = Span.objects.get_or_create(
        project=w.project,
        document=w.document,
        gold=True,
        start=0,
        end=2,
        defaults={"label": w.project.labels.get(name="PERSON"), "annotator": w.people["reviewer"]},
    )
    relation_type(w)
    return {"type": "SUPPLIES", "source": hi.pk, "target": w.spans["gold"].pk}


def suggested(w) -> Suggestion:
    """A suggestion on "arrived", where nobody has a span."""
    start = w.document.text.index("arrived")
    return Suggestion.objects.create(
        project=w.project,
        document=w.document,
        label=w.spare,
        start=start,
        end=start + 7,
        source="import",
    )


def suggestion(w) -> dict:
    return {"pk": suggested(w).pk}


def suggestions(w) -> dict:
    suggested(w)
    return spans(w)


def category_suggestion(w) -> dict:
    """A suggested document label (TOPIC) on the document."""
    topic, _ = Label.objects.get_or_create(project=w.project, name="TOPIC", kind="document")
    made = CategorySuggestion.objects.create(
        project=w.project, document=w.document, label=topic, source="import"
    )
    return {"pk": made.pk}


def relation_suggestion(w) -> dict:
    """A suggested relation from a suggestion on "Hi" to one on "arrived" (nobody has a
    span on either)."""
    hi = Suggestion.objects.create(
        project=w.project, document=w.document, label=w.spare, start=0, end=2, source="import"
    )
    made = RelationSuggestion.objects.create(
        project=w.project,
        document=w.document,
        type=relation_type(w),
        from_suggestion=hi,
        to_suggestion=suggested(w),
        source="import",
    )
    return {"pk": made.pk}


def rule_set(w) -> dict:
    made = RuleSet.objects.create(
        project=w.project, name="guns", patterns=[{"label": "WEAPONS", "pattern": "shells"}]
    )
    return {"project_pk": w.project.pk, "pk": made.pk}


def reviewed(w) -> dict:
    """The project, with its document reviewed: a model has gold to learn from."""
    Review.objects.get_or_create(
        project=w.project, document=w.document, defaults={"reviewer": w.people["reviewer"]}
    )
    return project(w)


def reviewed_document(w) -> dict:
    """The document, reviewed: its mark can be taken back."""
    reviewed(w)
    return spans(w)


def ready_model(w) -> dict:
    made = NerModel.objects.create(project=w.project, version=1, status="ready", data=b"-")
    return {"project_pk": w.project.pk, "pk": made.pk}


NEW_RULES = {"name": "guns", "patterns": [{"label": "WEAPONS", "pattern": "artillery"}]}


def queued_job(w) -> Job:
    return Job.objects.create(project=w.project, kind="import", created_by=w.people["manager"])


def alices_tag(w) -> dict:
    """A finished search tag of alice's that suggested one place: hers to undo."""
    job = Job.objects.create(
        project=w.project, kind="search_tag", status="done", created_by=w.people["alice"]
    )
    SearchTag.objects.create(
        project=w.project,
        job=job,
        user=w.people["alice"],
        q="artillery",
        label_pk=w.spare.pk,
        label_name=w.spare.name,
        suggestions=[suggested(w).pk],
    )
    return {"project_pk": w.project.pk, "job_pk": job.pk}


def alices_edit(w) -> dict:
    """A finished relabel of alice's that changed nothing: hers to undo."""
    job = Job.objects.create(
        project=w.project, kind="search_edit", status="done", created_by=w.people["alice"]
    )
    SearchEdit.objects.create(
        project=w.project, job=job, user=w.people["alice"], kind="delete", filters={}
    )
    return {"project_pk": w.project.pk, "job_pk": job.pk}


TAG = {"q": "artillery", "label": "SPARE"}
RELABEL = {"label": "PERSON", "to": "SPARE"}
NEW_SPAN = {"start": 0, "end": 2, "label": "PERSON"}
#              anonymous outsider alice bob reviewer manager root
EVERYONE = "       401      404    200   200   200     200   200"
CASES = [
    Case("project-list", "GET", "401 200 200 200 200 200 200"),
    Case("project-list", "POST", "401 403 403 403 403 201 201", body={"name": "New"}),
    Case("project-detail", "GET", EVERYONE, lambda w: {"pk": w.project.pk}),
    Case(
        "project-detail",
        "PATCH",
        "401 404 403 403 403 200 200",
        lambda w: {"pk": w.project.pk},
        {"propagate": "document"},
    ),
    Case("project-next", "GET", EVERYONE, lambda w: {"pk": w.project.pk}),
    Case("project-agreement", "GET", "401 404 403 403 200 200 200", lambda w: {"pk": w.project.pk}),
    Case("label-list", "GET", EVERYONE, project),
    Case("label-list", "POST", "401 404 403 403 403 201 201", project, body={"name": "NEW"}),
    Case("label-detail", "GET", EVERYONE, spare_label),
    Case("label-detail", "PATCH", "401 404 403 403 403 200 200", spare_label, {"color": "#123456"}),
    Case("label-detail", "DELETE", "401 404 403 403 403 204 204", spare_label),
    Case("member-list", "GET", EVERYONE, project),
    Case(
        "member-list",
        "POST",
        "401 404 403 403 403 201 201",
        project,
        body={"username": "outsider", "role": "annotator"},
    ),
    Case("member-detail", "GET", EVERYONE, bob_member),
    Case("member-detail", "PATCH", "401 404 403 403 403 200 200", bob_member, {"role": "reviewer"}),
    Case("member-detail", "DELETE", "401 404 403 403 403 204 204", bob_member),
    Case("document-list", "GET", EVERYONE, project),
    Case("document-list", "POST", "401 404 403 403 403 201 201", project, {"text": "New text."}),
    Case("document-detail", "GET", EVERYONE, document),
    Case("document-complete", "POST", EVERYONE, document),
    Case("document-complete", "DELETE", EVERYONE, document),
    Case("spans-list", "GET", EVERYONE, spans),
    Case("spans-list", "GET", "401 404 200 403 200 200 200", spans, query="annotator=alice"),
    Case("spans-list", "GET", "401 404 403 403 200 200 200", spans, query="annotator=all"),
    Case("spans-list", "GET", "401 404 403 403 200 200 200", spans, query="layer=gold"),
    Case("spans-list", "POST", "401 404 201 201 201 201 201", spans, NEW_SPAN),
    Case("spans-list", "POST", "401 404 403 403 201 201 201", spans, NEW_SPAN, "layer=gold"),
    Case("span-detail", "GET", "401 404 200 404 200 200 200", alice_span),
    # An annotator's layer is changed by that annotator alone (DESIGN.md, "Who changes a
    # layer"): reviewers and managers read it; managers restore from the history.
    Case("span-detail", "PATCH", "401 404 200 404 403 403 403", alice_span, {"label": "PERSON"}),
    Case("span-detail", "DELETE", "401 404 204 404 403 403 403", alice_span),
    Case("span-detail", "GET", "401 404 404 404 200 200 200", gold_span, note="gold"),
    Case(
        "span-detail", "PATCH", "401 404 404 404 200 200 200", gold_span, {"end": 40}, note="gold"
    ),
    Case("span-detail", "DELETE", "401 404 404 404 204 204 204", gold_span, note="gold"),
    # Document labels given to documents: the same layers as spans.
    Case("categories-list", "GET", EVERYONE, categories),
    Case(
        "categories-list", "GET", "401 404 200 403 200 200 200", categories, query="annotator=alice"
    ),
    Case("categories-list", "GET", "401 404 403 403 200 200 200", categories, query="layer=gold"),
    Case("categories-list", "POST", "401 404 201 201 201 201 201", categories, {"label": "TOPIC"}),
    Case(
        "categories-list",
        "POST",
        "401 404 403 403 201 201 201",
        categories,
        {"label": "TOPIC"},
        "layer=gold",
    ),
    Case("category-detail", "GET", "401 404 200 404 200 200 200", alice_category),
    Case("category-detail", "DELETE", "401 404 204 404 403 403 403", alice_category),
    # Relations: the same layers as spans; relation types: managers change them.
    Case("relation-type-list", "GET", EVERYONE, relation_types),
    Case("relation-type-list", "POST", "401 404 403 403 403 201 201", project, {"name": "MEETS"}),
    Case("relation-type-detail", "GET", EVERYONE, relation_type_detail),
    Case("relation-type-detail", "DELETE", "401 404 403 403 403 204 204", relation_type_detail),
    Case("relations-list", "GET", EVERYONE, spans),
    Case("relations-list", "GET", "401 404 403 403 200 200 200", spans, query="annotator=all"),
    Case("relations-list", "GET", "401 404 403 403 200 200 200", spans, query="layer=gold"),
    Case(
        "relations-list",
        "POST",
        "401 404 403 403 201 201 201",
        spans,
        gold_relation_body,
        "layer=gold",
    ),
    Case("relation-detail", "GET", "401 404 200 404 200 200 200", alice_relation),
    Case("relation-detail", "DELETE", "401 404 204 404 403 403 403", alice_relation),
    Case("relation-accept", "POST", "401 404 403 404 201 201 201", alice_relation),
    Case(
        "token",
        "POST",
        "200 200 200 200 200 200 200",
        body={"username": "alice", "password": "pw-alice-123"},
    ),
    # Jobs: members of the job's project read it. File imports take multipart files (the
    # multipart request is tests/jobs/test_api.py's): a JSON body is 415, after the roles.
    Case("job-detail", "GET", EVERYONE, lambda w: {"pk": queued_job(w).pk}),
    Case("imports", "POST", "401 404 403 403 403 415 415", project, {"files": []}, note="json"),
    # Suggestions: every member decides for their own layer; gold is for reviewers.
    Case("document-suggestions", "GET", EVERYONE, suggestions),
    Case("document-suggestions", "GET", "401 404 403 403 200 200 200", suggestions, query="all=1"),
    Case(
        "document-suggestions",
        "GET",
        "401 404 403 403 200 200 200",
        suggestions,
        query="layer=gold",
    ),
    Case(
        "document-suggestions-accept",
        "POST",
        "401 404 201 201 201 201 201",
        suggestions,
        {"source": "import"},
    ),
    Case("suggestion-accept", "POST", "401 404 201 201 201 201 201", suggestion),
    Case(
        "suggestion-accept", "POST", "401 404 403 403 201 201 201", suggestion, query="layer=gold"
    ),
    Case("suggestion-reject", "POST", "401 404 204 204 204 204 204", suggestion),
    Case("suggestion-stats", "GET", "401 404 403 403 200 200 200", project),
    # Suggested document labels and relations: as span suggestions.
    *(
        Case(name, "GET", expect, suggestions, query=query)
        for name in ("document-category-suggestions", "document-relation-suggestions")
        for expect, query in (
            (EVERYONE, ""),
            ("401 404 403 403 200 200 200", "all=1"),
            ("401 404 403 403 200 200 200", "layer=gold"),
        )
    ),
    Case("category-suggestion-accept", "POST", "401 404 201 201 201 201 201", category_suggestion),
    Case(
        "category-suggestion-accept",
        "POST",
        "401 404 403 403 201 201 201",
        category_suggestion,
        query="layer=gold",
    ),
    Case("category-suggestion-reject", "POST", "401 404 204 204 204 204 204", category_suggestion),
    Case("relation-suggestion-accept", "POST", "401 404 201 201 201 201 201", relation_suggestion),
    Case(
        "relation-suggestion-accept",
        "POST",
        "401 404 403 403 201 201 201",
        relation_suggestion,
        query="layer=gold",
    ),
    Case("relation-suggestion-reject", "POST", "401 404 204 204 204 204 204", relation_suggestion),
    Case("rules-list", "GET", EVERYONE, project),
    Case("rules-list", "POST", "401 404 403 403 403 201 201", project, NEW_RULES),
    Case("rules-apply", "POST", "401 404 403 403 403 202 202", rule_set),
    Case("rules-detail", "DELETE", "401 404 403 403 403 204 204", rule_set),
    # Review: reviewers and managers mark a document's gold reviewed, or reopen it.
    Case("document-reviewed", "POST", "401 404 403 403 204 204 204", spans),
    Case("document-reviewed", "DELETE", "401 404 403 403 204 204 204", reviewed_document),
    # Models: reviewers and managers read them; managers train and run them.
    Case("models-list", "GET", "401 404 403 403 200 200 200", project),
    Case("models-list", "POST", "401 404 403 403 403 202 202", reviewed),
    Case("models-detail", "GET", "401 404 403 403 200 200 200", ready_model),
    Case("models-suggest", "POST", "401 404 403 403 403 202 202", ready_model),
    Case("search", "GET", EVERYONE, project, query="q=artillery"),
    Case("search", "GET", "401 404 403 403 200 200 200", project, query="layer=gold"),
    Case(
        "search-tag",
        "POST",
        "401 404 202 202 202 202 202",
        project,
        TAG,
        note="the walk posts no body: 400",
    ),
    Case(
        "search-tag",
        "POST",
        "401 404 403 403 202 202 202",
        project,
        {**TAG, "as": "gold"},
        note="gold",
    ),
    Case(
        "search-tag-undo",
        "POST",
        "401 404 200 404 404 404 404",
        alices_tag,
        note="the walk's job is no tag: 404",
    ),
    Case(
        "search-relabel",
        "POST",
        "401 404 202 202 202 202 202",
        project,
        RELABEL,
        note="the walk posts no body: 400",
    ),
    Case(
        "search-delete",
        "POST",
        "401 404 202 202 202 202 202",
        project,
        {"label": "PERSON"},
        note="the walk posts no body: 400",
    ),
    Case(
        "search-delete",
        "POST",
        "401 404 403 403 202 202 202",
        project,
        {"layer": "gold"},
        note="gold",
    ),
    Case(
        "search-relabel",
        "POST",
        "401 404 202 403 403 403 403",
        project,
        {"layer": "user:alice", "to": "SPARE"},
        note="alice's layer, by anyone else",
    ),
    Case(
        "search-edit-undo",
        "POST",
        "401 404 200 404 404 404 404",
        alices_edit,
        note="the walk's job is no edit: 404",
    ),
    Case("consistency", "GET", "401 404 403 403 200 200 200", project),
    Case("schema", "GET", "200 200 200 200 200 200 200"),
    Case("docs", "GET", "200 200 200 200 200 200 200"),
    Case("root", "GET", "200 200 200 200 200 200 200"),
]


def routes() -> set[tuple[str, str]]:
    """(URL name, method) for every route the API serves."""
    found = set()
    for pattern in api.urlpatterns:
        view = pattern.callback.cls
        allowed = {method.upper() for method in view.http_method_names} - {"HEAD", "OPTIONS"}
        actions = getattr(pattern.callback, "actions", None)
        if actions:
            methods = {method.upper() for method in actions}
        else:
            methods = {method for method in allowed if hasattr(view, method.lower())}
        found |= {(pattern.name, method) for method in methods & allowed}
    return found


def test_every_endpoint_is_in_the_table():
    assert routes() == {(case.name, case.method) for case in CASES}


def snapshot() -> dict[str, list[dict]]:
    """Every stored row a request could touch."""
    models = [Project, Label, Membership, Document, Span, DocumentStatus]
    models += [Suggestion, SuggestionDecision, RuleSet, Job, Review, Category, Relation]
    models += [RelationType, SearchEdit]
    models += [CategorySuggestion, CategorySuggestionDecision]
    models += [RelationSuggestion, RelationSuggestionDecision]
    # The pipeline's bytes are left out: a stored value, not a changed one.
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in models}
    rows["NerModel"] = list(NerModel.objects.order_by("pk").values(*NerModel.LISTED))
    return rows


def annotators_in(data: Any) -> set[str]:
    """The ``annotator`` of every object anywhere in a response."""
    if isinstance(data, dict):
        found = {data["annotator"]} if isinstance(data.get("annotator"), str) else set()
        for value in data.values():
            found |= annotators_in(value)
        return found
    if isinstance(data, list):
        return set().union(*(annotators_in(item) for item in data)) if data else set()
    return set()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_role_gets_the_expected_status_and_nothing_else(case, role, world, client_for):
    url = reverse(f"api:{case.name}", kwargs=case.kwargs(world))
    if case.query:
        url += f"?{case.query}"
    # A body that names rows of the world (span ids) is made from it, before the snapshot.
    body = case.body(world) if callable(case.body) else case.body
    before = snapshot()

    response = getattr(client_for(role), case.method.lower())(url, body, format="json")

    expected = case.status_for(role)
    assert response.status_code == expected, response.content[:500]
    text = response.content.decode()
    if expected >= 400:
        assert snapshot() == before, "a refused request changed something"
        assert set(response.json()) == {"detail"}, "a refusal says why and shows nothing else"
        return
    if case.method != "GET" and case.name != "token":
        assert snapshot() != before
    if case.name in {"schema", "docs", "root"}:
        return  # the same static description for everyone
    if role not in {"root", "outsider"}:
        # Only its member and the superuser may see the project the outsider is in.
        assert "Elsewhere" not in text and "SECRET" not in text and "Secret words" not in text
    if role == "outsider":
        assert "Arms" not in text and "artillery" not in text and "WEAPONS" not in text
    if role in {"alice", "bob"} and response.get("Content-Type") == "application/json":
        # Annotators see their own layer only.
        assert annotators_in(response.json()) <= {role}
    if case.name == "spans-list" and case.method == "GET" and not case.query:
        assert annotators_in(response.json()) <= {world.people[role].username}
