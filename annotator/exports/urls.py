from django.urls import path

from . import views

urlpatterns = [
    path("projects/<int:project_id>/export/", views.export, name="export"),
    path(
        "projects/<int:project_id>/export/download/",
        views.export_download,
        name="export_download",
    ),
    path(
        "projects/<int:project_id>/export/notice/",
        views.export_notice,
        name="export_notice",
    ),
    path("api/projects/<int:project_id>/export/", views.api_export, name="api_export"),
    path(
        "api/projects/<int:project_id>/export/card/",
        views.api_export_card,
        name="api_export_card",
    ),
]
