// Keyboard shortcuts on every page (loaded by base.html), and the `?` help overlay that lists
// them: the shortcuts everywhere, then those of the screen open (found by what is on it).
//
// Alt+letter shortcuts are declared in the markup, not as HTML accesskeys (those fire
// differently per browser and platform, and did not fire in Chromium here):
//   data-shortcut="alt+p"   Alt+P focuses the field (or clicks the link/button)
// Matched on the physical key (event.code), so Alt+letter works whatever character the
// layout makes of it. `?` (outside a text field) opens the overlay; Escape closes it and
// puts the focus back where it was.

const TEXT_TAGS = ["INPUT", "TEXTAREA", "SELECT"];

function typing(target) {
  return TEXT_TAGS.includes(target.tagName) || target.isContentEditable;
}

function visible(el) {
  return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length) && !el.closest("[hidden]");
}

function shortcutTarget(key) {
  return [...document.querySelectorAll(`[data-shortcut="alt+${key}"]`)].find(visible) || null;
}

function activate(el) {
  if (el.matches("a, button, input[type=submit], input[type=button]")) el.click();
  else el.focus();
}

// --- The help overlay ---------------------------------------------------------------------------

const EVERYWHERE = [
  ["?", "Show or hide this list of shortcuts"],
  ["Esc", "Close this list (or the open panel)"],
];

function altShortcuts() {
  const seen = new Map();
  document.querySelectorAll("[data-shortcut^='alt+']").forEach((el) => {
    if (!visible(el)) return;
    const key = el.dataset.shortcut.slice(4).toUpperCase();
    if (seen.has(key)) return;
    const label = el.dataset.shortcutLabel || el.getAttribute("aria-label") ||
      (el.id && document.querySelector(`label[for="${el.id}"]`)?.textContent.replace(/Alt\+\w/, "").trim()) ||
      el.closest("label")?.textContent.replace(/Alt\+\w/, "").trim() ||
      el.textContent.replace(/Alt\+\w/, "").trim() || el.name || "";
    seen.set(key, [`Alt+${key}`, el.matches("a, button") ? label : `To ${label}`]);
  });
  return [...seen.values()];
}

function sections() {
  const found = [["Everywhere", EVERYWHERE]];
  const alt = altShortcuts();
  if (document.getElementById("call-form")) {
    found.push(["Call taking", [
      ...alt,
      ["Ctrl+Enter", "Save the call at the recommended grade"],
      ["Ctrl+Shift+Enter", "Save the call, grade it next on the incident"],
      ["Alt+1 … Alt+9", "Attach the call to the incident offered as possibly the same"],
      ["Alt+Q", "To the domestic abuse questions (when shown)"],
      ["y / n / u", "Answer the focused DA question yes / no / unknown"],
    ]]);
  } else if (alt.length) {
    found.push(["This screen", alt]);
  }
  if (document.getElementById("outstanding") || document.getElementById("map-incidents")) {
    found.push(["Outstanding list and live map", [
      ["j / k  or  ↓ / ↑", "Move to the next / previous incident"],
      ["Enter", "Open the assignment panel and move into it"],
      ["o", "Open the incident's page (outstanding list)"],
    ]]);
  }
  if (document.getElementById("actions-side")) {
    found.push(["Assignment panel", [
      ["1 … 9", "Pick the unit with that number"],
      ["↓ / ↑", "Pick the next / previous unit"],
      ["Enter", "Assign the unit picked"],
      ["Esc", "Close the panel, back to the list"],
    ]]);
  }
  if (document.getElementById("alert-board")) {
    found.push(["Alert board", [
      ["j / k  or  ↓ / ↑", "Select the next / previous open alert"],
      ["a", "Acknowledge the selected alert"],
      ["Enter", "Open the selected alert's incident"],
    ]]);
  }
  return found;
}

let overlay = null;
let returnTo = null;

function closeHelp() {
  if (!overlay) return;
  overlay.remove();
  overlay = null;
  if (returnTo && document.contains(returnTo)) returnTo.focus();
  returnTo = null;
}

function openHelp() {
  returnTo = document.activeElement;
  overlay = document.createElement("div");
  overlay.id = "shortcut-help";
  overlay.className = "shortcut-help";
  overlay.setAttribute("role", "dialog");
  overlay.setAttribute("aria-modal", "true");
  overlay.setAttribute("aria-labelledby", "shortcut-help-title");
  const box = document.createElement("div");
  box.className = "shortcut-help-box panel";
  box.tabIndex = -1;
  const title = document.createElement("h2");
  title.id = "shortcut-help-title";
  title.textContent = "Keyboard shortcuts";
  const close = document.createElement("button");
  close.type = "button";
  close.className = "btn small shortcut-help-close";
  close.textContent = "Close (Esc)";
  close.addEventListener("click", closeHelp);
  box.append(title, close);
  for (const [heading, rows] of sections()) {
    const h = document.createElement("h3");
    h.textContent = heading;
    const table = document.createElement("table");
    table.className = "shortcut-table";
    const body = document.createElement("tbody");
    for (const [keys, what] of rows) {
      const tr = document.createElement("tr");
      const k = document.createElement("td");
      const kbd = document.createElement("kbd");
      kbd.textContent = keys;
      k.append(kbd);
      const w = document.createElement("td");
      w.textContent = what;
      tr.append(k, w);
      body.append(tr);
    }
    table.append(body);
    box.append(h, table);
  }
  overlay.append(box);
  overlay.addEventListener("click", (event) => { if (event.target === overlay) closeHelp(); });
  document.body.append(overlay);
  box.focus();
}

document.addEventListener("keydown", (event) => {
  if (overlay) {
    if (event.key === "Escape" || event.key === "?") {
      event.preventDefault();
      event.stopImmediatePropagation();
      closeHelp();
    }
    return;
  }
  if (event.key === "?" && !event.ctrlKey && !event.metaKey && !event.altKey && !typing(event.target)) {
    event.preventDefault();
    openHelp();
    return;
  }
  const letter = /^Key([A-Z])$/.exec(event.code || "");
  if (event.altKey && letter && !event.ctrlKey && !event.metaKey) {
    const target = shortcutTarget(letter[1].toLowerCase());
    if (target) {
      event.preventDefault();
      activate(target);
    }
  }
}, true);

window.cadShortcuts = { openHelp, closeHelp };
