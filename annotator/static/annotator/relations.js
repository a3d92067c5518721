// Relations in the workspace: choose a span, "Relate…", move to the target with the arrow
// keys (or click it in the span list), Enter, then pick the type. The server checks every
// rule (the type's labels, one layer, not to itself, not twice) and answers with the
// row added or removed, out of band (the panel's other rows stay), or a refusal on the
// status line.

let mode = null; // {source, target, picking} while a relation is being drawn

const panel = () => document.getElementById("relations");
const rows = () => [...document.querySelectorAll("#spans .span-row")];

function say(text, state = "") {
  const status = document.getElementById("save-status");
  status.textContent = text;
  status.className = `save-status ${state}`;
}

function describe(id) {
  const row = document.querySelector(`#spans .span-row[data-span="${id}"]`);
  if (!row) return `span ${id}`;
  return `${row.querySelector(".chip").textContent} “${row.querySelector(".span-text").textContent}”`;
}

function mark(id) {
  for (const el of document.querySelectorAll(".relation-target")) el.classList.remove("relation-target");
  if (!id) return;
  for (const el of document.querySelectorAll(`#article [data-spans~="${id}"], #spans .span-row[data-span="${id}"]`)) {
    el.classList.add("relation-target");
  }
  document.querySelector(`#spans .span-row[data-span="${id}"]`)?.scrollIntoView({ block: "nearest" });
}

function start() {
  const chosen = document.querySelector("#spans .span-row.active");
  if (!chosen) {
    say("Choose the source span first (a row of the span list, or a mark in the text), then Relate.", "refused");
    return;
  }
  mode = { source: chosen.dataset.span, target: null, picking: false };
  say(`Relating ${describe(mode.source)}: → or ← moves to the target, Enter takes it, Esc cancels.`);
  document.getElementById("article").focus({ preventScroll: true });
}

function cancel(message = "Relation cancelled.") {
  mode = null;
  mark(null);
  const picker = document.getElementById("relation-picker");
  if (picker) picker.hidden = true;
  say(message);
}

function step(direction) {
  const others = rows().filter((row) => row.dataset.span !== mode.source);
  if (others.length === 0) return;
  const at = others.findIndex((row) => row.dataset.span === mode.target);
  const next = at < 0 ? (direction > 0 ? 0 : others.length - 1) : (at + direction + others.length) % others.length;
  target(others[next].dataset.span);
}

function target(id) {
  mode.target = id;
  mark(id);
  say(`Relating ${describe(mode.source)} to ${describe(id)}: Enter takes it.`);
}

function pick() {
  mode.picking = true;
  const picker = document.getElementById("relation-picker");
  picker.hidden = false;
  picker.querySelector("button")?.focus();
  say(`${describe(mode.source)} → ${describe(mode.target)}: pick the type (Tab, Enter).`);
}

function send(type) {
  const section = panel();
  const values = { source: mode.source, target: mode.target, type };
  mode = null;
  mark(null);
  // The answer carries the new row alone (out of band): the picker closes here.
  document.getElementById("relation-picker").hidden = true;
  document.getElementById("article")?.focus({ preventScroll: true });
  say("Saving…", "saving");
  htmx.ajax("POST", section.dataset.url, { source: section, target: "#relations", swap: "none", values });
}

document.addEventListener(
  "keydown",
  (event) => {
    if (!mode || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "Escape") {
      cancel();
    } else if (mode.picking) {
      return; // Tab and Enter work the type buttons
    } else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      step(event.key === "ArrowRight" ? 1 : -1);
    } else if (event.key === "Enter" && mode.target) {
      pick();
    } else {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
  },
  true,
);

document.addEventListener(
  "click",
  (event) => {
    if (event.target.closest("#relate")) {
      start();
      return;
    }
    const type = event.target.closest(".relation-type");
    if (type && mode?.target) {
      send(type.dataset.type);
      return;
    }
    const remove = event.target.closest(".relation-delete");
    if (remove) {
      const section = panel();
      // Its row is about to go: the article keeps the keyboard.
      document.getElementById("article")?.focus({ preventScroll: true });
      htmx.ajax("POST", section.dataset.deleteUrl.replace("/0/", `/${remove.dataset.relation}/`), {
        source: section,
        target: "#relations",
        swap: "none",
      });
      return;
    }
    // While relating, a click on a span of the list makes it the target.
    const row = mode && !mode.picking && event.target.closest("#spans .span-choose");
    if (row && row.dataset.span !== mode.source) {
      target(row.dataset.span);
      event.stopImmediatePropagation();
      event.preventDefault();
    }
  },
  true,
);

document.body.addEventListener("htmx:afterSwap", (event) => {
  if (event.target.id !== "relations") return;
  if (document.activeElement === document.body) document.getElementById("article")?.focus({ preventScroll: true });
});

// A relation's row, hovered or focused (its delete button takes the focus), lights both its
// ends, in the text and in the span list: on a long article the list stays readable where
// arcs would cross.
let lit = null;

function light(row) {
  if (row === lit) return;
  lit = row;
  for (const el of document.querySelectorAll(".relation-end")) el.classList.remove("relation-end");
  if (!row) return;
  for (const id of [row.dataset.source, row.dataset.target]) {
    for (const el of document.querySelectorAll(`#article [data-spans~="${id}"], #spans .span-row[data-span="${id}"]`)) {
      el.classList.add("relation-end");
    }
  }
}

for (const type of ["mouseover", "focusin"]) {
  document.addEventListener(type, (event) => light(event.target.closest?.("#relation-list .relation-row") ?? null));
}
