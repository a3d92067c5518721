"""Load without loss: simulated analysts tagging through the workspace's own HTTP requests.

Starts Margin under gunicorn (or, with ``--nginx``, two gunicorns behind nginx: deploy/)
on PostgreSQL, in a database of its own, and lets ``--analysts`` simulated analysts work
for ``--seconds``: each signs in (CSRF token from the form, session cookie), asks for the
next document, opens it, then creates, relabels and deletes spans with the requests the
workspace script sends (``HX-Request``, ``X-CSRFToken``). Each analyst keeps a ledger of
the writes that were acknowledged (HTTP 200). At the end the ledger is compared with the
database and with the native jsonl export: every acknowledged write must be there, and
nothing else. A write that got no answer or an error (a fault run) has an unknown outcome:
either state is accepted for it, and it is counted.

    .venv/bin/python bench/load.py                       # 30 s, 20 analysts, 2 workers
    .venv/bin/python bench/load.py --seconds 10          # the CI run
    .venv/bin/python bench/load.py --nginx               # through nginx, two app servers
    .venv/bin/python bench/load.py --fault pg-restart    # restart PostgreSQL half-way
    .venv/bin/python bench/load.py --fault kill-worker   # SIGKILL a gunicorn worker half-way

Exits non-zero on any lost or phantom span, any 5xx other than a retryable 503 during a
fault, or any refused write (the generator only sends valid ones).
"""

import argparse
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PG = "postgres://postgres@127.0.0.1:5432"
PASSWORD = "load-analyst-password-1"
LABELS = ["WEAPONS", "PERSON", "LOCATION", "ORG", "DATE", "MONEY"]
WORDS_PER_DOCUMENT = 400
MAX_SPANS = 40  # an analyst's layer stays around this size: past it, deletes win

ROW = re.compile(
    r'class="span-choose c1-(\d+)" data-span="(\d+)" aria-label="[^"]*? at (\d+)–(\d+)"'
)
CSRF_FORM = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_HX = re.compile(r'"X-CSRFToken": "([^"]+)"')
LAYER = re.compile(r'data-layer="([0-9a-f]+)"')


def server_env(database: str, port_hosts: str) -> dict:
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "load-bench-secret-key-not-for-production-" + "x" * 20,
        "ALLOWED_HOSTS": port_hosts,
        "DATABASE_URL": f"{PG}/{database}",
        # Plain HTTP on loopback: no HTTPS redirect, cookies without the Secure flag.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "ERROR"),
    }


def manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare(database: str, analysts: int) -> dict:
    """A fresh database with one project, labels, a document per analyst and the users."""
    env = server_env(database, "127.0.0.1")
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=True)
    subprocess.run([*psql, f"CREATE DATABASE {database}"], check=True)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    script = f"""
import random
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from annotator.models import Label, Membership, Project, Role
from corpus.models import Document
User = get_user_model()
project = Project.objects.create(name="Load")
for i, name in enumerate({LABELS!r}, 1):
    Label.objects.create(project=project, name=name, shortcut=str(i), order=i)
rng = random.Random(7)
words = ["artillery", "shells", "Kim", "Putin", "Vostochny", "rockets", "talks", "é🙂x"]
password = make_password({PASSWORD!r})
for i in range({analysts}):
    text = " ".join(rng.choice(words) for _ in range({WORDS_PER_DOCUMENT}))
    document = Document.objects.create(title=f"Doc {{i}}", text=text)
    project.documents.add(document)
    user = User.objects.create(username=f"analyst{{i}}", password=password)
    Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
manager = User.objects.create(username="load-manager", password=password)
Membership.objects.create(project=project, user=manager, role=Role.MANAGER)
print(project.pk)
"""
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return {"project": int(out.stdout.strip().splitlines()[-1])}


class Servers:
    """gunicorn directly on one port, or deploy/serve.sh (two gunicorns and nginx)."""

    def __init__(self, database: str, workers: int, threads: int, port: int, nginx: bool):
        self.database, self.workers, self.threads = database, workers, threads
        self.port, self.nginx = port, nginx
        self.process: subprocess.Popen | None = None

    def env(self, env: dict) -> dict:
        """deploy/gunicorn.conf.py reads the workers and threads per app server from here."""
        return {**env, "WORKERS": str(self.workers), "THREADS": str(self.threads)}

    def __enter__(self) -> "Servers":
        if self.nginx:
            env = self.env(server_env(self.database, "127.0.0.1,localhost"))
            env["MARGIN_PORT"] = str(self.port)
            env["APP_PORTS"] = f"{self.port + 1} {self.port + 2}"
            subprocess.run(
                ["bash", str(ROOT / "deploy" / "serve.sh"), "start"], env=env, check=True
            )
        else:
            self.process = subprocess.Popen(
                [
                    str(ROOT / ".venv" / "bin" / "gunicorn"),
                    "-c",
                    str(ROOT / "deploy" / "gunicorn.conf.py"),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "config.wsgi",
                ],
                cwd=ROOT,
                env=self.env(server_env(self.database, "127.0.0.1")),
                start_new_session=True,
            )
        deadline = time.time() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/accounts/login/")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError("Margin did not start")
            time.sleep(0.3)
        return self

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (children of the master[s]), for the kill-worker fault."""
        masters = [self.process.pid] if self.process else _deploy_masters()
        pids = []
        for master in masters:
            children = Path(f"/proc/{master}/task/{master}/children")
            if children.exists():
                pids += [int(pid) for pid in children.read_text().split()]
        return pids

    def __exit__(self, *exc) -> None:
        if self.nginx:
            subprocess.run(["bash", str(ROOT / "deploy" / "serve.sh"), "stop"], check=False)
        elif self.process:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _deploy_masters() -> list[int]:
    run = ROOT / "deploy" / "run"
    return [int(p.read_text()) for p in sorted(run.glob("gunicorn-*.pid")) if p.exists()]


@dataclass
class Span:
    start: int
    end: int
    label: int


@dataclass
class Analyst:
    """One simulated analyst: a cookie jar, a CSRF token, and the ledger of their layer."""

    name: str
    port: int
    project: int
    rng: random.Random
    cookies: dict = field(default_factory=dict)
    csrf: str = ""
    document: int = 0
    slots: list = field(default_factory=list)  # (start, end) of each word of the text
    labels: list = field(default_factory=list)
    acked: dict = field(default_factory=dict)  # span id -> Span, as acknowledged
    uncertain_ids: dict = field(default_factory=dict)  # span id -> allowed Spans (None: gone)
    uncertain_creates: list = field(default_factory=list)  # Spans that may or may not exist
    used_slots: set = field(default_factory=set)
    latencies: list = field(default_factory=list)
    timeline: list = field(default_factory=list)  # (time, status) of every write
    statuses: Counter = field(default_factory=Counter)
    writes: Counter = field(default_factory=Counter)
    problems: list = field(default_factory=list)
    connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: dict | None = None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.connection.request(method, path, body=data, headers=headers)
            except (BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server had closed: the request could not be
                # sent, so it was not processed; send it again on a new connection.
                self.connection.close()
                self.connection = None
                if attempt:
                    raise
                continue
            try:
                response = self.connection.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException):
                # Sent, but no (whole) answer: a worker killed after its commit may have
                # sent the headers only. Whether it was processed is unknown to the caller.
                self.connection.close()
                self.connection = None
                raise
            break
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = None
        return response.status, response.getheader("Location", ""), payload.decode()

    def sign_in(self) -> None:
        status, _, page = self.request("GET", "/accounts/login/")
        token = CSRF_FORM.search(page).group(1)
        form = {"csrfmiddlewaretoken": token, "username": self.name, "password": PASSWORD}
        status, location, _ = self.request("POST", "/accounts/login/", form)
        assert status == 302 and "login" not in location, (status, location)
        status, location, _ = self.request("GET", f"/projects/{self.project}/next/")
        assert status == 302, status
        self.document = int(re.search(r"/documents/(\d+)/", location).group(1))
        status, _, page = self.request(
            "GET", f"/projects/{self.project}/documents/{self.document}/"
        )
        assert status == 200, status
        # The token the page hands to htmx (hx-headers on <body>), as the workspace sends it.
        self.csrf = CSRF_HX.search(page).group(1)
        self.labels = [int(x) for x in re.findall(r'data-label="(\d+)"', page)]
        # The digest of the layer the page shows, sent with each change as the workspace
        # does: the answer then carries only what changed (annotator/patches.py).
        self.digest = LAYER.search(page).group(1)
        # The text, to choose words to tag: the page holds it in segments, the API whole.
        status, _, detail = self.request(
            "GET", f"/api/projects/{self.project}/documents/{self.document}/"
        )
        text = json.loads(detail)["text"]
        # Code points, as the workspace script sends them after converting from UTF-16.
        self.slots = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]

    def write(self, path: str, body: dict) -> tuple[int | None, str]:
        headers = {"HX-Request": "true", "X-CSRFToken": self.csrf}
        began = time.perf_counter()
        try:
            status, _, page = self.request("POST", path, {**body, "layer": self.digest}, headers)
        except (OSError, http.client.HTTPException) as error:
            self.timeline.append((time.time(), None))
            self.statuses["no answer"] += 1
            self.digest = ""
            self.problems.append(f"{path}: {error!r}")
            return None, ""
        self.latencies.append(time.perf_counter() - began)
        self.timeline.append((time.time(), status))
        if digest := LAYER.search(page):
            self.digest = digest.group(1)
        elif status != 422:
            self.digest = ""  # unknown: the next answer is whole, and brings it back
        self.statuses[status] += 1
        return status, page

    def layer(self, page: str) -> dict[int, Span]:
        return {int(i): Span(int(s), int(e), int(label)) for label, i, s, e in ROW.findall(page)}

    def step(self) -> None:
        certain = [i for i in self.acked if i not in self.uncertain_ids]
        roll = self.rng.random()
        if certain and (len(certain) >= MAX_SPANS or roll < 0.2):
            self.delete(self.rng.choice(certain))
        elif certain and roll < 0.45:
            self.relabel(self.rng.choice(certain))
        else:
            self.create()

    def create(self) -> None:
        free = [i for i in range(len(self.slots)) if i not in self.used_slots]
        if not free:
            return
        slot = self.rng.choice(free)
        start, end = self.slots[slot]
        label = self.rng.choice(self.labels)
        self.used_slots.add(slot)
        status, page = self.write(
            f"/projects/{self.project}/documents/{self.document}/spans/",
            {"start": start, "end": end, "label": label},
        )
        if status == 200:
            layer = self.layer(page)
            new = set(layer) - set(self.acked) - set(self.uncertain_ids)
            mine = [i for i in new if (layer[i].start, layer[i].end) == (start, end)]
            if len(mine) != 1:
                self.problems.append(f"create [{start},{end}) acknowledged but not listed")
                return
            self.acked[mine[0]] = Span(start, end, label)
            self.writes["create"] += 1
        elif status == 422:
            self.used_slots.discard(slot)
            self.problems.append(f"create refused: {page[:200]}")
        else:
            self.unanswered(status, "create")
            self.uncertain_creates.append(Span(start, end, label))

    def relabel(self, span_id: int) -> None:
        span = self.acked[span_id]
        label = self.rng.choice([x for x in self.labels if x != span.label])
        status, page = self.write(
            f"/projects/{self.project}/spans/{span_id}/label/", {"label": label}
        )
        if status == 200:
            self.acked[span_id] = Span(span.start, span.end, label)
            self.writes["relabel"] += 1
        elif status == 422:
            self.problems.append(f"relabel refused: {page[:200]}")
        else:
            self.unanswered(status, "relabel")
            self.uncertain_ids[span_id] = [span, Span(span.start, span.end, label)]

    def delete(self, span_id: int) -> None:
        status, page = self.write(f"/projects/{self.project}/spans/{span_id}/delete/", {})
        if status == 200:
            del self.acked[span_id]
            self.writes["delete"] += 1
        elif status == 422:
            self.problems.append(f"delete refused: {page[:200]}")
        else:
            self.unanswered(status, "delete")
            self.uncertain_ids[span_id] = [self.acked[span_id], None]

    def unanswered(self, status: int | None, what: str) -> None:
        """Not acknowledged: the write may or may not have happened. Only "no answer"
        (a dead worker) and a retryable 503 are expected; anything else is a bug."""
        if status not in (None, 503):
            self.problems.append(f"{what}: unexpected HTTP {status}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def stored_spans(database: str, project: int) -> dict[int, tuple[str, int, int, int, int]]:
    query = (
        "SELECT s.id, u.username, s.document_id, s.start, s.end, s.label_id "
        "FROM annotator_span s JOIN auth_user u ON u.id = s.annotator_id "
        f"WHERE s.project_id = {project} AND NOT s.gold"
    )
    out = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            database,
            "-tA",
            "-F",
            "\t",
            "-c",
            query,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = {}
    for line in out.splitlines():
        if line.strip():
            i, user, doc, start, end, label = line.split("\t")
            rows[int(i)] = (user, int(doc), int(start), int(end), int(label))
    return rows


def exported_spans(port: int, project: int, label_ids: dict[str, int]) -> Counter:
    """The native jsonl export (the API's), as a multiset of (annotator, doc, start, end, label)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    body = json.dumps({"username": "load-manager", "password": PASSWORD})
    connection.request("POST", "/api/auth/token/", body, {"Content-Type": "application/json"})
    token = json.loads(connection.getresponse().read())["token"]
    connection.request(
        "GET",
        f"/api/projects/{project}/export/?format=jsonl&layer=all",
        headers={"Authorization": f"Token {token}"},
    )
    response = connection.getresponse()
    assert response.status == 200, response.status
    found: Counter = Counter()
    for line in response.read().decode().splitlines():
        record = json.loads(line)
        for span in record["spans"]:
            found[
                (
                    span["annotator"],
                    record["id"],
                    span["start"],
                    span["end"],
                    label_ids[span["label"]],
                )
            ] += 1
    return found


def verify(analysts: list[Analyst], database: str, port: int, project: int) -> dict:
    """Compare every analyst's ledger with the database and the export."""
    stored = stored_spans(database, project)
    label_ids = {}
    lost, phantom, unknown_landed = [], [], 0
    for analyst in analysts:
        mine = {i: row for i, row in stored.items() if row[0] == analyst.name}
        for span_id, span in analyst.acked.items():
            if span_id in analyst.uncertain_ids:
                continue
            row = mine.pop(span_id, None)
            if row is None or (row[2], row[3], row[4]) != (span.start, span.end, span.label):
                lost.append((analyst.name, span_id, span, row))
        for span_id, allowed in analyst.uncertain_ids.items():
            row = mine.pop(span_id, None)
            state = None if row is None else Span(row[2], row[3], row[4])
            if state not in allowed:
                lost.append((analyst.name, span_id, allowed, row))
        for span_id, row in mine.items():
            candidate = Span(row[2], row[3], row[4])
            if candidate in analyst.uncertain_creates:
                unknown_landed += 1
                analyst.uncertain_creates.remove(candidate)
            else:
                phantom.append((analyst.name, span_id, row))
    # Label names for the export: read from the same database.
    out = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            database,
            "-tA",
            "-F",
            "\t",
            "-c",
            f"SELECT name, id FROM annotator_label WHERE project_id = {project}",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    label_ids = {name: int(i) for name, i in (line.split("\t") for line in out.split("\n") if line)}
    exported = exported_spans(port, project, label_ids)
    in_database = Counter((user, doc, s, e, label) for user, doc, s, e, label in stored.values())
    return {
        "lost": lost,
        "phantom": phantom,
        "unknown_landed": unknown_landed,
        "export_mismatch": sum(((exported - in_database) + (in_database - exported)).values()),
        "stored": len(stored),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> float:
    """CPU time of every PostgreSQL process (backends come and go: a rough figure)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip().startswith("postgres"):
                    total += cpu_seconds(int(entry.name))
            except OSError:
                continue
    return total


def upstreams_per_analyst() -> Counter:
    """From nginx's log: how many app servers answered each analyst's span creations
    (each analyst has a document of their own, named in the URL)."""
    log = ROOT / "deploy" / "run" / "nginx-access.log"
    servers: dict[str, set[str]] = {}
    for line in log.read_text().splitlines():
        found = re.search(r'"POST /projects/\d+/documents/(\d+)/spans/ [^"]*" 200 (\S+)', line)
        if found:
            servers.setdefault(found.group(1), set()).add(found.group(2))
    return Counter(len(s) for s in servers.values())


def fault(kind: str, servers: Servers, at: float, log: list) -> None:
    time.sleep(at)
    began = time.time()
    if kind == "pg-restart":
        cluster = sorted(os.listdir("/etc/postgresql"))[0]
        try:
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"],
                check=True,
                capture_output=True,
            )
        finally:
            ensure_postgres()
    elif kind == "kill-worker":
        victim = servers.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
    log.append(f"{kind} at {at:.1f}s took {time.time() - began:.2f}s")


def ensure_postgres() -> None:
    """PostgreSQL must be running when we are done, whatever happened."""
    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0:
        return
    cluster = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "start"], check=False
    )
    for _ in range(60):
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0:
            return
        time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--analysts", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="per worker")
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--database", default="margin_load")
    parser.add_argument("--nginx", action="store_true", help="two gunicorns behind nginx")
    parser.add_argument("--fault", choices=["none", "pg-restart", "kill-worker"], default="none")
    args = parser.parse_args()

    prepared = prepare(args.database, args.analysts)
    project = prepared["project"]
    analysts = [
        Analyst(f"analyst{i}", args.port, project, random.Random(i)) for i in range(args.analysts)
    ]
    fault_log: list[str] = []
    try:
        with Servers(args.database, args.workers, args.threads, args.port, args.nginx) as servers:
            for analyst in analysts:
                analyst.sign_in()
            stop = time.time() + args.seconds

            def work(analyst: Analyst) -> None:
                while time.time() < stop:
                    try:
                        analyst.step()
                    except Exception as error:  # counted, reported, and fails the run
                        analyst.problems.append(f"client error: {error!r}")
                        time.sleep(0.05)

            threads = [threading.Thread(target=work, args=(a,)) for a in analysts]
            if args.fault != "none":
                threads.append(
                    threading.Thread(
                        target=fault, args=(args.fault, servers, args.seconds / 2, fault_log)
                    )
                )
            workers = servers.worker_pids()
            cpu_before = (
                sum(cpu_seconds(pid) for pid in workers),
                postgres_cpu(),
                time.process_time(),
            )
            began = time.time()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.time() - began
            cpu = (
                sum(cpu_seconds(pid) for pid in workers) - cpu_before[0],
                postgres_cpu() - cpu_before[1],
                time.process_time() - cpu_before[2],
            )
            result = verify(analysts, args.database, args.port, project)
            spread = upstreams_per_analyst() if args.nginx else None
    finally:
        ensure_postgres()

    latencies = [x for a in analysts for x in a.latencies]
    statuses = sum((a.statuses for a in analysts), Counter())
    writes = sum((a.writes for a in analysts), Counter())
    problems = [p for a in analysts for p in a.problems]
    acknowledged = sum(writes.values())
    unknown = sum(len(a.uncertain_ids) + len(a.uncertain_creates) for a in analysts)
    unknown += result["unknown_landed"]
    server_errors = {s: n for s, n in statuses.items() if isinstance(s, int) and s >= 500}
    bad_5xx = sum(n for s, n in server_errors.items() if s != 503 or args.fault == "none")
    load = os.getloadavg()
    shape = "nginx → 2 gunicorns" if args.nginx else "gunicorn"
    print(
        f"Margin load: {args.analysts} analysts, {args.seconds:g} s, {shape} "
        f"({args.workers} workers × {args.threads} threads each), PostgreSQL; fault: {args.fault}"
    )
    print(
        f"  span writes: {acknowledged} acknowledged ({writes['create']} create, "
        f"{writes['relabel']} relabel, {writes['delete']} delete) = "
        f"{acknowledged / elapsed:.0f} writes/s"
    )
    rate = len(latencies) / elapsed
    print(f"  requests: {sum(statuses.values())} = {rate:.0f} req/s; {dict(statuses)}")
    print(
        "  latency ms: p50 {:.1f}  p95 {:.1f}  p99 {:.1f}  max {:.1f}".format(
            *(1000 * percentile(latencies, q) for q in (0.5, 0.95, 0.99, 1.0))
        )
    )
    print(
        f"  check: {result['stored']} spans stored; lost {len(result['lost'])}, "
        f"phantom {len(result['phantom'])}, export mismatches {result['export_mismatch']}, "
        f"unacknowledged writes {unknown} (either outcome accepted)"
    )
    if spread is not None:
        both = sum(n for servers, n in spread.items() if servers >= 2)
        print(
            f"  nginx: {both} of {sum(spread.values())} analysts had their spans saved by both "
            "app servers within one session (one sign-in, one CSRF token)"
        )
    for line in fault_log:
        print(f"  fault: {line}")
    timeline = sorted(event for a in analysts for event in a.timeline)
    failed_at = [t for t, status in timeline if status != 200]
    if failed_at:
        recovered = [t for t, status in timeline if status == 200 and t > failed_at[-1]]
        print(
            f"  outage seen by clients: {len(failed_at)} writes not acknowledged between "
            f"+{failed_at[0] - began:.1f} s and +{failed_at[-1] - began:.1f} s; "
            f"then {len(recovered)} acknowledged writes without restarting anything"
        )
    if args.fault == "none":
        per_write = [1000 * x / max(acknowledged, 1) for x in cpu]
        print(
            "  CPU ms per acknowledged write: app workers {:.1f}, PostgreSQL {:.1f}, "
            "this load generator {:.1f}".format(*per_write)
        )
    else:
        # The processes counted at the start are not the ones at the end.
        print("  CPU per write: not counted in a fault run")
    print(
        f"  machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    for problem in problems[:10]:
        print(f"  problem: {problem}")
    failed = (
        result["lost"]
        or result["phantom"]
        or result["export_mismatch"]
        or bad_5xx
        or [
            p
            for p in problems
            if "refused" in p or "not listed" in p or "client error" in p or "unexpected" in p
        ]
    )
    for item in (result["lost"] + result["phantom"])[:10]:
        print(f"  LOST/PHANTOM: {item}")
    print("  verdict:", "FAILED" if failed else "ok: every acknowledged write kept, nothing else")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
