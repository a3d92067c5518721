"""The Django admin, under the same role rules as the UI and the API.

Superusers see everything. A staff user who is not a superuser sees only the projects they
manage or review (and their documents, labels, members, spans), and changes only what a
manager may change.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from corpus.admin import DocumentAdmin as CorpusDocumentAdmin
from corpus.importers import read_upload
from corpus.models import Document

from .forms import ImportForm
from .history import acting_as, span_restore
from .models import DocumentStatus, Label, Membership, Project, Role, Span, SpanEvent
from .permissions import can_manage
from .services import ImportRefused, records_import, span_delete

STAFF_ROLES = [Role.MANAGER, Role.REVIEWER]


def _scoped_projects(request):
    return Project.objects.filter(memberships__user=request.user, memberships__role__in=STAFF_ROLES)


class RoleScopedAdmin(admin.ModelAdmin):
    """Base for models that live inside a project: ``project_path`` leads to it."""

    project_path = "project"

    def _manages(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        if obj is None:
            return _scoped_projects(request).filter(memberships__role=Role.MANAGER).exists()
        return can_manage(request.user, self._project_of(obj))

    def _project_of(self, obj) -> Project:
        return obj.project

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.project_path}__in": _scoped_projects(request)}).distinct()

    def has_module_permission(self, request) -> bool:
        return (
            request.user.is_active
            and request.user.is_staff
            and (request.user.is_superuser or _scoped_projects(request).exists())
        )

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request) -> bool:
        return self._manages(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._manages(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._manages(request, obj)


class LabelInline(admin.TabularInline):
    model = Label
    extra = 0
    fields = ["name", "description", "color", "shortcut", "order"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


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
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if not change and not request.user.is_superuser:
            Membership.objects.get_or_create(
                project=obj, user=request.user, defaults={"role": Role.MANAGER}
            )

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
        if not self.has_change_permission(request, project):
            messages.error(request, "Only a manager of this project may import documents.")
            return redirect(reverse("admin:annotator_project_change", args=[project.pk]))
        form = ImportForm(request.POST or None, request.FILES or None)
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                documents = records_import(
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


@admin.register(Label)
class LabelAdmin(RoleScopedAdmin):
    list_display = ["name", "project", "shortcut", "color", "description", "span_count"]
    list_filter = ["project"]
    search_fields = ["name", "description"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(span_total=Count("spans"))

    @admin.display(ordering="span_total", description="spans")
    def span_count(self, label: Label) -> int:
        return label.span_total


@admin.register(Membership)
class MembershipAdmin(RoleScopedAdmin):
    list_display = ["user", "project", "role"]
    list_filter = ["role", "project"]
    search_fields = ["user__username", "project__name"]
    list_select_related = ["user", "project"]


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
    list_filter = ["gold", "origin", "project", "label"]
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

    # Spans are written through the workspace or the API, where they are validated
    # against their layer; the admin reads them and may delete.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DocumentStatus)
class DocumentStatusAdmin(RoleScopedAdmin):
    list_display = ["document", "user", "project", "status", "updated_at", "completed_at"]
    list_filter = ["status", "project"]
    search_fields = ["document__title", "user__username"]
    list_select_related = ["document", "user", "project"]
    raw_id_fields = ["document"]


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
        return queryset.filter(project__in=_scoped_projects(request))

    def has_add_permission(self, request, obj=None) -> bool:
        return False


admin.site.unregister(Document)


@admin.register(Document)
class DocumentAdmin(CorpusDocumentAdmin):
    """The corpus admin, with the document's spans (read-only) and the role scope."""

    inlines = [SpanInline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(projects__in=_scoped_projects(request)).distinct()

    def has_module_permission(self, request) -> bool:
        return RoleScopedAdmin.has_module_permission(self, request)

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
    list_filter = ["action", "gold", "project"]
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
                restored += 1
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
        return queryset.filter(project__in=_scoped_projects(request))

    # Django's model permissions are not how Margin grants access: the document's admin
    # page already decided, and the queryset keeps to the user's projects.
    def has_view_permission(self, request, obj=None) -> bool:
        return RoleScopedAdmin.has_module_permission(self, request)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


DocumentAdmin.inlines = [*DocumentAdmin.inlines, SpanEventInline]


admin.site.unregister(Span)


@admin.register(Span)
class SpanWithHistoryAdmin(SpanAdmin):
    """Deleting spans in the admin goes through ``span_delete``, so it is in the history
    (and can be restored) like a deletion in the workspace or the API."""

    def delete_model(self, request, obj: Span) -> None:
        with acting_as(request.user):
            span_delete(span=obj)

    def delete_queryset(self, request, queryset) -> None:
        with acting_as(request.user), transaction.atomic():
            for span in queryset.select_related("label"):
                span_delete(span=span)
