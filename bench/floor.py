"""How far the workspace's writes are from the least a Django request can cost here.

``bench/load.py`` asks for 300 span writes a second from two gunicorn workers on a
two-core machine that also runs PostgreSQL and the load generator: the CPU a write costs,
all three summed, must then stay under 2,000 / 300 = 6.7 ms. This bench measures, in one
process and one sitting, the CPU time (``time.process_time``) of:

- ``floor``: a view that does the least a write can — the same middleware (session, user,
  CSRF, the input guard, axes), then one transaction inserting a span and deleting it
  again, and a one-line answer;
- ``tag`` and ``delete``: the workspace's own requests, as its script sends them
  (urlencoded, ``HX-Request``, the layer's digest), on a 400-word document.

Prints the median of seven alternating rounds of CPU ms per request, and the ratios.

    .venv/bin/python bench/floor.py          # its own SQLite file under bench/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/margin_floor \\
        .venv/bin/python bench/floor.py      # PostgreSQL (the database is made if missing)
"""

import random
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from inprocess import start_django

start_django("floor")

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import clear_url_caches, include, path  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402

from annotator.models import Label, Membership, Project, Role  # noqa: E402
from corpus.models import Document  # noqa: E402

ROUNDS = 7
CALLS = 100
FORM = "application/x-www-form-urlencoded"
DIGEST = re.compile(r'data-layer="([0-9a-f]+)"')


@require_POST
def floor(request, project_id: int, document_id: int):
    """The least a write can be: the middleware's work, one transaction, a short answer."""
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO annotator_span (project_id, document_id, label_id, annotator_id, gold,"
            ' start, "end", origin, source, created_at, updated_at)'
            " VALUES (%s, %s, %s, %s, %s, %s, %s, 'manual', '', %s, %s)",
            [
                project_id,
                document_id,
                int(request.POST["label"]),
                request.user.pk,
                False,
                int(request.POST["start"]),
                int(request.POST["end"]),
                now,
                now,
            ],
        )
        cursor.execute(
            "DELETE FROM annotator_span WHERE project_id = %s AND document_id = %s",
            [project_id, document_id],
        )
    return HttpResponse('<p id="save-status">Saved.</p>')


urlpatterns = [
    path("floor/<int:project_id>/<int:document_id>/", floor),
    path("", include(settings.ROOT_URLCONF)),
]


def setup() -> dict:
    if connection.vendor == "sqlite":
        Path(settings.DATABASES["default"]["NAME"]).unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    stamp = time.time()
    user = get_user_model().objects.create_user(f"floor-{stamp}", password="floor-password-1")
    project = Project.objects.create(name=f"Floor {stamp}")
    Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
    label = Label.objects.create(project=project, name="WEAPONS", shortcut="1", order=1)
    rng = random.Random(7)
    words = ["artillery", "shells", "Kim", "rockets", "talks"]
    text = " ".join(rng.choice(words) for _ in range(400))
    tagged = Document.objects.create(title="Tagged", text=text)
    bare = Document.objects.create(title="Floor", text=text)
    project.documents.add(tagged, bare)
    client = Client()
    client.force_login(user)
    return {"client": client, "project": project, "tagged": tagged, "bare": bare, "label": label}


class Workspace:
    """The workspace's tag and delete, each answer's digest sent with the next change."""

    def __init__(self, world: dict):
        self.world = world
        self.client = world["client"]
        project, document = world["project"], world["tagged"]
        page = self.client.get(f"/projects/{project.pk}/documents/{document.pk}/").text
        self.csrf = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
        self.digest = DIGEST.search(page).group(1)
        self.slots = [(m.start(), m.end()) for m in re.finditer(r"\S+", document.text)]
        self.last = 0

    def post(self, url: str, form: dict):
        response = self.client.post(
            url,
            urlencode({**form, "layer": self.digest}),
            content_type=FORM,
            HTTP_HX_REQUEST="true",
            HTTP_X_CSRFTOKEN=self.csrf,
        )
        assert response.status_code == 200, (url, response.status_code)
        self.digest = DIGEST.search(response.text).group(1)
        return response.text

    def tag(self, i: int) -> None:
        project, document = self.world["project"], self.world["tagged"]
        start, end = self.slots[i % len(self.slots)]
        answer = self.post(
            f"/projects/{project.pk}/documents/{document.pk}/spans/",
            {"start": start, "end": end, "label": self.world["label"].pk},
        )
        self.last = max(int(x) for x in re.findall(r'data-span="(\d+)"', answer))

    def delete(self, _: int) -> None:
        self.post(f"/projects/{self.world['project'].pk}/spans/{self.last}/delete/", {})

    def floor(self, _: int) -> None:
        project, document = self.world["project"], self.world["bare"]
        response = self.client.post(
            f"/floor/{project.pk}/{document.pk}/",
            urlencode({"start": 0, "end": 9, "label": self.world["label"].pk}),
            content_type=FORM,
            HTTP_HX_REQUEST="true",
            HTTP_X_CSRFTOKEN=self.csrf,
        )
        assert response.status_code == 200, response.status_code


def cpu_ms(step, calls: int) -> float:
    began = time.process_time()
    for i in range(calls):
        step(i)
    return (time.process_time() - began) * 1000 / calls


def main() -> None:
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        clear_url_caches()
        world = setup()
        workspace = Workspace(world)
        # A tag and its deletion alternate, so the layer stays as small as it starts.
        pair = {"tag+delete": lambda i: (workspace.tag(i), workspace.delete(i))}
        cpu_ms(pair["tag+delete"], 20)
        cpu_ms(workspace.floor, 20)
        figures: dict[str, list[float]] = {"floor": [], "tag": [], "delete": []}
        for _ in range(ROUNDS):
            figures["floor"].append(cpu_ms(workspace.floor, CALLS))
            tag_time = delete_time = 0.0
            for i in range(CALLS):
                began = time.process_time()
                workspace.tag(i)
                middle = time.process_time()
                workspace.delete(i)
                tag_time += middle - began
                delete_time += time.process_time() - middle
            figures["tag"].append(tag_time * 1000 / CALLS)
            figures["delete"].append(delete_time * 1000 / CALLS)
    medians = {name: statistics.median(values) for name, values in figures.items()}
    print(f"CPU ms per request ({connection.vendor}, median of {ROUNDS} rounds of {CALLS}):")
    for name, value in medians.items():
        ratio = value / medians["floor"]
        print(f"  {name:<7} {value:6.2f}   × {ratio:.2f} the floor")
    print(
        "  a write's CPU must stay under 6.7 ms (app, database and load generator together)"
        " for 300 writes/s on two cores"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
