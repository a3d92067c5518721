from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotator.api.uploads import ImportRefused
from annotator.imports import SpansTo, import_records
from annotator.models import Project
from annotator.moving_in import summary_lines
from annotator.permissions import is_member
from corpus.importers import read_path


class Command(BaseCommand):
    help = (
        "Import documents into a project from .txt files, folders of them, JSONL "
        "(native {text, title, external_id, meta, spans} or doccano {text, label}), "
        "doccano's export .zip (one layer a member's file) or Label Studio's JSON export. "
        "All or nothing: a bad line is reported and nothing is stored. Documents already "
        "in the project (same external_id or identical text) are reused: importing again "
        "adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--project", required=True, help="Project id or exact name.")
        parser.add_argument(
            "--user",
            help="Whose layer spans that name nobody go to (default: the project's first "
            "manager; doccano's collaborative all.jsonl becomes suggestions without it).",
        )
        parser.add_argument(
            "--create-labels",
            action="store_true",
            help="Create the labels the files use that the project lacks (palette colours).",
        )
        parser.add_argument(
            "--label-studio-user",
            action="append",
            default=[],
            metavar="ID=USERNAME",
            help="Whose layer a Label Studio user's annotations go to (for an export that "
            "names users by id only); repeat for each.",
        )

    def handle(self, *args, paths: list[Path], project: str, user: str | None, **options):
        target = _project(project)
        member = _member(target, user)
        uploader = _manager(target)
        user_map = _user_map(options["label_studio_user"])

        def records():
            for path in paths:
                yield from read_path(path)

        try:
            counts = import_records(
                project=target,
                records=records(),
                uploader=uploader,
                spans_to=SpansTo(member=member),
                create_labels=options["create_labels"],
                user_map=user_map,
            )
        except ImportRefused as refused:
            for problem in refused.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"Import refused: {len(refused.problems)} problem(s); nothing was stored."
            ) from None
        first, *more = summary_lines(counts)
        self.stdout.write(self.style.SUCCESS(f"{first[:-1]} into “{target.name}”."))
        for line in more:
            self.stdout.write(line)


def _user_map(pairs: list[str]) -> dict[str, str]:
    mapped = {}
    for pair in pairs:
        number, _, username = pair.partition("=")
        if not number.strip() or not username.strip():
            raise CommandError(f"--label-studio-user takes ID=USERNAME, not {pair!r}.")
        mapped[number.strip()] = username.strip()
    return mapped


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


def _member(project: Project, username: str | None) -> str | None:
    """The member ``--user`` names, refused when they are not one."""
    if username is None:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user named {username!r}.")
    if not is_member(user, project):
        # Their layer would hold spans no page of the project shows.
        raise CommandError(f"{username} is not a member of “{project}”: add them first.")
    return username


def _manager(project: Project):
    """Who the import acts as: the project's first manager (or a superuser)."""
    users = get_user_model().objects
    user = users.filter(memberships__project=project, memberships__role="manager").first()
    user = user or users.filter(is_superuser=True).first()
    if user is None:
        raise CommandError("The project has no manager to import as: add one first.")
    return user
