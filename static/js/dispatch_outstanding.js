// Outstanding list keyboard navigation: j / k (or arrows) move the selection, Enter opens the
// assign panel for the selected incident, o opens the incident. The selection survives the
// table being refreshed by a live update.

let selectedId = null;

const rows = () => Array.from(document.querySelectorAll("#outstanding tbody tr[data-id]"));

function select(row) {
  rows().forEach((r) => { r.classList.remove("selected"); r.removeAttribute("aria-selected"); });
  if (!row) return;
  row.classList.add("selected");
  row.setAttribute("aria-selected", "true");
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
}

function openActions(row) {
  if (!row || !window.htmx) return;
  window.htmx.ajax("GET", row.dataset.actionsUrl, { target: "#actions-side", swap: "innerHTML" });
}

document.addEventListener("keydown", (event) => {
  const tag = event.target.tagName;
  if (["INPUT", "TEXTAREA", "SELECT"].includes(tag) || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "j" || event.key === "ArrowDown") { move(1); event.preventDefault(); }
  else if (event.key === "k" || event.key === "ArrowUp") { move(-1); event.preventDefault(); }
  else if (event.key === "Enter" && current() && tag !== "BUTTON" && tag !== "A") { openActions(current()); event.preventDefault(); }
  else if (event.key === "o" && current()) { location.href = current().dataset.url; }
});

document.addEventListener("click", (event) => {
  const row = event.target.closest("#outstanding tbody tr[data-id]");
  if (row) select(row);
});

document.body.addEventListener("htmx:afterSwap", (event) => {
  if (event.target.id === "outstanding-table") {
    const row = current();
    if (row) select(row);
  }
});

// Something changed (an assignment from the side panel): refresh the table at once.
document.body.addEventListener("htmx:afterRequest", (event) => {
  const form = event.target.closest && event.target.closest("#actions-side form");
  if (form && event.detail.successful) document.dispatchEvent(new CustomEvent("cad:resync", { detail: { reason: "assigned" } }));
});
