from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import Project


@require_GET
def home(request):
    projects = Project.objects.visible_to(request.user)
    return render(request, "annotator/home.html", {"projects": projects})
