from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotator.api.uploads import ImportRefused, records_upload
from annotator.models import Project
from annotator.permissions import is_member
from corpus.importers import read_path


class Command(BaseCommand):
    help = (
        "Import documents into a project from .txt files, folders of them, or JSONL "
        "(native {text, title, external_id, meta, spans} or doccano {text, label}). "
        "All or nothing: a bad line is reported and nothing is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--project", required=True, help="Project id or exact name.")
        parser.add_argument(
            "--user",
            help="Whose layer imported spans go to (default: the project's first manager).",
        )

    def handle(self, *args, paths: list[Path], project: str, user: str | None, **options):
        target = _project(project)
        uploader = _uploader(target, user)

        def records():
            for path in paths:
                yield from read_path(path)

        try:
            documents = records_upload(project=target, records=records(), uploader=uploader)
        except ImportRefused as refused:
            for problem in refused.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"Import refused: {len(refused.problems)} problem(s); nothing was stored."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(f"Imported {len(documents)} document(s) into “{target.name}”.")
        )


def _project(reference: str) -> Project:
    projects = Project.objects.filter(name=reference)
    if reference.isdigit():
        projects = Project.objects.filter(pk=int(reference)) | projects
    found = list(projects[:2])
    if not found:
        raise CommandError(f"No project with id or name {reference!r}.")
    if len(found) > 1:
        raise CommandError(f"Several projects are named {reference!r}: give its id.")
    return found[0]


def _uploader(project: Project, username: str | None):
    users = get_user_model().objects
    if username:
        user = users.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not is_member(user, project):
            # Their layer would hold spans no page of the project shows.
            raise CommandError(f"{username} is not a member of “{project}”: add them first.")
        return user
    user = users.filter(memberships__project=project, memberships__role="manager").first()
    user = user or users.filter(is_superuser=True).first()
    if user is None:
        raise CommandError("The project has no manager: give --user for imported spans.")
    return user
