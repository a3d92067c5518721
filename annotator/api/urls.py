"""``/api/``: one router, the token, the schema and its docs."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from .categories import CategoryViewSet, DocumentCategoryViewSet
from .jobs import ImportView, JobViewSet
from .label_suggestions import (
    CategorySuggestionAcceptView,
    CategorySuggestionRejectView,
    DocumentCategorySuggestionsView,
    DocumentRelationSuggestionsView,
    RelationSuggestionAcceptView,
    RelationSuggestionRejectView,
)
from .ner import NerModelViewSet
from .relations import DocumentRelationViewSet, RelationTypeViewSet, RelationViewSet
from .review import RelationAcceptView, ReviewedView
from .search import (
    ConsistencyView,
    SearchDeleteView,
    SearchEditUndoView,
    SearchRelabelView,
    SearchTagUndoView,
    SearchTagView,
    SearchView,
)
from .suggestions import (
    DocumentSuggestionsAcceptView,
    DocumentSuggestionsView,
    RuleSetViewSet,
    SuggestionAcceptView,
    SuggestionRejectView,
    SuggestionStatsView,
)
from .views import (
    DocsView,
    DocumentSpanViewSet,
    DocumentViewSet,
    LabelViewSet,
    MemberViewSet,
    NotFoundView,
    ProjectViewSet,
    RootView,
    SpanViewSet,
    TokenView,
)

app_name = "api"

router = SimpleRouter()
router.register("projects", ProjectViewSet, basename="project")
PROJECT = r"projects/(?P<project_pk>[0-9]+)"
router.register(f"{PROJECT}/labels", LabelViewSet, basename="label")
router.register(f"{PROJECT}/members", MemberViewSet, basename="member")
router.register(f"{PROJECT}/documents", DocumentViewSet, basename="document")
router.register(
    rf"{PROJECT}/documents/(?P<document_pk>[0-9]+)/spans", DocumentSpanViewSet, basename="spans"
)
router.register("spans", SpanViewSet, basename="span")
# Document labels given to documents (annotator/api/categories.py).
router.register(
    rf"{PROJECT}/documents/(?P<document_pk>[0-9]+)/categories",
    DocumentCategoryViewSet,
    basename="categories",
)
router.register("categories", CategoryViewSet, basename="category")
# Relations between spans, and their types (annotator/api/relations.py).
router.register(f"{PROJECT}/relation-types", RelationTypeViewSet, basename="relation-type")
router.register(
    rf"{PROJECT}/documents/(?P<document_pk>[0-9]+)/relations",
    DocumentRelationViewSet,
    basename="relations",
)
router.register("relations", RelationViewSet, basename="relation")
# Background jobs, and files imported as one (annotator/api/jobs.py).
router.register("jobs", JobViewSet, basename="job")
imports = [re_path(rf"^{PROJECT}/imports/$", ImportView.as_view(), name="imports")]
# Suggestions and rule sets (annotator/api/suggestions.py).
router.register(f"{PROJECT}/rules", RuleSetViewSet, basename="rules")
# Models trained on the project's gold (annotator/api/ner.py).
router.register(f"{PROJECT}/models", NerModelViewSet, basename="models")
DOCUMENT = rf"{PROJECT}/documents/(?P<document_pk>[0-9]+)"
suggestions = [
    re_path(
        rf"^{DOCUMENT}/suggestions/$",
        DocumentSuggestionsView.as_view(),
        name="document-suggestions",
    ),
    re_path(
        rf"^{DOCUMENT}/suggestions/accept/$",
        DocumentSuggestionsAcceptView.as_view(),
        name="document-suggestions-accept",
    ),
    re_path(
        r"^suggestions/(?P<pk>[0-9]+)/accept/$",
        SuggestionAcceptView.as_view(),
        name="suggestion-accept",
    ),
    re_path(
        r"^suggestions/(?P<pk>[0-9]+)/reject/$",
        SuggestionRejectView.as_view(),
        name="suggestion-reject",
    ),
    re_path(
        rf"^{PROJECT}/suggestions/stats/$", SuggestionStatsView.as_view(), name="suggestion-stats"
    ),
]
# Suggested document labels and relations (annotator/api/label_suggestions.py).
label_suggestions = [
    re_path(
        rf"^{DOCUMENT}/{kind}-suggestions/$", listing.as_view(), name=f"document-{kind}-suggestions"
    )
    for kind, listing in (
        ("category", DocumentCategorySuggestionsView),
        ("relation", DocumentRelationSuggestionsView),
    )
] + [
    re_path(
        rf"^{kind}-suggestions/(?P<pk>[0-9]+)/{verb}/$",
        view.as_view(),
        name=f"{kind}-suggestion-{verb}",
    )
    for kind, verb, view in (
        ("category", "accept", CategorySuggestionAcceptView),
        ("category", "reject", CategorySuggestionRejectView),
        ("relation", "accept", RelationSuggestionAcceptView),
        ("relation", "reject", RelationSuggestionRejectView),
    )
]

review = [
    re_path(rf"^{DOCUMENT}/reviewed/$", ReviewedView.as_view(), name="document-reviewed"),
    re_path(
        r"^relations/(?P<pk>[0-9]+)/accept/$", RelationAcceptView.as_view(), name="relation-accept"
    ),
]
# Search (annotator/api/search.py).
search = [
    re_path(rf"^{PROJECT}/search/$", SearchView.as_view(), name="search"),
    re_path(rf"^{PROJECT}/search/tag/$", SearchTagView.as_view(), name="search-tag"),
    re_path(
        rf"^{PROJECT}/search/tag/(?P<job_pk>[0-9]+)/undo/$",
        SearchTagUndoView.as_view(),
        name="search-tag-undo",
    ),
    re_path(rf"^{PROJECT}/search/relabel/$", SearchRelabelView.as_view(), name="search-relabel"),
    re_path(rf"^{PROJECT}/search/delete/$", SearchDeleteView.as_view(), name="search-delete"),
    re_path(
        rf"^{PROJECT}/search/edit/(?P<job_pk>[0-9]+)/undo/$",
        SearchEditUndoView.as_view(),
        name="search-edit-undo",
    ),
    re_path(rf"^{PROJECT}/consistency/$", ConsistencyView.as_view(), name="consistency"),
]

urlpatterns = [
    path("", RootView.as_view(), name="root"),
    *router.urls,
    *imports,
    *suggestions,
    *label_suggestions,
    *review,
    *search,
    path("auth/token/", TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(), name="docs"),
    # Last: whatever else is asked under /api/ gets a JSON 404.
    re_path(r"^.*$", NotFoundView.as_view(), name="not-found"),
]

# The API answers for itself (401/403 in JSON); LoginRequiredMiddleware would send
# token-authenticated and anonymous requests to the login page instead.
for pattern in urlpatterns:
    login_not_required(pattern.callback)
