import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from annotator.models import Membership, Project, Role

DATA = Path(__file__).parent / "data"
PER_USER = DATA / "doccano-1.8.4-per-user.zip"
COLLABORATIVE = DATA / "doccano-1.8.4-collaborative.zip"
RELATIONS = DATA / "doccano-1.8.4-relations.zip"
LS_SNAPSHOT = DATA / "label-studio-snapshot.json"
LS_QUICK = DATA / "label-studio-export.json"
# The words each doccano user's spans were made on: {user: [[document, word, label]]}.
MEANT = json.loads((DATA / "doccano-meant.json").read_text(encoding="utf-8"))


@pytest.fixture
def newsroom(db, make_user) -> Project:
    """A project without labels, its members named as in the exports: doccano's admin and
    ann2, Label Studio's alice and bob (by email), and a manager who imports."""
    project = Project.objects.create(name="Newsroom", annotators_per_document=3)
    for name, role in [
        ("manager", Role.MANAGER),
        ("admin", Role.ANNOTATOR),
        ("ann2", Role.ANNOTATOR),
        ("alice", Role.ANNOTATOR),
        ("bob", Role.ANNOTATOR),
    ]:
        user = make_user(name, email=f"{name}@example.com")
        Membership.objects.create(project=project, user=user, role=role)
    make_user("outsider")
    return project


@pytest.fixture
def run(capsys):
    """``manage.py import_documents`` into the project: its output lines."""

    def run_import(project, *paths, **options) -> list[str]:
        call_command("import_documents", *map(str, paths), project=project.name, **options)
        return capsys.readouterr().out.splitlines()

    return run_import


def zip_of(path: Path, keep: set[str], into: Path) -> Path:
    """A copy of a zip with only some of its members."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(into, "w") as target:
        for member in source.namelist():
            if member in keep:
                target.writestr(member, source.read(member))
    return into


def lines_of(path: Path, member: str) -> list[dict]:
    with zipfile.ZipFile(path) as archive:
        text = archive.read(member).decode()
    return [json.loads(line) for line in io.StringIO(text) if line.strip()]
