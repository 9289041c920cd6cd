// Outstanding list keyboard navigation: j / k (or arrows) move the selection, Enter opens the
// assign panel for the selected incident and moves the focus into it (assign_panel.js: 1-9 or
// arrows pick a unit, Enter assigns, Escape comes back here), o opens the incident. The
// selection survives the table being refreshed by a live update.
import { openPanel } from "./assign_panel.js";

let selectedId = null;

const rows = () => Array.from(document.querySelectorAll("#outstanding tbody tr[data-id]"));

function select(row) {
  rows().forEach((r) => { r.classList.remove("selected"); r.removeAttribute("aria-selected"); });
  if (!row) return;
  row.classList.add("selected");
  row.setAttribute("aria-selected", "true");
  row.tabIndex = -1;
  row.scrollIntoView({ block: "nearest" });
  selectedId = row.dataset.id;
}

function current() {
  return rows().find((r) => r.dataset.id === selectedId) || null;
}

function move(step) {
  const all = rows();
  if (!all.length) return;
  const index = all.indexOf(current());
  const next = index === -1 ? 0 : Math.min(all.length - 1, Math.max(0, index + step));
  select(all[next]);
  const active = document.activeElement;
  if (active === document.body || (active && active.closest("#outstanding"))) all[next].focus({ preventScroll: true });
}

function openActions(row) {
  if (!row) return;
  openPanel(row.dataset.actionsUrl, { from: row });
}

document.addEventListener("keydown", (event) => {
  const tag = event.target.tagName;
  if (event.target.closest && event.target.closest("#actions-side")) return; // the panel's keys
  if (["INPUT", "TEXTAREA", "SELECT"].includes(tag) || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "j" || event.key === "ArrowDown") { move(1); event.preventDefault(); }
  else if (event.key === "k" || event.key === "ArrowUp") { move(-1); event.preventDefault(); }
  else if (event.key === "Enter" && current() && tag !== "BUTTON" && tag !== "A") { openActions(current()); event.preventDefault(); }
  else if (event.key === "o" && current()) { location.href = current().dataset.url; }
});

// Escape in the panel: back to the selected row (the one it was opened from may have been
// replaced by a live refresh of the table).
document.addEventListener("cad:panel-closed", () => {
  const active = document.activeElement;
  if (!active || active === document.body) current()?.focus({ preventScroll: true });
});

document.addEventListener("click", (event) => {
  const row = event.target.closest("#outstanding tbody tr[data-id]");
  if (row) select(row);
});

document.body.addEventListener("htmx:afterSwap", (event) => {
  if (event.target.id === "outstanding-table") {
    const hadFocus = document.activeElement === document.body || event.target.contains(document.activeElement);
    const row = current();
    if (row) {
      select(row);
      if (hadFocus) row.focus({ preventScroll: true });
    }
  }
});

// Something changed (an assignment from the side panel): refresh the table at once.
document.body.addEventListener("htmx:afterRequest", (event) => {
  const form = event.target.closest && event.target.closest("#actions-side form");
  if (form && event.detail.successful) document.dispatchEvent(new CustomEvent("cad:resync", { detail: { reason: "assigned" } }));
});
