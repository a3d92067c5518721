"""The Django admin, under the same role rules as the UI and the API.

Superusers see everything. A staff user who is not a superuser sees only the projects they
manage or review (and their documents, labels, members, spans), and changes only what a
manager may change. What they may *choose* is scoped too: a form offers only the projects
they manage and those projects' labels, documents and members, the list filters only what
they may see, and the forms check that the chosen rows fit together (``forms``), so a
forged POST cannot reach into another project.
"""

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin.utils import get_model_from_relation
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Count, Model, Q, QuerySet
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from corpus.admin import DocumentAdmin as CorpusDocumentAdmin
from corpus.importers import read_upload
from corpus.models import Document

from .api.uploads import ImportRefused, records_upload
from .categories import Category
from .forms import (
    ImportForm,
    LabelForm,
    LabelFormSet,
    MembershipForm,
    MembershipFormSet,
    ProjectScopedForm,
    stored_if_renamed,
)
from .models import DocumentStatus, Label, LabelKind, Membership, Project, Span, SpanEvent
from .ner_models import NerModel
from .permissions import (
    can_manage,
    can_review,
    managed_projects,
    reviewed_projects,
    visible_categories,
    visible_relations,
    visible_suggestions,
)
from .relations import Relation, RelationType
from .services import (
    NEEDS_A_MANAGER,
    label_create,
    label_delete,
    label_in_use,
    label_update,
    managers_left,
    member_remove,
    member_set,
    project_create,
    relation_type_change_errors,
    relation_type_create,
    relation_type_delete,
    relation_type_errors,
    relation_type_in_use,
    relation_type_update,
    span_restore,
)
from .suggestions import RuleSet, Suggestion, SuggestionDecision


def in_projects(model: type[Model], projects: QuerySet[Project]) -> QuerySet:
    """The rows of ``model`` that belong to these projects: the projects, their labels,
    their documents, their members; nothing of any other model."""
    if model is Project:
        return projects
    if model is Label:
        return Label.objects.filter(project__in=projects)
    if model is Document:
        links = Project.documents.through.objects.filter(project__in=projects)
        return Document.objects.filter(pk__in=links.values("document"))
    if model is get_user_model():
        members = Membership.objects.filter(project__in=projects)
        return model._default_manager.filter(pk__in=members.values("user"))
    return model._default_manager.none()


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """The raw-id input, naming the object an id points to only when it is in ``queryset``:
    a typed (or forged) id from another project gets no title beside it."""

    def __init__(self, rel, admin_site, *, queryset: QuerySet, using=None):
        super().__init__(rel, admin_site, using=using)
        self.queryset = queryset

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            in_scope = self.queryset.filter(**{key: value}).exists()
        except (ValueError, TypeError, ValidationError):
            in_scope = False
        return super().label_and_url_for_value(value) if in_scope else ("", "")


class ScopedChoices:
    """Foreign-key choices of a form, for ModelAdmins and inlines alike: a staff user who is
    not a superuser is offered only the projects they manage, and those projects' labels,
    documents and members. The form field refuses any other id that is posted."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            queryset = in_projects(db_field.related_model, managed_projects(request.user))
            kwargs["queryset"] = queryset
            if db_field.name in self.raw_id_fields:
                kwargs["widget"] = ScopedRawIdWidget(
                    db_field.remote_field,
                    self.admin_site,
                    queryset=queryset,
                    using=kwargs.get("using"),
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            kwargs["queryset"] = in_projects(db_field.related_model, managed_projects(request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class InScopeFilter(admin.RelatedFieldListFilter):
    """A list filter on a project, label or user that lists only those in the projects the
    staff user may see (all for a superuser), never another project's names."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        limit = {}
        if not request.user.is_superuser:
            scope = in_projects(get_model_from_relation(field), reviewed_projects(request.user))
            limit = {"pk__in": scope.values("pk")}
        return field.get_choices(include_blank=False, limit_choices_to=limit, ordering=ordering)


def _may_open_admin(request) -> bool:
    user = request.user
    return (
        user.is_active and user.is_staff and (user.is_superuser or reviewed_projects(user).exists())
    )


class RoleScopedAdmin(ScopedChoices, admin.ModelAdmin):
    """Base for models that live inside a project: ``project_path`` leads to it."""

    project_path = "project"
    form = ProjectScopedForm

    def _manages(self, request, obj=None) -> bool:
        if obj is None:
            return request.user.is_superuser or managed_projects(request.user).exists()
        return can_manage(request.user, self._project_of(obj))

    def _project_of(self, obj) -> Project:
        return obj.project

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        projects = reviewed_projects(request.user)
        return queryset.filter(**{f"{self.project_path}__in": projects}).distinct()

    def has_module_permission(self, request) -> bool:
        return _may_open_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request) -> bool:
        return self._manages(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._manages(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._manages(request, obj)


class ProjectInline(ScopedChoices, admin.TabularInline):
    """Rows edited on their project's page, as the page is: its managers change them, its
    reviewers read them. ``project`` is None on the page that creates a project, which
    any staff user may (they become its manager)."""

    extra = 0

    def _manages(self, request, project: Project | None) -> bool:
        return request.user.is_staff and (project is None or can_manage(request.user, project))

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_staff and (obj is None or can_review(request.user, obj))

    def has_add_permission(self, request, obj=None) -> bool:
        return self._manages(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._manages(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._manages(request, obj)


class MemberByUsername:
    """Memberships name their member by username (``MembershipForm``); this shows it where
    the form is read-only."""

    @admin.display(description="username")
    def username(self, membership: Membership) -> str:
        return membership.user.get_username()


class LabelInline(ProjectInline):
    model = Label
    form = LabelForm
    formset = LabelFormSet
    fields = ["name", "description", "color", "shortcut", "order"]


class MembershipInline(MemberByUsername, ProjectInline):
    model = Membership
    form = MembershipForm
    formset = MembershipFormSet
    fields = ["username", "role"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Project)
class ProjectAdmin(RoleScopedAdmin):
    project_path = "pk"
    list_display = [
        "name",
        "document_count",
        "label_count",
        "member_count",
        "allow_overlap",
        "annotators_per_document",
        "created_at",
    ]
    search_fields = ["name", "description"]
    list_filter = ["allow_overlap", "created_at"]
    inlines = [LabelInline, MembershipInline]
    fields = ["name", "description", "guidelines", "allow_overlap", "annotators_per_document"]
    actions = ["export_dataset"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.annotate(
            document_total=Count("documents", distinct=True),
            label_total=Count("labels", distinct=True),
            member_total=Count("memberships", distinct=True),
        )

    def _project_of(self, obj) -> Project:
        return obj

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser or request.user.is_staff

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # Made as the API makes it: its creator is its manager (superusers too).
        fields = {name: getattr(obj, name) for name in self.fields}
        created = project_create(creator=request.user, **fields)
        obj.pk, obj.created_by, obj.created_at = created.pk, created.created_by, created.created_at
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        if formset.model is Membership:
            formset.save_through_services(creator=None if change else request.user)
        else:
            super().save_formset(request, form, formset, change)

    @admin.display(ordering="document_total", description="documents")
    def document_count(self, project: Project) -> int:
        return project.document_total

    @admin.display(ordering="label_total", description="labels")
    def label_count(self, project: Project) -> int:
        return project.label_total

    @admin.display(ordering="member_total", description="members")
    def member_count(self, project: Project) -> int:
        return project.member_total

    @admin.action(description="Export dataset…")
    def export_dataset(self, request, queryset):
        """Open the export page (the same engine as the API) for the chosen project."""
        projects = list(queryset[:2])
        if len(projects) != 1:
            self.message_user(request, "Choose exactly one project to export.", messages.WARNING)
            return None
        return redirect(reverse("export", args=[projects[0].pk]))

    def get_urls(self):
        return [
            path(
                "<int:project_id>/import/",
                self.admin_site.admin_view(self.import_view),
                name="annotator_project_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request, project_id: int):
        project = get_object_or_404(self.get_queryset(request), pk=project_id)
        if not can_manage(request.user, project):
            messages.error(request, "Only a manager of this project may import documents.")
            return redirect(reverse("admin:annotator_project_change", args=[project.pk]))
        form = ImportForm(request.POST or None, request.FILES or None)
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                documents = records_upload(
                    project=project,
                    records=read_upload(upload.name, upload.open("rb")),
                    uploader=request.user,
                )
            except ImportRefused as refused:
                problems = refused.problems
            else:
                messages.success(
                    request, f"Imported {len(documents)} document(s) into “{project.name}”."
                )
                return redirect(reverse("admin:annotator_project_change", args=[project.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import documents into “{project.name}”",
            "opts": self.model._meta,
            "original": project,
            "form": form,
            "problems": problems,
        }
        return TemplateResponse(request, "admin/annotator/project/import.html", context)


LABEL_VALUES = ["name", "description", "color", "shortcut"]


@admin.register(Label)
class LabelAdmin(RoleScopedAdmin):
    form = LabelForm
    list_display = ["name", "project", "shortcut", "color", "description", "span_count"]
    list_filter = [("project", InScopeFilter)]
    search_fields = ["name", "description"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(span_total=Count("spans"))

    @admin.display(ordering="span_total", description="spans")
    def span_count(self, label: Label) -> int:
        return label.span_total

    # Written by the services, as the labels page and the API write them (the form has
    # asked the same rule, ``services.label_errors``, already).
    def save_model(self, request, obj, form, change):
        values = {field: form.cleaned_data[field] for field in LABEL_VALUES}
        if not change:
            created = label_create(project=obj.project, order=form.cleaned_data["order"], **values)
            obj.pk, obj.order, obj.color = created.pk, created.order, created.color
            obj._state.adding = False
        elif "project" in form.changed_data:
            # Moved (unused) to another project, checked against that project's labels.
            super().save_model(request, obj, form, change)
        else:
            label_update(label=obj, order=form.cleaned_data["order"], **values)

    def delete_view(self, request, object_id, extra_context=None):
        label = self.get_object(request, object_id)
        problem = label and self.has_delete_permission(request, label) and label_in_use(label)
        if problem:
            # The labels page's and the API's refusal, rather than Django's list of spans.
            self.message_user(request, problem, messages.ERROR)
            return redirect(reverse("admin:annotator_label_change", args=[label.pk]))
        return super().delete_view(request, object_id, extra_context)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            used = dict(
                Label.objects.filter(pk__in=[label.pk for label in objs])
                .annotate(used=Count("spans"))
                .values_list("pk", "used")
            )
            protected = [
                problem for label in objs if (problem := label_in_use(label, used[label.pk]))
            ]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        label_delete(label=obj)

    def delete_queryset(self, request, queryset):
        for label in queryset:
            label_delete(label=label)


@admin.register(Membership)
class MembershipAdmin(MemberByUsername, RoleScopedAdmin):
    form = MembershipForm
    fields = ["project", "username", "role"]
    list_display = ["user", "project", "role"]
    list_filter = ["role", ("project", InScopeFilter)]
    search_fields = ["user__username", "project__name"]
    list_select_related = ["user", "project"]

    # Written by the services, as the API writes them: a project keeps a manager.

    def save_model(self, request, obj, form, change):
        replaced = stored_if_renamed(obj)
        membership, _ = member_set(project=obj.project, user=obj.user, role=obj.role)
        if replaced is not None:
            member_remove(membership=replaced)
        obj.pk = membership.pk

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and not managers_left(obj.project, {obj.pk: None}, lock=False):
            return False  # its project's last manager stays until another is named
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj) -> None:
        member_remove(membership=obj)

    def delete_queryset(self, request, queryset) -> None:
        for membership in queryset.select_related("project"):
            try:
                member_remove(membership=membership)
            except ValidationError:
                messages.error(
                    request, f"{membership.user} stays in “{membership.project}”: {NEEDS_A_MANAGER}"
                )


@admin.register(Span)
class SpanAdmin(RoleScopedAdmin):
    list_display = [
        "id",
        "document",
        "label",
        "start",
        "end",
        "annotator",
        "gold",
        "origin",
        "updated_at",
    ]
    list_filter = ["gold", "origin", ("project", InScopeFilter), ("label", InScopeFilter)]
    search_fields = ["document__title", "document__external_id", "annotator__username"]
    list_select_related = ["document", "label", "annotator"]
    raw_id_fields = ["document"]
    readonly_fields = [
        "project",
        "document",
        "label",
        "annotator",
        "gold",
        "start",
        "end",
        "origin",
        "created_at",
        "updated_at",
    ]
    show_full_result_count = False

    # A layer is changed only by its annotator (gold by reviewers), in the workspace or the
    # API; managers read it here and restore from the history (``SpanEventAdmin``).
    # Superusers too: the admin follows the app's one table.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DocumentStatus)
class DocumentStatusAdmin(RoleScopedAdmin):
    list_display = ["document", "user", "project", "status", "updated_at", "completed_at"]
    list_filter = ["status", ("project", InScopeFilter)]
    search_fields = ["document__title", "user__username"]
    list_select_related = ["document", "user", "project"]
    raw_id_fields = ["document"]

    # A status row is a claim on one of a document's places: made by the services only
    # (the queue, a first tag, the project page's assignment), which keep the place rule.
    # Managers read them here, and delete one to take a document back from someone.

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class SpanInline(admin.TabularInline):
    model = Span
    extra = 0
    can_delete = False
    fields = ["project", "label", "start", "end", "annotator", "gold", "origin"]
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("project", "label", "annotator")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(project__in=reviewed_projects(request.user))

    # Read on the document's page by whoever may open it (the queryset keeps to the
    # user's projects), never changed there.
    def has_view_permission(self, request, obj=None) -> bool:
        return _may_open_admin(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


admin.site.unregister(Document)


@admin.register(Document)
class DocumentAdmin(CorpusDocumentAdmin):
    """The corpus admin, with the document's spans (read-only) and the role scope."""

    inlines = [SpanInline]
    list_filter = ["created_at", ("projects", InScopeFilter)]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(projects__in=reviewed_projects(request.user)).distinct()

    def has_module_permission(self, request) -> bool:
        return _may_open_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


# History: every change to spans (``history``), read-only, with restoring deleted spans.


@admin.register(SpanEvent)
class SpanEventAdmin(RoleScopedAdmin):
    list_display = [
        "at",
        "action",
        "actor",
        "document",
        "span_id",
        "layer",
        "before_label",
        "before_start",
        "before_end",
        "after_label",
        "after_start",
        "after_end",
    ]
    list_filter = ["action", "gold", ("project", InScopeFilter)]
    search_fields = ["document__title", "document__external_id", "actor__username"]
    list_select_related = ["actor", "annotator", "document", "before_label", "after_label"]
    raw_id_fields = ["document"]
    readonly_fields = [field.name for field in SpanEvent._meta.fields]
    date_hierarchy = "at"
    show_full_result_count = False
    actions = ["restore"]

    @admin.display(description="layer")
    def layer(self, event: SpanEvent) -> str:
        return "gold" if event.gold else str(event.annotator or "—")

    # The history is written by the services only, and never rewritten.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Restore the selected deleted spans")
    def restore(self, request, queryset):
        restored, refused = 0, []
        events = queryset.select_related("project", "document", "before_label", "annotator")
        for event in events.order_by("at", "id"):
            if not can_manage(request.user, event.project):
                refused.append(f"event {event.pk}: only a manager of “{event.project}” may.")
                continue
            try:
                span_restore(event=event, user=request.user)
            except ValidationError as error:
                refused.append(f"event {event.pk}: {' '.join(error.messages)}")
            else:
                restored += len(event.span_ids)  # a batch brings back all its spans
        if restored:
            self.message_user(request, f"Restored {restored} span(s).", messages.SUCCESS)
        for problem in refused:
            self.message_user(request, f"Not restored: {problem}", messages.WARNING)


class SpanEventInline(admin.TabularInline):
    """The document's history on its admin page (the full list: History in the sidebar)."""

    model = SpanEvent
    extra = 0
    can_delete = False
    fields = [
        "at",
        "action",
        "actor",
        "project",
        "gold",
        "annotator",
        "before_label",
        "before_start",
        "before_end",
        "after_label",
        "after_start",
        "after_end",
    ]
    readonly_fields = fields
    ordering = ["-at", "-id"]
    verbose_name_plural = "history"

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("project", "actor", "annotator", "before_label", "after_label")
        )
        if request.user.is_superuser:
            return queryset
        return queryset.filter(project__in=reviewed_projects(request.user))

    # Django's model permissions are not how Margin grants access: the document's admin
    # page already decided, and the queryset keeps to the user's projects.
    def has_view_permission(self, request, obj=None) -> bool:
        return _may_open_admin(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


DocumentAdmin.inlines = [*DocumentAdmin.inlines, SpanEventInline]


# Document labels, relations, suggestions and trained models -------------------------------
#
# Layers (document labels given, relations drawn) and suggestions are read here, as spans
# are: a layer is changed only by its annotator (gold by reviewers) in the workspace or the
# API, suggestions by their decisions, models by training. The querysets keep to the
# projects the staff user reviews, and within them to the layers their role lets them read
# (``permissions.visible_*``). Relation types are a manager's vocabulary, changed here
# through the services as on the labels page.


class ReadOnlyScopedAdmin(RoleScopedAdmin):
    visible: Callable[..., Q] | None = None  # the permissions module's filter, if any

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.visible is not None:
            queryset = queryset.filter(type(self).visible(request.user))
        return queryset

    def get_readonly_fields(self, request, obj=None):
        return self.fields or [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(ReadOnlyScopedAdmin):
    visible = visible_categories
    list_display = ["id", "document", "label", "annotator", "gold", "created_at"]
    list_filter = ["gold", ("project", InScopeFilter), ("label", InScopeFilter)]
    search_fields = ["document__title", "document__external_id", "annotator__username"]
    list_select_related = ["document", "label", "annotator"]
    show_full_result_count = False


@admin.register(Relation)
class RelationAdmin(ReadOnlyScopedAdmin):
    visible = visible_relations
    list_display = ["id", "document", "type", "source", "target", "annotator", "gold"]
    list_filter = ["gold", ("project", InScopeFilter)]
    search_fields = ["document__title", "document__external_id", "annotator__username"]
    list_select_related = [
        "document",
        "type",
        "annotator",
        "source__label",
        "target__label",
    ]
    show_full_result_count = False


class RelationTypeForm(ProjectScopedForm):
    """A relation type, judged by the services as the labels page and the API judge one
    (``relation_type_errors``; changed, ``relation_type_change_errors``: its relations must
    still fit). Its labels must be span labels of its own project."""

    class Meta:
        model = RelationType
        fields = ["project", "name", "directed", "source_labels", "target_labels"]

    def clean(self):
        cleaned = super().clean()
        project = cleaned.get("project") if "project" in self.fields else self.instance.project
        if project is None or self.errors:
            return cleaned
        for field in ("source_labels", "target_labels"):
            strangers = [
                label.name for label in cleaned.get(field, []) if label.project_id != project.pk
            ]
            if strangers:
                self.add_error(field, f"{', '.join(strangers)}: not labels of “{project}”.")
        if self.errors:
            return cleaned
        values = {
            "name": (cleaned.get("name") or "").strip(),
            "source_labels": list(cleaned.get("source_labels", [])),
            "target_labels": list(cleaned.get("target_labels", [])),
        }
        if self.instance.pk is None:
            errors = relation_type_errors(project, **values)
        else:
            errors = relation_type_change_errors(
                self.instance, directed=cleaned.get("directed", True), **values
            )
        for field, messages_ in errors.items():
            for message in messages_:
                self.add_error(None if field == NON_FIELD_ERRORS else field, message)
        return cleaned


@admin.register(RelationType)
class RelationTypeAdmin(RoleScopedAdmin):
    form = RelationTypeForm
    list_display = ["name", "project", "directed", "relation_count"]
    list_filter = ["directed", ("project", InScopeFilter)]
    search_fields = ["name"]
    filter_horizontal = ["source_labels", "target_labels"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(relation_total=Count("relations"))

    def get_readonly_fields(self, request, obj=None):
        # A type stays in its project: its relations are there.
        return ["project"] if obj is not None else []

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # Span labels only: a relation joins spans.
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        field.queryset = field.queryset.filter(kind=LabelKind.SPAN)
        return field

    @admin.display(ordering="relation_total", description="relations")
    def relation_count(self, relation_type: RelationType) -> int:
        return relation_type.relation_total

    # Written by the services (the form has asked their rules already; they ask again under
    # the project's lock).
    def save_model(self, request, obj, form, change):
        values = {
            "name": form.cleaned_data["name"],
            "directed": form.cleaned_data["directed"],
            "source_labels": list(form.cleaned_data["source_labels"]),
            "target_labels": list(form.cleaned_data["target_labels"]),
        }
        if change:
            relation_type_update(relation_type=obj, **values)
        else:
            created = relation_type_create(project=obj.project, **values)
            obj.pk = created.pk
            obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        pass  # the labels were set by the service

    def delete_view(self, request, object_id, extra_context=None):
        relation_type = self.get_object(request, object_id)
        if relation_type and self.has_delete_permission(request, relation_type):
            problem = relation_type_in_use(relation_type)
            if problem:
                # The labels page's and the API's refusal, rather than Django's list.
                self.message_user(request, problem, messages.ERROR)
                return redirect(
                    reverse("admin:annotator_relationtype_change", args=[relation_type.pk])
                )
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        relation_type_delete(relation_type=obj)

    def delete_queryset(self, request, queryset):
        for relation_type in queryset:
            try:
                relation_type_delete(relation_type=relation_type)
            except ValidationError as error:
                messages.error(request, f"{relation_type} stays: {' '.join(error.messages)}")


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyScopedAdmin):
    visible = visible_suggestions
    list_display = ["id", "document", "label", "start", "end", "source", "score", "created_at"]
    list_filter = [("project", InScopeFilter), ("label", InScopeFilter)]
    search_fields = ["document__title", "document__external_id", "source"]
    list_select_related = ["document", "label"]
    show_full_result_count = False


@admin.register(SuggestionDecision)
class SuggestionDecisionAdmin(ReadOnlyScopedAdmin):
    project_path = "suggestion__project"
    list_display = ["id", "suggestion", "user", "gold", "accepted", "span_id", "at"]
    list_filter = ["gold", "accepted", ("suggestion__project", InScopeFilter)]
    search_fields = ["user__username"]
    list_select_related = ["suggestion", "user"]
    show_full_result_count = False

    def _project_of(self, obj) -> Project:
        return obj.suggestion.project


@admin.register(RuleSet)
class RuleSetAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "project", "case_sensitive", "created_by", "updated_at"]
    list_filter = [("project", InScopeFilter)]
    search_fields = ["name"]


@admin.register(NerModel)
class NerModelAdmin(ReadOnlyScopedAdmin):
    """Trained models, read (their metrics and errors show gold: reviewers and managers,
    who are the admin's users); trained and deleted on the project's Models page."""

    fields = [
        "project",
        "version",
        "status",
        "automatic",
        "documents",
        "evaluated",
        "reviewed",
        "metrics",
        "seconds",
        "error",
        "created_by",
        "created_at",
        "finished_at",
    ]
    list_display = ["project", "version", "status", "documents", "evaluated", "finished_at"]
    list_filter = ["status", ("project", InScopeFilter)]

    def get_queryset(self, request):
        # Never the pipeline's bytes.
        return super().get_queryset(request).defer("data", "evaluation", "trained_on")
