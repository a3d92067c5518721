"""What an analyst waits for, measured in a real Chromium: key press to span on screen.

Sets up its own database (one project, eight labels with keys 1–8, an analyst with a
500-character document of 5 spans and a 20,000-character document of 500 spans, two more
analysts with ~500 spans each on the long one, and a reviewer; the documents' paragraphs
are 400 characters long, as a news article's are, or with ``--paragraph 0`` a document is
one paragraph), serves Margin under
gunicorn as deployed (deploy/gunicorn.conf.py, DEBUG off), signs in through the login
form and, per round and document: selects a free stretch of whole words, tags it (key
1), undoes it (Ctrl+Z), tags it again, chooses its row and relabels it (key 2), deletes it
(Delete). Then it opens each workspace page and, as the reviewer, the long document's
review page. Relations: the analyst's layer holds a relation type (SUPPLIES, any labels),
``LONG_RELATIONS`` relations on the long document and ``SHORT_RELATIONS`` on the short one;
per round it relates a span to another by keyboard (choose its row, Relate, →, Enter, then
Enter on the type: the last key is timed, to the new row of the relations' list on screen)
and deletes that relation (Enter on its ✕, to the row gone).

A change is timed inside the page: a capturing keydown listener on window notes
performance.now(); a MutationObserver notices the change in #article (a mark with a new
span id in its data-spans, the id gone from every mark, or its mark with the new label's
class), and the requestAnimationFrame callback that follows is "on screen" (the message
posted from there, after the frame is painted, is "+paint"; "answer→screen" is the time
from the answer's last byte to that frame, the browser's share). The result is known from the
DOM only, never from the answer, whose shape may change; the answer is counted in bytes,
and the server's time is the request's responseStart - requestStart.

    .venv/bin/python bench/browser.py                   # its own SQLite file under bench/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/margin_bench_browser \\
        .venv/bin/python bench/browser.py --rounds 30   # the database is created if missing
"""

import argparse
import datetime
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / 'browser.sqlite3'}")
# As deployed (bench/load.py does the same): DEBUG off, plain HTTP on loopback.
os.environ.update(
    DEBUG="0",
    SECRET_KEY="browser-bench-secret-key-not-for-production-" + "x" * 20,
    ALLOWED_HOSTS="127.0.0.1",
    SECURE_SSL_REDIRECT="0",
    SESSION_COOKIE_SECURE="0",
    CSRF_COOKIE_SECURE="0",
    LOG_LEVEL=os.environ.get("LOG_LEVEL", "ERROR"),
    DJANGO_SETTINGS_MODULE="config.settings",
)

import django  # noqa: E402
from inprocess import create_database  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.article import select_stretch, wait_quiet  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PASSWORD = "browser-bench-password-1"
WORD = "artillery "  # 10 characters, as in bench/workspace.py: a span on every fourth word
BLOCK = 40
PARAGRAPH = 10  # blocks a paragraph, by default: its last space is a line break
SHORT, SHORT_SPANS = 500, 5
LONG, LONG_SPANS = 20_000, 500
# Relations already in the analyst's layer: a tenth of the long article's spans related.
SHORT_RELATIONS, LONG_RELATIONS = 2, 50
COLORS = ["#b42318", "#a21caf", "#854d0e", "#1d4ed8", "#047857", "#9a3412", "#4338ca", "#0f766e"]

# The goals (p95 where a time), printed beside the figures.
SCREEN_GOAL_MS = 60.0  # key to screen on the long article
SHORT_RATIO_GOAL = 1.5  # long article's p95 within this many times the short one's
ANSWER_GOAL = 4 * 1024  # bytes of a tag's (undo's) answer
REVIEW_GOAL = 300 * 1024  # bytes of the review page


@dataclass
class Setup:
    project: int
    short: int
    long: int
    labels: list[int]  # ids, keys 1–8
    engine: str


def prepare(paragraph: int = PARAGRAPH, suggestions: int = 0) -> Setup:
    """A fresh SQLite file, or a new project in the PostgreSQL database; users reused. The
    documents' text ends a paragraph every ``paragraph`` blocks (none if 0); the long one
    has ``suggestions`` pending ones (source ``import``), on blocks' fourth words."""
    url = os.environ["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    create_database(url)
    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from annotator.models import DocumentStatus, Label, Membership, Project, Role, Span, Status
    from annotator.relations import Relation, RelationType
    from annotator.suggestions import Suggestion
    from corpus.models import Document

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # DEBUG off: the manifest

    def user(name: str):
        account, _ = get_user_model().objects.get_or_create(username=name)
        account.set_password(PASSWORD)
        account.save()
        return account

    analyst, second, third = user("bench-analyst"), user("bench-analyst-2"), user("bench-analyst-3")
    reviewer = user("bench-reviewer")
    project = Project.objects.create(
        name=f"Browser bench {datetime.datetime.now():%Y-%m-%d %H:%M:%S}",
        annotators_per_document=3,
        guidelines="Tag **weapons**, people and places.",
    )
    for account in (analyst, second, third):
        Membership.objects.create(project=project, user=account, role=Role.ANNOTATOR)
    Membership.objects.create(project=project, user=reviewer, role=Role.REVIEWER)
    labels = [
        Label.objects.create(
            project=project, name=f"L{i}", color=COLORS[i - 1], shortcut=str(i), order=i
        )
        for i in range(1, 9)
    ]
    text = "👋🏽 " + WORD * (LONG // len(WORD))  # spans start at 3 (the emoji is 2 code points)
    if paragraph:
        # The space after a block's fourth word, which no span or tagged stretch holds.
        ends = {3 + b * BLOCK + BLOCK - 1 for b in range(paragraph - 1, LONG // BLOCK, paragraph)}
        text = "".join("\n" if i in ends else c for i, c in enumerate(text))
    short = Document.objects.create(text=text[:SHORT], title="Bench short")
    long = Document.objects.create(text=text[:LONG], title="Bench long")
    project.documents.add(short, long)

    def layer(document, annotator, count: int, shape: Callable[[int], tuple[int, int, int]]):
        Span.objects.bulk_create(
            Span(
                project=project,
                document=document,
                annotator=annotator,
                label=labels[label],
                start=start,
                end=end,
            )
            for start, end, label in map(shape, range(count))
        )

    def same(i: int) -> tuple[int, int, int]:
        return 3 + i * BLOCK, 3 + i * BLOCK + 9, i % 8

    layer(short, analyst, SHORT_SPANS, same)
    layer(long, analyst, LONG_SPANS, same)
    supplies = RelationType.objects.create(project=project, name="SUPPLIES")
    for document, count in ((short, SHORT_RELATIONS), (long, LONG_RELATIONS)):
        # Span 2i supplies span 2i+1 (by start), for the first ``count`` pairs.
        ids = list(
            Span.objects.filter(document=document, annotator=analyst)
            .order_by("start")
            .values_list("pk", flat=True)
        )
        Relation.objects.bulk_create(
            Relation(
                project=project,
                document=document,
                type=supplies,
                source_id=ids[2 * i],
                target_id=ids[2 * i + 1],
                annotator=analyst,
            )
            for i in range(count)
        )

    # The other two analysts mostly agree: a fifth relabelled, a seventh on another word.
    def relabelled(i: int) -> tuple[int, int, int]:
        start, end, label = same(i)
        return start, end, (label + 1) % 8 if i % 5 == 0 else label

    def moved(i: int) -> tuple[int, int, int]:
        start, end, label = same(i)
        return (start + 30, end + 30, label) if i % 7 == 0 else (start, end, label)

    Suggestion.objects.bulk_create(
        Suggestion(
            project=project,
            document=long,
            label=labels[i % 8],
            start=3 + i * BLOCK + 3 * len(WORD),
            end=3 + i * BLOCK + 4 * len(WORD) - 1,
            source="import",
        )
        for i in range(suggestions)
    )
    layer(long, second, LONG_SPANS, relabelled)
    layer(long, third, LONG_SPANS, moved)
    for document, account, status in [
        (short, analyst, Status.IN_PROGRESS),
        (long, analyst, Status.IN_PROGRESS),
        (long, second, Status.COMPLETE),
        (long, third, Status.COMPLETE),
    ]:
        DocumentStatus.objects.create(
            project=project, document=document, user=account, status=status
        )
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return Setup(project.pk, short.pk, long.pk, [label.pk for label in labels], engine)


def free_stretch(block: int) -> tuple[int, int]:
    """Words 1–2 of a 40-character block (word 0 may carry a span): no span under them."""
    start = 3 + block * BLOCK + len(WORD)
    return start, start + 2 * len(WORD) - 1


class Server:
    """gunicorn as deployed, on a free port, running this tree's code."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn"),
                *("-c", str(ROOT / "deploy" / "gunicorn.conf.py")),
                *("--bind", f"127.0.0.1:{self.port}", "config.wsgi"),
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


# Armed before each key press: see the module's docstring. spec.kind is "appear" (a span id
# not shown before), "gone" (spec.id in no mark), "relabel" (spec.id's mark has spec.cls),
# "related" (a relation's row not listed before) or "unrelated" (spec.id's row gone).
ARM = """(spec) => {
    // The checks run in the observer's callback, inside the time measured: each asks the
    // browser's own selector engine or looks at the added nodes only, so that the harness
    // does not cost more on a long article than on a short one.
    const marks = (id) => document.querySelectorAll(`#article mark[data-spans~="${id}"]`);
    const before = new Set();
    for (const mark of document.querySelectorAll("#article mark[data-spans]")) {
        for (const id of mark.dataset.spans.split(" ")) before.add(id);
    }
    const added = (records) => {
        for (const record of records) {
            for (const node of record.addedNodes) {
                if (node.nodeType !== Node.ELEMENT_NODE || !node.closest("#article")) continue;
                for (const mark of [node, ...node.querySelectorAll("mark[data-spans]")]) {
                    if (!mark.dataset.spans) continue;
                    for (const id of mark.dataset.spans.split(" ")) if (!before.has(id)) return id;
                }
            }
            if (record.type === "attributes" && record.target.closest?.("#article")) {
                for (const id of (record.target.dataset.spans || "").split(" ")) {
                    if (id && !before.has(id)) return id;
                }
            }
        }
        return null;
    };
    const rows = "#relation-list .relation-row";
    const related = new Set(Array.from(document.querySelectorAll(rows), (r) => r.dataset.relation));
    const done = {
        appear: added,
        // A row of the relations' list with an id not there before; a row gone.
        related: () => {
            for (const row of document.querySelectorAll(rows)) {
                if (!related.has(row.dataset.relation)) return row.dataset.relation;
            }
            return null;
        },
        unrelated: () => (document.querySelector(`${rows}[data-relation="${spec.id}"]`)
            ? null : spec.id),
        gone: () => (marks(spec.id).length ? null : spec.id),
        relabel: () => (Array.from(marks(spec.id)).some((m) => m.classList.contains(spec.cls))
            ? spec.id : null),
    }[spec.kind];
    if (done([]) !== null && !["appear", "related"].includes(spec.kind)) {
        throw new Error(`${spec.kind} ${spec.id}: so before the key press`);
    }
    const state = { t0: null, found: null, screen: null, painted: null, id: null, answer: null };
    performance.clearResourceTimings(); // a full buffer (250 entries) takes no more
    window.__bench = state;
    const observer = new MutationObserver((records) => {
        if (state.t0 === null || state.found !== null) return;
        const id = done(records);
        if (id === null) return;
        state.found = performance.now();
        state.id = id;
        const answers = performance.getEntriesByType("resource").filter((e) =>
            e.startTime >= state.t0 && ["xmlhttprequest", "fetch"].includes(e.initiatorType));
        if (answers.length) state.answer = answers[answers.length - 1].responseEnd;
        observer.disconnect();
        requestAnimationFrame(() => {
            state.screen = performance.now();
            // Posted from the frame's callbacks, it runs once that frame is painted.
            const channel = new MessageChannel();
            channel.port1.onmessage = () => { state.painted = performance.now(); };
            channel.port2.postMessage(null);
        });
    });
    const onKey = (event) => {
        if (["Control", "Shift", "Alt", "Meta"].includes(event.key)) return;
        window.removeEventListener("keydown", onKey, true);
        state.t0 = performance.now();
    };
    window.addEventListener("keydown", onKey, true);
    observer.observe(document, { childList: true, subtree: true, attributes: true,
                                 attributeFilter: ["class", "data-spans"] });
}"""


@dataclass
class Sample:
    screen: float  # ms, key press to the frame that shows the change
    painted: float  # ms, key press to that frame painted
    answer: float  # ms, key press to the answer's last byte in the page (Resource Timing)
    server: float  # ms, the request sent to the answer's first byte
    size: int  # bytes of the answer's body
    id: str

    @property
    def browser(self) -> float:
        """ms from the answer's last byte to the frame that shows it: the browser's own
        share, which the server's and the machine's load barely move."""
        return self.screen - self.answer


def measure(page, key: str, spec: dict) -> Sample:
    """Press ``key`` and time the change ``spec`` describes (see ``ARM``)."""
    page.evaluate(ARM, spec)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.keyboard.press(key)
    response = answer.value
    try:
        page.wait_for_function("() => window.__bench.painted !== null", timeout=10_000)
    except Exception as error:
        status = page.inner_text("#save-status")
        raise SystemExit(f"{spec} after {key!r}: HTTP {response.status}, {status!r}") from error
    state = page.evaluate("() => window.__bench")
    size = len(response.body())
    timing = response.request.timing
    wait_quiet(page)
    return Sample(
        screen=state["screen"] - state["t0"],
        painted=state["painted"] - state["t0"],
        answer=(state["answer"] or float("nan")) - state["t0"],
        server=timing["responseStart"] - timing["requestStart"],
        size=size,
        id=state["id"],
    )


def rounds_on(page, base: str, setup: Setup, document: int, blocks: int, rounds: int):
    """Tag and undo twice, tag, relabel, delete: ``rounds`` times at different places."""
    page.goto(f"{base}/projects/{setup.project}/documents/{document}/")
    page.wait_for_selector("#article .seg")
    wait_quiet(page)
    relabelled = f"c1-{setup.labels[1]}"
    samples: dict[str, list[Sample]] = defaultdict(list)
    for round_ in range(rounds):
        start, end = free_stretch(round_ * 97 % blocks)
        for attempt in range(3):  # the last tag stays, to be relabelled and deleted
            assert select_stretch(page, start, end) == "artillery artillery"
            tag = measure(page, "1", {"kind": "appear"})
            samples["tag"].append(tag)
            if attempt < 2:
                samples["undo"].append(measure(page, "Control+z", {"kind": "gone", "id": tag.id}))
        # Its row in the span list, or (should the list change shape) its mark in the text.
        row = page.locator(f'.span-choose[data-span="{tag.id}"]')
        (row if row.count() else page.locator(f'#article mark[data-spans~="{tag.id}"]')).click()
        samples["relabel"].append(
            measure(page, "2", {"kind": "relabel", "id": tag.id, "cls": relabelled})
        )
        samples["delete"].append(measure(page, "Delete", {"kind": "gone", "id": tag.id}))
    return samples


def relations_on(page, base: str, setup: Setup, document: int, spans: int, rounds: int):
    """Relate a span to another by keyboard and delete that relation: ``rounds`` times,
    each from another span (past the related ones) to the first other span of the list."""
    page.goto(f"{base}/projects/{setup.project}/documents/{document}/")
    page.wait_for_selector("#relations")
    wait_quiet(page)
    samples: dict[str, list[Sample]] = defaultdict(list)
    rows = page.locator("#spans .span-row")
    for round_ in range(rounds):
        at = spans // 2 + round_ * 7 % (spans // 2)  # none of these is related yet
        source = rows.nth(at).get_attribute("data-span")
        page.locator(f'.span-choose[data-span="{source}"]').click()
        page.locator("#relate").focus()
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.activeElement.id === 'article'")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.activeElement.classList.contains('relation-type')")
        relate = measure(page, "Enter", {"kind": "related"})
        samples["relate"].append(relate)
        page.locator(f'.relation-delete[data-relation="{relate.id}"]').focus()
        samples["unrelate"].append(measure(page, "Enter", {"kind": "unrelated", "id": relate.id}))
    return samples


@dataclass
class Opening:
    server: float  # responseStart - requestStart
    loaded: float  # DOMContentLoaded, from the navigation's start
    load: float  # load event end
    size: int


def open_page(page, url: str, times: int) -> list[Opening]:
    openings = []
    for _ in range(times):
        response = page.goto(url)
        page.wait_for_function(
            "() => performance.getEntriesByType('navigation')[0].loadEventEnd > 0"
        )
        nav = page.evaluate("() => performance.getEntriesByType('navigation')[0].toJSON()")
        openings.append(
            Opening(
                server=nav["responseStart"] - nav["requestStart"],
                loaded=nav["domContentLoadedEventEnd"] - nav["startTime"],
                load=nav["loadEventEnd"] - nav["startTime"],
                size=len(response.body()),
            )
        )
    return openings


def sign_in(browser, base: str, username: str, problems: list[str]):
    context = browser.new_context(base_url=base, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[max(0, int(len(values) * share + 0.5) - 1)]


def med_p95(values: list[float]) -> str:
    return f"{statistics.median(values):7.1f} {percentile(values, 0.95):7.1f}"


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def report(changes: dict, pages: dict, problems: list[str], elapsed: float) -> None:
    print()
    print(
        "change (ms: median p95)       n   key→screen      +paint     answer in"
        "        server  answer→screen  answer bytes med / max  goals (p95; bytes: every answer)"
    )
    actions = ("tag", "undo", "relabel", "delete", "relate", "unrelate")
    for action in [action for action in actions if changes["short"].get(action)]:
        for document, name in (
            (
                "short",
                f"500 ch / 5 sp. / {SHORT_RELATIONS} r."
                if "relate" in action
                else "500 ch / 5 spans",
            ),
            (
                "long",
                f"20,000 ch / {LONG_RELATIONS} r." if "relate" in action else "20,000 ch / 500 sp.",
            ),
        ):
            samples = changes[document][action]
            sizes = [s.size for s in samples]
            goal = ""
            if document == "long":
                p95 = percentile([s.screen for s in samples], 0.95)
                ratio = p95 / percentile([s.screen for s in changes["short"][action]], 0.95)
                ok = p95 <= SCREEN_GOAL_MS and ratio <= SHORT_RATIO_GOAL
                small = all(s.size < ANSWER_GOAL for d in changes.values() for s in d[action])
                goal = (
                    f"≤ {SCREEN_GOAL_MS:.0f} ms & ≤ {SHORT_RATIO_GOAL}× short (×{ratio:.1f}): "
                    f"{verdict(ok)}; < 4 KB: {verdict(small)}"
                    + ("" if action in ("tag", "undo", "relate") else " (tag's goals)")
                )
            print(
                f"{action:<7} {name:<20} {len(samples):3}"
                + "".join(
                    f"  {med_p95([getattr(s, part) for s in samples])}"
                    for part in ("screen", "painted", "answer", "server", "browser")
                )
                + f"  {statistics.median(sizes):9,.0f} / {max(sizes):9,}  {goal}"
            )
    print()
    print("page (ms: median p95)       n        server  DOMContentLoaded          load  HTML bytes")
    for name, openings in pages.items():
        goal = ""
        if name.startswith("review"):
            biggest = max(o.size for o in openings)
            goal = f"  ≤ 300 KB: {verdict(biggest <= REVIEW_GOAL)}"
        print(
            f"{name:<27} {len(openings):3}"
            + "".join(
                f"  {med_p95([getattr(o, part) for o in openings])}"
                for part in ("server", "loaded", "load")
            )
            + f"  {statistics.median([o.size for o in openings]):10,.0f}{goal}"
        )
    print()
    unique = sorted(set(problems))
    print(f"console errors: {len(problems)}" + "".join(f"\n  {p[:200]}" for p in unique[:5]))
    print(f"whole run {elapsed:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rounds", type=int, default=15, help="per document: 3 tags, 2 undos, a relabel, a delete"
    )
    parser.add_argument("--opens", type=int, default=8, help="openings of each page")
    parser.add_argument(
        "--paragraph",
        type=int,
        default=PARAGRAPH,
        help=f"blocks of {BLOCK} characters a paragraph (0: one paragraph a document)",
    )
    parser.add_argument(
        "--suggestions",
        type=int,
        default=0,
        help=f"pending suggestions on the long document (at most {LONG_SPANS})",
    )
    parser.add_argument(
        "--no-relations", action="store_true", help="skip relating spans (and its rounds)"
    )
    parser.add_argument(
        "--no-tags", action="store_true", help="relations only: skip tag, undo, relabel, delete"
    )
    args = parser.parse_args()
    began = time.monotonic()
    setup = prepare(args.paragraph, min(args.suggestions, LONG_SPANS))
    server = Server()
    problems: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            print(
                f"browser bench, {datetime.datetime.now():%Y-%m-%d %H:%M}: {setup.engine}, "
                f"gunicorn (deploy/gunicorn.conf.py, DEBUG off), Chromium {browser.version} "
                f"headless, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, "
                f"Python {platform.python_version()}, {args.rounds} rounds, "
                f"paragraphs of {args.paragraph * BLOCK or 'the whole'} characters, "
                f"{args.suggestions} suggestions on the long one"
            )
            base = server.url
            page = sign_in(browser, base, "bench-analyst", problems)
            workspace = f"{base}/projects/{setup.project}/documents/"
            pages, changes = {}, {"short": {}, "long": {}}
            if not args.no_tags:
                pages = {
                    "workspace, short": open_page(page, f"{workspace}{setup.short}/", args.opens),
                    "workspace, long": open_page(page, f"{workspace}{setup.long}/", args.opens),
                }
                changes = {
                    "short": rounds_on(page, base, setup, setup.short, 12, args.rounds),
                    "long": rounds_on(page, base, setup, setup.long, LONG_SPANS, args.rounds),
                }
            if not args.no_relations:
                changes["short"] |= relations_on(
                    page, base, setup, setup.short, SHORT_SPANS, args.rounds
                )
                changes["long"] |= relations_on(
                    page, base, setup, setup.long, LONG_SPANS, args.rounds
                )
            page.context.close()
            if not args.no_tags:
                page = sign_in(browser, base, "bench-reviewer", problems)
                pages["review, long, 3 layers"] = open_page(
                    page, f"{workspace}{setup.long}/review/", args.opens
                )
            browser.close()
    finally:
        server.stop()
    report(changes, pages, problems, time.monotonic() - began)


if __name__ == "__main__":
    main()
