// The review page's analysts' layers, drawn under the article's text: one band per analyst
// (in the legend's order, the first nearest the text), each span in its label's colour.
// The bands are a picture of what the comparison's rows say; the rows stay the accessible
// list (a row takes the focus, Enter accepts it). Clicking a band, or a row's Accept
// button, accepts that span into gold through the same view as the ticked boxes.
//
// The bands are positioned over the article from the text's own boxes (Range client
// rects), so the article's markup is the annotator workspace's: the server sends the
// spans as numbers (#band-data), not as thousands of extra elements.

const BAND = 3; // px, each band's height
const GAP = 1; // px between bands
const CLEAR = 5; // px between the text and the first band: below a gold mark's border

let data = null; // {analysts: [name], spans: [[analyst, start, end, label, span, rejected]]}
let labels = null; // label id -> name, from the label buttons

function readData() {
  const script = document.getElementById("band-data");
  data = script ? JSON.parse(script.textContent) : null;
  labels = new Map(
    [...document.querySelectorAll(".label-button")].map((b) => [
      Number(b.dataset.label),
      b.querySelector(".label-name").textContent,
    ]),
  );
}

// The article's text nodes with their code-point offsets (band offsets are code points),
// and for each node where each of its code points begins in UTF-16 units: built once a
// drawing, so that finding a span's ends costs a look-up, not a walk through the text.
function textIndex(article) {
  const nodes = [];
  for (const seg of article.querySelectorAll(".seg")) {
    const node = seg.firstChild;
    if (!node || node.nodeType !== Node.TEXT_NODE) continue;
    const text = node.data;
    const units = [];
    for (let i = 0; i < text.length; i++) {
      units.push(i);
      const code = text.charCodeAt(i);
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) i++;
    }
    units.push(text.length);
    nodes.push({ node, cp: Number(seg.dataset.start), units });
  }
  return nodes;
}

// (node, UTF-16 offset in it) of code point ``cp``.
function pointAt(nodes, cp) {
  let lo = 0;
  let hi = nodes.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (nodes[mid].cp <= cp) lo = mid;
    else hi = mid - 1;
  }
  const { node, cp: first, units } = nodes[lo];
  return [node, units[Math.min(cp - first, units.length - 1)]];
}

function rejectedNow() {
  // A rejection made on this page arrives in the comparison's rows, not in #band-data.
  return new Set([...document.querySelectorAll("#candidates .rejected[data-span]")].map((el) => Number(el.dataset.span)));
}

function draw() {
  const layer = document.getElementById("bands");
  const article = document.getElementById("article");
  if (!layer || !article) return;
  readData();
  if (!data) return;
  const shown = document.getElementById("bands-shown");
  layer.hidden = shown ? !shown.checked : false;
  const nodes = textIndex(article);
  if (nodes.length === 0) return;
  const rejected = rejectedNow();
  const origin = layer.getBoundingClientRect();
  const range = document.createRange();
  const fragment = document.createDocumentFragment();
  for (const [analyst, start, end, label, span, wasRejected] of data.spans) {
    range.setStart(...pointAt(nodes, start));
    range.setEnd(...pointAt(nodes, end));
    const name = labels.get(label) ?? "?";
    const quoted = range.toString();
    const isRejected = wasRejected || rejected.has(span);
    const title = `${data.analysts[analyst]} · ${name} · “${quoted}”${isRejected ? " · rejected" : ""} — click to accept into gold`;
    for (const rect of range.getClientRects()) {
      if (rect.width < 1) continue;
      const band = document.createElement("div");
      band.className = `band c1-${label}${isRejected ? " rejected" : ""}`;
      band.dataset.key = `${start}:${end}:${label}`;
      band.dataset.span = span;
      band.dataset.analyst = data.analysts[analyst];
      band.title = title;
      // CSSOM, not a style attribute: the CSP allows the one, not the other.
      band.style.left = `${rect.left - origin.left}px`;
      band.style.width = `${rect.width}px`;
      band.style.top = `${rect.bottom - origin.top + CLEAR + analyst * (BAND + GAP)}px`;
      fragment.append(band);
    }
  }
  layer.replaceChildren(fragment);
}

let queued = false;
function redraw() {
  if (queued) return;
  queued = true;
  requestAnimationFrame(() => {
    queued = false;
    draw();
  });
}

function setStatus(text, state) {
  const status = document.getElementById("save-status");
  status.textContent = text;
  status.className = `save-status ${state}`;
}

function accept(key) {
  const form = document.getElementById("accept-form");
  if (!form) return;
  setStatus("Saving…", "saving");
  htmx.ajax("POST", form.dataset.url, {
    source: document.getElementById("article"),
    target: "#annotation",
    swap: "outerHTML",
    values: { key },
  });
}

// Comment on a span: the comment form takes the span and the focus.
function commentOn(button) {
  const input = document.getElementById("comment-span");
  if (!input) return;
  input.value = button.dataset.span;
  document.getElementById("comment-about").textContent = button.dataset.about;
  document.getElementById("comment-on").hidden = false;
  const body = document.getElementById("comment-body");
  body.scrollIntoView({ block: "nearest" });
  body.focus();
}

function commentOnDocument() {
  document.getElementById("comment-span").value = "";
  document.getElementById("comment-on").hidden = true;
  document.getElementById("comment-body").focus();
}

function light(row) {
  for (const el of document.querySelectorAll(".band.lit")) el.classList.remove("lit");
  if (!row) return;
  const { start, end } = row.dataset;
  for (const el of document.querySelectorAll(`.band[data-key^="${start}:${end}:"]`)) el.classList.add("lit");
}

document.addEventListener("click", (event) => {
  const band = event.target.closest(".band");
  const one = event.target.closest(".accept-one");
  if (band || one) {
    accept((band || one).dataset.key);
    return;
  }
  const comment = event.target.closest(".comment-span");
  if (comment) {
    commentOn(comment);
    return;
  }
  if (event.target.closest("#comment-span-clear")) commentOnDocument();
});

document.addEventListener("change", (event) => {
  if (event.target.id === "bands-shown") redraw();
});

// Enter on a focused row accepts its label; on a conflict, whose labels are several, it
// takes the focus to the first one's Accept button instead of choosing for the reviewer.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || event.ctrlKey || event.metaKey || event.altKey) return;
  const row = event.target;
  if (!(row instanceof HTMLElement) || !row.matches("#candidates tr.candidate")) return;
  event.preventDefault();
  const open = row.querySelectorAll(".accept-one");
  if (open.length === 1) accept(open[0].dataset.key);
  else if (open.length > 1) {
    open[0].focus();
    setStatus("Different labels here: Tab to the one to accept, then Enter.", "");
  } else setStatus("Already in gold.", "");
});

document.addEventListener("focusin", (event) => light(event.target.closest?.("#candidates tr.candidate")));

// A change redraws gold marks (their labels take room, moving the words after them) or
// the whole annotation; a page of rows or the comments move no word. Drawing the 1,000
// spans of a 20,000-character article took 30–60 ms in Chromium, the frame included.
document.body.addEventListener("htmx:afterSettle", (event) => {
  if (event.target.id === "patch" || event.target.id === "annotation") redraw();
});
new ResizeObserver(redraw).observe(document.getElementById("workspace"));
document.fonts.ready.then(redraw);
redraw();
