"""In-page helpers for the workspace's article, shared by the browser tests and
bench/browser.py: select a stretch by its code-point offsets, and know a change by the DOM
alone (the marks' ``data-spans``), whatever shape the server's answer takes.

The article (``#article``) is a row of paragraphs (``<p>``) of ``.seg`` elements, each one
text node, whose ``data-start`` is its offset in code points; the browser counts UTF-16
units, so a stretch after an emoji such as 👋🏽 (2 code points, 4 units) is found by walking
code points.
"""

from playwright.sync_api import Page

# Select [start, end) in code points over the segments' text nodes, as a mouse selection
# would leave it; scroll it into view; answer the range's own text.
SELECT = """([start, end]) => {
    const segments = Array.from(document.querySelectorAll("#article .seg"));
    // The boundary point of code point `cp`, inside the segment that holds it (an end:
    // the segment that holds the code point before it), counted in UTF-16 units.
    const point = (cp, isEnd) => {
        const holder = isEnd ? cp - 1 : cp;
        let segment = segments[0];
        for (const s of segments) {
            if (Number(s.dataset.start) <= holder) segment = s;
            else break;
        }
        const node = segment.firstChild;
        let at = Number(segment.dataset.start);
        let units = 0;
        for (const character of node.data) {  // by code point
            if (at === cp) break;
            units += character.length;
            at += 1;
        }
        if (at !== cp) throw new Error(`code point ${cp} is not in its segment`);
        return [segment, node, units];
    };
    const [first, startNode, startUnits] = point(start, false);
    const [, endNode, endUnits] = point(end, true);
    first.scrollIntoView({ block: "center" });
    const range = document.createRange();
    range.setStart(startNode, startUnits);
    range.setEnd(endNode, endUnits);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    return range.toString();
}"""

# The span ids the article shows (any mark's data-spans), as a sorted list.
SPAN_IDS = """() => {
    const ids = new Set();
    for (const mark of document.querySelectorAll("#article mark[data-spans]")) {
        for (const id of mark.dataset.spans.split(" ")) ids.add(id);
    }
    return Array.from(ids).sort();
}"""

# Resolves once the page has been still for `quiet` ms: no DOM change and no htmx request
# in flight or settling (htmx's classes; none at all if the page stops using htmx).
QUIET = """(quiet) => new Promise((resolve) => {
    let timer = null;
    const busy = () => document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling");
    const wait = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
            if (busy()) return wait();
            observer.disconnect();
            resolve();
        }, quiet);
    };
    const observer = new MutationObserver(wait);
    observer.observe(document, { childList: true, subtree: true, attributes: true,
                                 characterData: true });
    wait();
})"""


def select_stretch(page: Page, start: int, end: int) -> str:
    """Select ``[start, end)`` (code points) in the article; the selected text."""
    return page.evaluate(SELECT, [start, end])


def span_ids(page: Page) -> set[str]:
    """The ids of the spans the article shows."""
    return set(page.evaluate(SPAN_IDS))


def wait_for_new_span(page: Page, before: set[str], timeout: float = 10_000) -> str | None:
    """Wait for a span id not in ``before`` to appear in the article, and answer it; or
    for the status line to say the change was refused (``None``)."""
    handle = page.wait_for_function(
        """(before) => {
            for (const mark of document.querySelectorAll("#article mark[data-spans]")) {
                for (const id of mark.dataset.spans.split(" ")) {
                    if (!before.includes(id)) return id;
                }
            }
            const status = document.getElementById("save-status");
            return status && status.textContent.startsWith("Not saved") ? "refused" : null;
        }""",
        arg=sorted(before),
        timeout=timeout,
    )
    found = handle.json_value()
    return None if found == "refused" else found


def wait_quiet(page: Page, quiet_ms: int = 30) -> None:
    """Wait until the page has settled after a change (see ``QUIET``)."""
    page.evaluate(QUIET, quiet_ms)
