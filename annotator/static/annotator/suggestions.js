// Suggestions in the workspace: the side list "Suggestions (n)" and the dashed marks in
// the article, built from the page's data island (#suggestion-data), and the keys n (next),
// a (accept), x (reject), Shift+A (accept all of the current one's source here).
//
// The marks are CSS Custom Highlights (CSS.highlights, ::highlight(sg-<label>) in the
// project's labels.css): ranges over the article's text nodes, not elements, so the
// article's DOM stays the spans' own and a tag's answer still carries only the stretch it
// redrew. Ranges a change took the text nodes of are drawn again after it. They are live
// Ranges: with StaticRanges, Chromium's share of a tag on the long article was about
// twice as long (it revalidates static ranges after each change).
//
// workspace.js owns the article, the selection and the requests: it hands this module its
// helpers (setup), asks it after each swap (redraw) and with each key it does not use
// itself (onKey).

let hooks = null; // {view(), select(u16Start, u16End), setCursor(cursor), setStatus(text, state), post(url, values)}
let panel = null;
let items = []; // pending suggestions in reading order: {id, start, end, label, source, score}
let current = null; // the suggestion n went to
let after = null; // [start, end, id] of the last one decided: n goes on from there
let resume = null; // UTF-16 index just past the last one decided: the word cursor's next stop

const byOrder = (a, b) => a.start - b.start || a.end - b.end || a.id - b.id;
const HOVER = "sg-current";

function load(data) {
  items = data.items
    .map(([id, start, end, label, source, score]) => ({ id, start, end, label, source: data.sources[source], score }))
    .sort(byOrder);
}

function labelName(labelId) {
  const button = document.querySelector(`.label-button[data-label="${labelId}"] .label-name`);
  return button ? button.textContent : "?";
}

function textOf(item) {
  const view = hooks.view();
  const text = view.text.slice(view.u16At[item.start], view.u16At[item.end]);
  return text.length <= 80 ? text : `${text.slice(0, 79)}…`;
}

function provenance(item) {
  return item.score === null || item.score === undefined ? item.source : `${item.source}, ${item.score.toFixed(2)}`;
}

function describe(item) {
  return `${labelName(item.label)} “${textOf(item)}” (${provenance(item)})`;
}

// --- The side list -----------------------------------------------------------------------

function row(item) {
  const li = document.createElement("li");
  li.className = "suggestion-row";
  li.dataset.suggestion = item.id;
  const go = document.createElement("button");
  go.type = "button";
  go.className = `suggestion-go c1-${item.label}`;
  go.dataset.suggestion = item.id;
  go.setAttribute("aria-label", `Go to suggestion ${describe(item)}`);
  const chip = document.createElement("span");
  chip.className = "chip";
  chip.textContent = labelName(item.label);
  const quoted = document.createElement("span");
  quoted.className = "span-text";
  quoted.textContent = textOf(item);
  const source = document.createElement("span");
  source.className = "suggestion-source muted small";
  source.textContent = provenance(item);
  go.append(chip, " ", quoted, " ", source);
  const accept = document.createElement("button");
  accept.type = "button";
  accept.className = "suggestion-accept";
  accept.dataset.suggestion = item.id;
  accept.textContent = "Accept";
  accept.setAttribute("aria-label", `Accept ${describe(item)}`);
  const reject = document.createElement("button");
  reject.type = "button";
  reject.className = "suggestion-reject";
  reject.dataset.suggestion = item.id;
  reject.textContent = "Reject";
  reject.setAttribute("aria-label", `Reject ${describe(item)}`);
  li.append(go, accept, reject);
  return li;
}

function fillList() {
  const list = document.getElementById("suggestion-list");
  list.replaceChildren(...items.map(row));
  count();
}

// A project that uses no suggestions (or a document whose are all decided) shows no list.
function count() {
  document.getElementById("suggestion-count").textContent = `(${items.length})`;
  panel.hidden = items.length === 0;
}

// --- The marks in the article ------------------------------------------------------------

// A UTF-16 boundary of the article as (text node, offset): the segment holding the unit
// at ``u16`` (an end: the unit before it).
function point(u16, isEnd) {
  const segments = hooks.view().segments;
  const at = isEnd ? u16 - 1 : u16;
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segments[mid].start <= at) lo = mid;
    else hi = mid - 1;
  }
  const segment = segments[lo];
  return [segment.el.firstChild, u16 - segment.start];
}

function rangeOf(item) {
  const view = hooks.view();
  const [startNode, startOffset] = point(view.u16At[item.start], false);
  const [endNode, endOffset] = point(view.u16At[item.end], true);
  const range = document.createRange();
  range.setStart(startNode, startOffset);
  range.setEnd(endNode, endOffset);
  return range;
}

// The marks are kept up to date rather than drawn anew: a range whose text nodes a change
// replaced (or whose suggestion was decided) goes, a suggestion without one gets one. And
// only the suggestions in the paragraphs on (or near) the screen are drawn: Chromium
// revisits registered ranges after each change to the DOM.
const drawn = new Map(); // suggestion id -> {range, label}
const near = new Set(); // the article's paragraphs on or near the screen
let watched = null; // the article whose paragraphs ``seen`` observes

const seen = new IntersectionObserver(
  (entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) near.add(entry.target);
      else near.delete(entry.target);
    }
    redraw();
  },
  { rootMargin: "50% 0px" },
);

function watch() {
  const article = hooks.view().article;
  if (watched === article) return;
  seen.disconnect();
  near.clear();
  watched = article;
  for (const paragraph of article.children) seen.observe(paragraph);
}

// Whether the suggestion starts in a paragraph near the screen.
function isNear(item) {
  const [node] = point(hooks.view().u16At[item.start], false);
  return near.has(node.parentElement.parentElement);
}

function highlightFor(label) {
  const name = `sg-${label}`;
  let highlight = CSS.highlights.get(name);
  if (!highlight) {
    highlight = new Highlight();
    CSS.highlights.set(name, highlight);
  }
  return highlight;
}

// A live range over text nodes a change took out has moved onto their paragraph: it is
// drawn again from its offsets.
const intact = (range) =>
  range.startContainer.nodeType === Node.TEXT_NODE &&
  range.endContainer.nodeType === Node.TEXT_NODE &&
  range.startContainer.isConnected &&
  range.endContainer.isConnected;

export function redraw() {
  if (!panel || !("highlights" in CSS)) return;
  watch();
  const live = new Map(items.filter(isNear).map((item) => [item.id, item]));
  for (const [id, { range, label }] of drawn) {
    if (live.get(id)?.label !== label || !intact(range)) {
      highlightFor(label).delete(range);
      drawn.delete(id);
    }
  }
  for (const item of live.values()) {
    if (drawn.has(item.id)) continue;
    const range = rangeOf(item);
    drawn.set(item.id, { range, label: item.label });
    highlightFor(item.label).add(range);
  }
  const chosen = current && items.find((item) => item.id === current);
  if (chosen) {
    const highlight = new Highlight(drawn.get(current)?.range ?? rangeOf(chosen));
    highlight.priority = 1;
    CSS.highlights.set(HOVER, highlight);
  } else {
    CSS.highlights.delete(HOVER);
  }
}

// --- Choosing and deciding ---------------------------------------------------------------

function goTo(item, announce = true) {
  current = item.id;
  const view = hooks.view();
  const start = view.u16At[item.start];
  const end = view.u16At[item.end];
  hooks.setCursor({ anchor: start, focus: end });
  hooks.select(start, end);
  for (const el of panel.querySelectorAll(".suggestion-row.current")) el.classList.remove("current");
  const li = panel.querySelector(`.suggestion-row[data-suggestion="${item.id}"]`);
  if (li) {
    li.classList.add("current");
    li.scrollIntoView({ block: "nearest" });
  }
  redraw();
  if (announce) {
    const place = items.indexOf(item) + 1;
    hooks.setStatus(
      `Suggestion ${place} of ${items.length}: ${describe(item)}. a accepts, x rejects, Shift+A accepts all from ${item.source}.`,
      "",
    );
  }
}

function next() {
  if (items.length === 0) {
    hooks.setStatus("No suggestions wait for you in this document.", "");
    return;
  }
  const chosen = items.find((item) => item.id === current);
  const from = chosen ? [chosen.start, chosen.end, chosen.id] : after;
  let found = from
    ? items.find((item) => byOrder(item, { start: from[0], end: from[1], id: from[2] }) > 0)
    : items[0];
  found ??= items[0]; // past the last one: round to the first
  goTo(found);
}

function chosenOrSay() {
  const chosen = items.find((item) => item.id === current);
  if (!chosen) hooks.setStatus("Press n to go to a suggestion first.", "refused");
  return chosen;
}

function decided(item) {
  after = [item.start, item.end, item.id];
  resume = hooks.view().u16At[item.end];
}

function decide(item, accept) {
  decided(item);
  const url = panel.dataset[accept ? "acceptUrl" : "rejectUrl"].replace("/0/", `/${item.id}/`);
  hooks.post(url, {});
}

function acceptSource(item) {
  decided(item);
  hooks.post(panel.dataset.sourceUrl, { source: item.source });
}

// Where the word cursor waits after a decision's answer (as after a tag: → steps on to the
// next word), once; null when the answer was not to a decision.
export function takeResume() {
  const at = resume;
  resume = null;
  return at;
}

// A key workspace.js left alone: whether it was one of ours.
export function onKey(key) {
  if (!panel) return false;
  const chosen = () => chosenOrSay();
  if (key === "n") next();
  else if (key === "a") chosen() && decide(chosen(), true);
  else if (key === "x") chosen() && decide(chosen(), false);
  else if (key === "A") chosen() && acceptSource(chosen());
  else return false;
  return true;
}

// --- Answers -----------------------------------------------------------------------------

// The answer to a change names the suggestions it decided and the pending set's state
// (annotator/suggestion_panel.py); a state the page does not reach by taking those out
// means the set changed otherwise (an undo, propagation, another tab): ask for it afresh.
function applyChanges() {
  const changes = document.getElementById("suggestion-changes");
  if (!changes || changes.dataset.applied) return;
  changes.dataset.applied = "1";
  const removed = new Set(changes.dataset.removed.split(" ").filter(Boolean).map(Number));
  if (removed.size) {
    items = items.filter((item) => !removed.has(item.id));
    for (const id of removed) panel.querySelector(`.suggestion-row[data-suggestion="${id}"]`)?.remove();
    if (removed.has(current)) current = null;
    count();
  }
  const state = `${items.length}.${items.reduce((sum, item) => sum + item.id, 0)}`;
  if (state !== changes.dataset.state) {
    fetch(panel.dataset.listUrl, { headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response)))
      .then((data) => {
        load(data);
        if (!items.some((item) => item.id === current)) current = null;
        fillList();
        redraw();
      })
      .catch(() => {});
  }
}

// After each swap, when the article (or its stretch) is in place.
export function afterSwap() {
  if (!panel) return;
  applyChanges();
  redraw();
}

function onClick(event) {
  const button = event.target.closest("#suggestion-panel button[data-suggestion]");
  if (!button) return;
  const item = items.find((one) => one.id === Number(button.dataset.suggestion));
  if (!item) return;
  if (button.classList.contains("suggestion-go")) goTo(item);
  else decide(item, button.classList.contains("suggestion-accept"));
}

// The label and source under the pointer, as the article's tooltip: a highlight is no
// element and has no title of its own.
let hoverQueued = false;
function onPointer(event) {
  if (hoverQueued) return;
  hoverQueued = true;
  requestAnimationFrame(() => {
    hoverQueued = false;
    const view = hooks.view();
    const caret = document.caretPositionFromPoint?.(event.clientX, event.clientY);
    const segment = caret?.offsetNode?.parentElement?.closest?.(".seg");
    const found = segment && view.segments.find((one) => one.el === segment);
    let title = "";
    if (found) {
      const cp = view.cpAt[found.start + caret.offset];
      const under = items.filter((item) => item.start <= cp && cp < item.end);
      title = under.map((item) => `Suggested: ${labelName(item.label)} (${provenance(item)})`).join("\n");
    }
    if (title) view.article.title = title;
    else view.article.removeAttribute("title");
  });
}

export function setup(given) {
  panel = document.getElementById("suggestion-panel");
  if (!panel) return;
  hooks = given;
  load(JSON.parse(document.getElementById("suggestion-data").textContent));
  fillList();
  redraw();
  panel.addEventListener("click", onClick);
  document.addEventListener("mousemove", (event) => {
    if (event.target.closest?.("#article")) onPointer(event);
  });
  // The answer's state comes out of band; htmx fires afterSwap on it as well.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.target.id === "suggestion-changes") afterSwap();
  });
}
