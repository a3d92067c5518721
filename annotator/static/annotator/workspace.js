// The annotation workspace: selection → code-point offsets, the keyboard word cursor,
// label shortcuts. The server renders everything; this module turns what the analyst does
// into htmx requests, keeps their selection across a refused or failed save, and puts
// the pieces a change answers with (the stretch of the article it redrew, the span list's
// rows) in their places.
//
// Why the offset arithmetic: the browser measures text in UTF-16 code units over DOM
// nodes, Margin stores Unicode code points over the document text. An emoji such as 👋🏽
// is 2 code points but 4 UTF-16 units, so every offset is converted through a table.

import * as suggestions from "./suggestions.js";

const workspace = document.getElementById("workspace");

// State that survives the swaps of #annotation.
let cursor = null; // {anchor, focus} in UTF-16 units over the article text
let pending = null; // the selection being saved, restored if the save is refused or fails
let activeSpan = null; // id of the span chosen by a click, for relabel / delete

// --- The article as text, and the unit conversions -------------------------------------

function readArticle() {
  const article = document.getElementById("article");
  const segments = [];
  let text = "";
  for (const el of article.querySelectorAll(".seg")) {
    segments.push({ el, start: text.length, cp: Number(el.dataset.start) });
    text += el.textContent;
  }
  // cpAt[i]: code points before UTF-16 index i; u16At[c]: the UTF-16 index of code point c.
  const cpAt = new Uint32Array(text.length + 1);
  const u16At = [];
  let cp = 0;
  for (let i = 0; i < text.length; i++) {
    cpAt[i] = cp;
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        u16At.push(i);
        cpAt[i + 1] = cp; // inside a surrogate pair: belongs to the same code point
        i++;
        cp++;
        continue;
      }
    }
    u16At.push(i);
    cp++;
  }
  cpAt[text.length] = cp;
  u16At.push(text.length);
  return { article, segments, text, cpAt, u16At };
}

let view = null;

function isInsidePair(i) {
  const code = view.text.charCodeAt(i);
  return i > 0 && i < view.text.length && code >= 0xdc00 && code <= 0xdfff;
}

// Start offsets round down to the start of a code point, end offsets round up.
const toCpStart = (i) => view.cpAt[i];
const toCpEnd = (i) => view.cpAt[i] + (isInsidePair(i) ? 1 : 0);

function segmentAt(u16) {
  // The last segment starting at or before u16 (binary search: segments are in order).
  const list = view.segments;
  let lo = 0;
  let hi = list.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (list[mid].start <= u16) lo = mid;
    else hi = mid - 1;
  }
  return list[lo];
}

// A DOM boundary point (node, offset) as a UTF-16 index into the article text. The point
// may be in a segment's text, or between elements: segments, or paragraphs (blocks of
// segments), or at the very start or end of the article.
function pointToU16(node, offset) {
  const { article } = view;
  const startOf = (seg) => view.segments.find((s) => s.el === seg)?.start ?? null;
  if (node.nodeType === Node.TEXT_NODE) {
    const at = startOf(node.parentElement.closest(".seg"));
    return at === null ? null : at + Math.min(offset, node.data.length);
  }
  if (node !== article && !article.contains(node)) return null;
  const child = node.childNodes[offset];
  if (child) {
    // Before ``child``: where the first segment at or after it begins.
    const el = child.nodeType === Node.ELEMENT_NODE ? child : child.parentElement;
    const seg = el.closest(".seg") || el.querySelector(".seg");
    if (seg) return startOf(seg);
  }
  // After the last of ``node``'s children: where its last segment ends.
  const own = node.closest(".seg");
  const inside = node.querySelectorAll(".seg");
  const last = own || inside[inside.length - 1];
  if (!last) return node === article ? view.text.length : null;
  const at = startOf(last);
  return at === null ? null : at + last.textContent.length;
}

function selectionInArticle() {
  const selection = window.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  const { article } = view;
  if (!range.intersectsNode(article)) return null;
  // A selection that runs past the article is clipped to it.
  const startsInside = article.contains(range.startContainer);
  const endsInside = article.contains(range.endContainer);
  const start = startsInside ? pointToU16(range.startContainer, range.startOffset) : 0;
  const end = endsInside ? pointToU16(range.endContainer, range.endOffset) : view.text.length;
  if (start === null || end === null || end <= start) return null;
  return { start, end };
}

function select(start, end) {
  const range = document.createRange();
  const a = segmentAt(start);
  const b = segmentAt(end === start ? end : end - 1);
  range.setStart(a.el.firstChild, start - a.start);
  range.setEnd(b.el.firstChild, end - b.start);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  // Keep the cursor in view while walking through a long article.
  a.el.scrollIntoView({ block: "nearest" });
}

// --- The keyboard word cursor -----------------------------------------------------------

function words() {
  if (view.words) return view.words;
  const segmenter = new Intl.Segmenter(undefined, { granularity: "word" });
  view.words = [];
  for (const part of segmenter.segment(view.text)) {
    // Words, numbers, CJK, emoji and punctuation are all steps; white space is not.
    if (part.segment.trim() !== "") {
      view.words.push({ start: part.index, end: part.index + part.segment.length });
    }
  }
  return view.words;
}

function moveCursor(direction, extend) {
  const list = words();
  if (list.length === 0) return;
  if (!cursor) {
    const current = selectionInArticle();
    cursor = current ? { anchor: current.start, focus: current.end } : null;
  }
  if (!cursor) {
    const first = direction > 0 ? list[0] : list[list.length - 1];
    cursor = { anchor: first.start, focus: first.end };
  } else if (!extend) {
    const edge = direction > 0 ? Math.max(cursor.anchor, cursor.focus) : Math.min(cursor.anchor, cursor.focus);
    const word = direction > 0 ? list.find((w) => w.start >= edge) : list.findLast((w) => w.end <= edge);
    if (word) cursor = { anchor: word.start, focus: word.end };
  } else if (direction > 0) {
    const word = list.find((w) => w.end > cursor.focus);
    if (word) cursor.focus = word.end;
    if (cursor.focus <= cursor.anchor && word) cursor.focus = word.end;
  } else {
    const word = list.findLast((w) => w.start < cursor.focus);
    if (word && word.start > cursor.anchor) cursor.focus = word.start;
    else if (word && word.start <= cursor.anchor) {
      // Extending left past the anchor: the anchor becomes the end of the selection.
      if (cursor.focus > cursor.anchor) {
        const anchorWord = list.find((w) => w.start <= cursor.anchor && w.end > cursor.anchor);
        cursor.anchor = anchorWord ? anchorWord.end : cursor.anchor;
      }
      cursor.focus = word.start;
    }
  }
  select(Math.min(cursor.anchor, cursor.focus), Math.max(cursor.anchor, cursor.focus));
}

// --- Talking to the server --------------------------------------------------------------

function setStatus(text, state) {
  const status = document.getElementById("save-status");
  status.textContent = text;
  status.className = `save-status ${state}`;
}

function post(url, values) {
  setStatus("Saving…", "saving");
  htmx.ajax("POST", url, {
    source: view.article,
    target: "#annotation",
    swap: "outerHTML",
    values,
  });
}

function labelFor(key) {
  return workspace.querySelector(`.label-button[data-shortcut="${CSS.escape(key)}"]`);
}

// A document label's toggle answers with the bar alone (category_bar.py): the article, the
// selection and the word cursor stay as they are.
function categoryFor(key) {
  return workspace.querySelector(`.category-toggle[data-shortcut="${CSS.escape(key)}"]`);
}

function toggleCategory(button) {
  const bar = document.getElementById("categories");
  setStatus("Saving…", "saving");
  htmx.ajax("POST", bar.getAttribute("hx-post"), {
    source: bar,
    target: "#categories",
    swap: "outerHTML",
    values: { label: button.dataset.label },
  });
}

function applyLabel(labelId) {
  const chosen = selectionInArticle();
  if (chosen) {
    pending = chosen;
    post(workspace.dataset.spanUrl, {
      start: toCpStart(chosen.start),
      end: toCpEnd(chosen.end),
      label: labelId,
    });
  } else if (activeSpan) {
    post(workspace.dataset.relabelUrl.replace("/0/", `/${activeSpan}/`), { label: labelId });
  } else {
    setStatus("Select some text first (mouse, or the arrow keys), then press a label key.", "refused");
  }
}

// Choose a span (or none); ``announce`` says so on the status line, which after a change
// keeps the server's word on it instead.
function choose(spanId, announce = true) {
  activeSpan = spanId;
  for (const el of document.querySelectorAll(".active")) el.classList.remove("active");
  if (!spanId) return;
  for (const el of view.article.querySelectorAll(`[data-spans~="${spanId}"]`)) el.classList.add("active");
  const row = document.querySelector(`.span-row[data-span="${spanId}"]`);
  if (row) {
    row.classList.add("active");
    row.scrollIntoView({ block: "nearest" });
    if (!announce) return;
    const label = row.querySelector(".chip").textContent;
    setStatus(`Chosen: ${label} span. A label key relabels it, Delete removes it, Esc lets go.`, "");
  }
}

// --- Events -------------------------------------------------------------------------------

function onKeydown(event) {
  const target = event.target;
  const typing = target.closest("input, select, textarea, [contenteditable]");
  if (typing || event.altKey) return;
  // Shortcuts send their request directly rather than clicking the button: a button that
  // has just been swapped in may not be wired up by htmx yet.
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
    const undo = document.getElementById("undo");
    if (undo && !undo.disabled) post(undo.getAttribute("hx-post"), {});
    event.preventDefault();
    return;
  }
  if (event.ctrlKey || event.metaKey) return;
  const onButton = target.closest("button, a, summary");
  switch (event.key) {
    case "ArrowRight":
    case "ArrowLeft":
      // The article, or nothing (focus falls to the body while #annotation is swapped).
      if (target !== view.article && target !== document.body) return;
      moveCursor(event.key === "ArrowRight" ? 1 : -1, event.shiftKey);
      event.preventDefault();
      return;
    case "Escape":
      if (document.getElementById("guidelines").open && (guidelinesFrom || target.closest("#guidelines"))) {
        toggleGuidelines();
        event.preventDefault();
        return;
      }
      cursor = null;
      window.getSelection().removeAllRanges();
      choose(null);
      setStatus("Select text, then press a label key.", "");
      return;
    case "Enter":
      if (onButton) return;
      const complete = document.getElementById("complete");
      if (complete) {
        setStatus("Marking complete…", "saving");
        htmx.ajax("POST", complete.getAttribute("hx-post"), { source: view.article, swap: "none" });
      }
      event.preventDefault();
      return;
    case "Delete":
    case "Backspace":
      if (activeSpan) {
        post(workspace.dataset.deleteUrl.replace("/0/", `/${activeSpan}/`), {});
        activeSpan = null;
        event.preventDefault();
      }
      return;
    case "[":
      document.getElementById("previous-document")?.click();
      return;
    case "]":
      document.getElementById("next-document")?.click();
      return;
    case "?":
      toggleGuidelines();
      event.preventDefault();
      return;
  }
  // On a suggested document label or relation (reached with Tab), a and x decide it, as
  // they decide the chosen span suggestion: its own buttons send the request.
  const suggested = target.closest("[data-suggested]");
  if (suggested && (event.key === "a" || event.key === "x")) {
    const button = suggested.querySelector(event.key === "a" ? "[data-accept]" : "[data-reject]");
    setStatus("Saving…", "saving");
    htmx.ajax("POST", button.getAttribute("hx-post"), { source: button, swap: "none" });
    event.preventDefault();
    return;
  }
  // A label's key comes first: one set before the suggestion and relation keys were kept
  // (n, a, x, A, r) still tags.
  const label = event.key.length === 1 && labelFor(event.key);
  const category = event.key.length === 1 && !label && categoryFor(event.key);
  if (label) {
    event.preventDefault();
    applyLabel(label.dataset.label);
  } else if (category) {
    event.preventDefault();
    toggleCategory(category);
  } else if (suggestions.onKey(event.key)) {
    event.preventDefault();
  } else if (event.key === "r" && document.getElementById("relate")) {
    // relations.js draws the relation from the chosen span (or says to choose one).
    document.getElementById("relate").click();
    event.preventDefault();
  }
}

// ``?`` opens the guidelines and takes the focus there; ``?`` or Esc closes them and gives
// the focus back where it was, to the article with its word cursor as it was.
let guidelinesFrom = null; // {element, cursor} before the guidelines were opened by key

function toggleGuidelines() {
  const guide = document.getElementById("guidelines");
  if (!guide.open) {
    guidelinesFrom = { element: document.activeElement, cursor: cursor && { ...cursor } };
    guide.open = true;
    guide.querySelector("summary").focus();
    return;
  }
  guide.open = false;
  const from = guidelinesFrom;
  guidelinesFrom = null;
  // The article may have been drawn anew meanwhile: then the new one takes the focus.
  const back = from?.element?.isConnected && from.element !== document.body ? from.element : view.article;
  back.focus({ preventScroll: true });
  if (back === view.article && from?.cursor) {
    cursor = from.cursor;
    const { anchor, focus } = cursor;
    if (anchor !== focus) select(Math.min(anchor, focus), Math.max(anchor, focus));
  }
}

function onClick(event) {
  const toggle = event.target.closest(".category-toggle");
  if (toggle) {
    // Sent here rather than by the form: a bar just swapped in may not be wired up yet.
    event.preventDefault();
    toggleCategory(toggle);
    return;
  }
  const labelButton = event.target.closest(".label-button");
  if (labelButton) {
    applyLabel(labelButton.dataset.label);
    return;
  }
  const row = event.target.closest(".span-choose");
  if (row) {
    choose(row.dataset.span);
    return;
  }
  const remove = event.target.closest(".span-delete");
  if (remove) {
    if (activeSpan === remove.dataset.span) activeSpan = null;
    post(workspace.dataset.deleteUrl.replace("/0/", `/${remove.dataset.span}/`), {});
    return;
  }
  const mark = event.target.closest("#article .hl");
  if (mark && window.getSelection().isCollapsed) {
    // The innermost span first; clicking again walks out to the spans around it.
    const ids = mark.dataset.spans.split(" ");
    const next = ids[(ids.indexOf(activeSpan) + 1) % ids.length];
    choose(next);
  } else if (event.target.closest("#article") && window.getSelection().isCollapsed) {
    choose(null);
  }
}

// A mouse selection replaces the keyboard cursor.
function onMouseup(event) {
  if (event.target.closest("#article")) cursor = null;
}

function refresh() {
  view = readArticle();
}

document.addEventListener("keydown", onKeydown);
document.addEventListener("click", onClick);
document.addEventListener("mouseup", onMouseup);

// --- Answers that carry only what changed ---------------------------------------------

// The index in view.segments of the segment starting at code point cp, or -1.
function segmentIndexAt(cp) {
  const list = view.segments;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].cp < cp) lo = mid + 1;
    else hi = mid;
  }
  return lo < list.length && list[lo].cp === cp ? lo : cp === view.cpAt[view.text.length] ? lo : -1;
}

// Put the redrawn stretch [from, to) of the article in place of the segments it covers.
// The server cut it at boundaries the page has too; if not, the page is out of step. The
// paragraphs stay: each new segment goes into the one that held the old segment at its
// start, so that only the paragraphs the stretch touches are laid out again.
function placePieces(from, to, pieces) {
  const first = segmentIndexAt(from);
  const last = segmentIndexAt(to); // the first segment after the stretch
  if (first < 0 || last < 0 || last < first) return false;
  const after = view.segments[last]?.el ?? null;
  const old = view.segments.slice(first, last);
  if (old.length === 0 && pieces.children.length > 0) return false;
  // The pieces come without their text, which the page holds: each runs to the next.
  const elements = [...pieces.children];
  let holder = 0; // the index in ``old`` of the segment holding the piece's start
  const fresh = [];
  for (const [i, el] of elements.entries()) {
    const cp = Number(el.dataset.start);
    while (holder + 1 < old.length && old[holder + 1].cp <= cp) holder++;
    const paragraph = old[holder].el.parentElement;
    const start = view.u16At[cp];
    el.textContent = view.text.slice(start, view.u16At[Number(elements[i + 1]?.dataset.start ?? to)]);
    if (after && after.parentElement === paragraph) paragraph.insertBefore(el, after);
    else paragraph.append(el);
    fresh.push({ el, start, cp });
  }
  for (const segment of old) segment.el.remove();
  view.segments.splice(first, last - first, ...fresh);
  return true;
}

// Rows are in reading order: start, then end, then id.
function rowKey(row) {
  return [Number(row.dataset.start), Number(row.dataset.end), Number(row.dataset.span)];
}

function placeRows(removed, rows) {
  const list = document.getElementById("spans");
  for (const id of removed) list.querySelector(`:scope > [data-span="${id}"]`)?.remove();
  for (const row of [...rows.children]) {
    const key = rowKey(row);
    const before = [...list.children].find((other) => {
      const k = rowKey(other);
      return (k[0] - key[0] || k[1] - key[1] || k[2] - key[2]) > 0;
    });
    list.insertBefore(row, before ?? null);
  }
}

// The review page's comparison rows of the spans a change touched: those the page has
// loaded are replaced (or dropped); the others come with their page.
function placeCandidates(rows) {
  for (const id of rows.dataset.drop.split(" ")) if (id) document.getElementById(id)?.remove();
  for (const row of [...rows.children]) {
    const old = document.getElementById(row.id);
    if (!old) continue;
    old.replaceWith(row);
    htmx.process(row);
  }
}

function applyPatch() {
  const slot = document.getElementById("patch");
  const patch = slot.querySelector("template");
  if (!patch) return true; // nothing changed in the text: a refusal, or a document's state
  const pieces = patch.content.querySelector("[data-pieces]");
  if (pieces) {
    if (!placePieces(Number(pieces.dataset.from), Number(pieces.dataset.to), pieces)) return false;
    const rows = patch.content.querySelector("[data-rows]");
    placeRows(rows.dataset.remove.split(" "), rows);
  }
  const candidates = patch.content.querySelector("[data-candidates]");
  if (candidates) placeCandidates(candidates);
  view.article.dataset.layer = patch.dataset.layer;
  slot.replaceChildren();
  return true;
}

// Every change tells the server which state of the layer the page shows (see patches.py).
document.body.addEventListener("htmx:configRequest", (event) => {
  if (event.detail.verb === "post" && view && event.detail.elt.closest("#workspace")) {
    event.detail.parameters.layer = view.article.dataset.layer;
  }
});

// The toggle that had the focus when its bar was sent for.
let categoryFocus = null;
document.body.addEventListener("htmx:beforeRequest", () => {
  categoryFocus = document.activeElement?.closest?.(".category-toggle")?.dataset.label ?? null;
});

// On afterSwap, not afterSettle: htmx puts the focus back on #article as it swaps, so a key
// pressed during the settle delay must already find the new article.
let keep = null; // a refused selection, put back again once htmx has settled
document.body.addEventListener("htmx:afterSwap", (event) => {
  // htmx fires this on each element it swapped, out-of-band ones too: act once, on the
  // slot of a patch or on a new #annotation (which brings a new article).
  if (event.target.id === "patch") {
    if (!applyPatch()) {
      // Out of step with the server: draw the page again rather than guess.
      window.location.reload();
      return;
    }
  } else if (event.target.id === "annotation") {
    refresh();
  } else if (event.target.id === "categories") {
    // A toggle pressed by Tab and Enter keeps the focus on the new bar's same toggle.
    if (document.activeElement === document.body && categoryFocus) {
      document.getElementById("categories")?.querySelector(`[data-label="${categoryFocus}"]`)?.focus();
    }
    return;
  } else {
    return;
  }
  suggestions.afterSwap();
  if (activeSpan && !view.article.querySelector(`[data-spans~="${activeSpan}"]`)) activeSpan = null;
  if (activeSpan) choose(activeSpan, false);
  // Focusing asks for the new layout at once: only when the focus is elsewhere.
  if (document.activeElement !== view.article) view.article.focus({ preventScroll: true });
  // 422 is a refusal (the new classes are not settled in yet, so ask the response).
  const refused = event.detail.xhr && event.detail.xhr.status === 422;
  if (refused && pending) {
    keep = pending;
    select(keep.start, keep.end);
  } else {
    // After a tag (or a suggestion's decision) the word cursor waits just past it, so →
    // steps on to the next word.
    const at = pending ? Math.min(pending.end, view.text.length) : suggestions.takeResume();
    cursor = at === null ? null : { anchor: at, focus: at };
    window.getSelection().removeAllRanges();
  }
  pending = null;
});
document.body.addEventListener("htmx:afterSettle", () => {
  if (keep) select(keep.start, keep.end);
  keep = null;
});

// Network failure or a server error: nothing was swapped, so say so and keep the selection.
for (const name of ["htmx:sendError", "htmx:responseError", "htmx:timeout"]) {
  document.body.addEventListener(name, () => {
    setStatus("Not saved: Margin could not be reached. Your selection is kept; try again.", "refused");
    if (pending) select(pending.start, pending.end);
    pending = null;
  });
}

refresh();
suggestions.setup({
  view: () => view,
  select,
  setCursor: (value) => {
    cursor = value;
  },
  setStatus,
  post,
});
view.article.focus({ preventScroll: true });

// A search hit opens the workspace at it (`?at=<start>-<end>`, code points): the hit is
// selected and in view, ready for a label key.
const hitAt = /^(\d+)-(\d+)$/.exec(new URLSearchParams(window.location.search).get("at") || "");
if (hitAt) {
  const [start, end] = [Number(hitAt[1]), Number(hitAt[2])];
  if (start < end && end < view.u16At.length) {
    select(view.u16At[start], view.u16At[end]);
    cursor = { anchor: view.u16At[start], focus: view.u16At[end] };
  }
}
