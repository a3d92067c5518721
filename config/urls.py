from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("annotator.exports.urls")),
    path("api/", include("annotator.api.urls")),
    path("", include("annotator.urls")),
]
