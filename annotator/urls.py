from django.urls import path

from . import (
    import_views,
    label_suggestion_views,
    manager_views,
    model_views,
    rule_views,
    search_views,
    suggestion_views,
    views,
)

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/<int:project_id>/", views.project_detail, name="project"),
    path("projects/<int:project_id>/guidelines/", views.guidelines, name="guidelines"),
    path("projects/<int:project_id>/dashboard/", views.dashboard, name="dashboard"),
    path(
        "projects/<int:project_id>/dashboard/consistency/",
        views.dashboard_consistency,
        name="dashboard_consistency",
    ),
    path("projects/<int:project_id>/assign/", views.assign, name="assign"),
    path("projects/<int:project_id>/search/", search_views.search, name="search"),
    path("projects/<int:project_id>/search/tag/", search_views.search_tag, name="search_tag"),
    path("projects/<int:project_id>/search/edit/", search_views.search_edit, name="search_edit"),
    path(
        "projects/<int:project_id>/search/edit/<int:job_id>/",
        search_views.search_edit_job,
        name="search_edit_job",
    ),
    path(
        "projects/<int:project_id>/search/edit/<int:job_id>/undo/",
        search_views.search_edit_undone,
        name="search_edit_undo",
    ),
    path(
        "projects/<int:project_id>/search/tag/<int:job_id>/",
        search_views.search_tag_job,
        name="search_tag_job",
    ),
    path(
        "projects/<int:project_id>/search/tag/<int:job_id>/undo/",
        search_views.search_tag_undone,
        name="search_tag_undo",
    ),
    path("projects/<int:project_id>/labels.css", views.label_styles, name="label_styles"),
    path("projects/<int:project_id>/next/", views.next_document, name="next_document"),
    path(
        "projects/<int:project_id>/documents/<int:document_id>/",
        views.workspace,
        name="workspace",
    ),
    path(
        "projects/<int:project_id>/documents/<int:document_id>/spans/",
        views.span_add,
        name="span_add",
    ),
    path("projects/<int:project_id>/documents/<int:document_id>/undo/", views.undo, name="undo"),
    path(
        "projects/<int:project_id>/documents/<int:document_id>/relations/",
        views.relation_add,
        name="relation_add",
    ),
    path(
        "projects/<int:project_id>/relations/<int:relation_id>/delete/",
        views.relation_remove,
        name="relation_remove",
    ),
    path(
        "projects/<int:project_id>/relations/<int:relation_id>/accept/",
        views.relation_accept,
        name="relation_accept",
    ),
    path(
        "projects/<int:project_id>/documents/<int:document_id>/categories/",
        views.category_toggle,
        name="category_toggle",
    ),
    path(
        "projects/<int:project_id>/documents/<int:document_id>/complete/",
        views.complete,
        name="complete",
    ),
    path(
        "projects/<int:project_id>/documents/<int:document_id>/reopen/",
        views.reopen,
        name="reopen",
    ),
    path(
        "projects/<int:project_id>/documents/<int:document_id>/review/",
        views.review,
        name="review",
    ),
    path(
        "projects/<int:project_id>/documents/<int:document_id>/review/candidates/",
        views.review_candidates,
        name="review_candidates",
    ),
    path(
        "projects/<int:project_id>/documents/<int:document_id>/review/accept/",
        views.gold_accept,
        name="gold_accept",
    ),
    path(
        "projects/<int:project_id>/documents/<int:document_id>/review/done/",
        views.mark_reviewed,
        name="mark_reviewed",
    ),
    path(
        "projects/<int:project_id>/documents/<int:document_id>/comments/",
        views.comment,
        name="comment",
    ),
    path(
        "projects/<int:project_id>/spans/<int:span_id>/reject/",
        views.span_reject,
        name="span_reject",
    ),
    path(
        "projects/<int:project_id>/spans/<int:span_id>/label/",
        views.span_relabel,
        name="span_relabel",
    ),
    path(
        "projects/<int:project_id>/spans/<int:span_id>/delete/",
        views.span_remove,
        name="span_remove",
    ),
    path(
        "projects/<int:project_id>/documents/<int:document_id>/history/",
        views.history,
        name="history",
    ),
    # Deciding suggested document labels and relations (label_suggestion_views).
    *(
        path(
            f"projects/<int:project_id>/{kind}-suggestions/<int:suggestion_id>/{verb}/",
            getattr(label_suggestion_views, f"{kind}_suggestion_{verb}"),
            name=f"{kind}_suggestion_{verb}",
        )
        for kind in ("category", "relation")
        for verb in ("accept", "reject")
    ),
    # Deciding suggestions in the workspace (suggestion_views).
    path(
        "projects/<int:project_id>/suggestions/<int:suggestion_id>/accept/",
        suggestion_views.suggestion_accept,
        name="suggestion_accept",
    ),
    path(
        "projects/<int:project_id>/suggestions/<int:suggestion_id>/reject/",
        suggestion_views.suggestion_reject,
        name="suggestion_reject",
    ),
    path(
        "projects/<int:project_id>/documents/<int:document_id>/suggestions/",
        suggestion_views.suggestions_pending,
        name="suggestions_pending",
    ),
    path(
        "projects/<int:project_id>/documents/<int:document_id>/suggestions/accept/",
        suggestion_views.suggestions_accept_source,
        name="suggestions_accept_source",
    ),
    # The managers' pages: a project's settings, labels and members (manager_views).
    path("projects/new/", manager_views.project_new, name="project_new"),
    path("projects/preview/", manager_views.guidelines_preview, name="guidelines_preview"),
    path(
        "projects/<int:project_id>/settings/",
        manager_views.project_settings,
        name="project_settings",
    ),
    path("projects/<int:project_id>/labels/", manager_views.labels, name="manage_labels"),
    path(
        "projects/<int:project_id>/labels/<int:label_id>/",
        manager_views.label_edit,
        name="label_edit",
    ),
    path(
        "projects/<int:project_id>/labels/<int:label_id>/move/",
        manager_views.label_move,
        name="label_move",
    ),
    path(
        "projects/<int:project_id>/labels/<int:label_id>/delete/",
        manager_views.label_delete,
        name="label_delete",
    ),
    path(
        "projects/<int:project_id>/labels/relation-types/",
        manager_views.relation_type_add,
        name="relation_type_add",
    ),
    path(
        "projects/<int:project_id>/labels/relation-types/<int:relation_type_id>/delete/",
        manager_views.relation_type_delete,
        name="relation_type_delete",
    ),
    path(
        "projects/<int:project_id>/labels/merges/<int:merge_id>/undo/",
        manager_views.label_merge_undo,
        name="label_merge_undo",
    ),
    path("projects/<int:project_id>/members/", manager_views.members, name="manage_members"),
    path(
        "projects/<int:project_id>/members/suggest/",
        manager_views.member_suggestions,
        name="member_suggestions",
    ),
    path(
        "projects/<int:project_id>/members/<int:member_id>/",
        manager_views.member_role,
        name="member_role",
    ),
    path(
        "projects/<int:project_id>/members/<int:member_id>/remove/",
        manager_views.member_remove,
        name="member_remove",
    ),
    # The Import page and its background job (annotator/import_views.py).
    path(
        "projects/<int:project_id>/import/",
        import_views.import_documents,
        name="import_documents",
    ),
    path(
        "projects/<int:project_id>/import/jobs/<int:job_id>/",
        import_views.import_job,
        name="import_job",
    ),
    # The Rules page: rule sets added, applied as a background job, deleted (rule_views).
    path("projects/<int:project_id>/rules/", rule_views.rules, name="rules"),
    path(
        "projects/<int:project_id>/rules/<int:rule_set_id>/apply/",
        rule_views.rule_apply,
        name="rule_apply",
    ),
    path(
        "projects/<int:project_id>/rules/<int:rule_set_id>/delete/",
        rule_views.rule_delete,
        name="rule_delete",
    ),
    path(
        "projects/<int:project_id>/rules/jobs/<int:job_id>/",
        rule_views.rule_job,
        name="rule_job",
    ),
    # Models trained on the project's gold (annotator/model_views.py).
    path("projects/<int:project_id>/models/", model_views.models_page, name="models"),
    path("projects/<int:project_id>/models/train/", model_views.model_train, name="model_train"),
    path(
        "projects/<int:project_id>/models/<int:model_id>/suggest/",
        model_views.model_suggest,
        name="model_suggest",
    ),
]
