// The alert board from the keyboard: j / k (or ↓ / ↑) select the next / previous open alert,
// `a` acknowledges the selected one (its own Acknowledge button, so the server's rules and the
// board's refresh are the same as a click), Enter opens its incident. The selection is kept by
// alert id across the live re-renders of the board; after an acknowledgement it moves to the
// alert that took its place.

const board = document.getElementById("alert-board");
let selectedId = null;
let selectedIndex = 0;

const rows = () => [...board.querySelectorAll(".alert-table:not(.acknowledged) tr.alert-row")];

function select(row, { focus = true } = {}) {
  board.querySelectorAll("tr.alert-row.selected").forEach((r) => {
    r.classList.remove("selected");
    r.removeAttribute("aria-selected");
  });
  if (!row) { selectedId = null; return; }
  row.classList.add("selected");
  row.setAttribute("aria-selected", "true");
  row.tabIndex = -1;
  selectedId = row.dataset.alertId;
  selectedIndex = rows().indexOf(row);
  if (focus) row.focus({ preventScroll: false });
}

function current() {
  return rows().find((r) => r.dataset.alertId === selectedId) || null;
}

function move(step) {
  const all = rows();
  if (!all.length) return;
  const index = all.indexOf(current());
  select(all[index === -1 ? 0 : Math.min(all.length - 1, Math.max(0, index + step))]);
}

if (board) {
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "j" || event.key === "ArrowDown") { move(1); event.preventDefault(); }
    else if (event.key === "k" || event.key === "ArrowUp") { move(-1); event.preventDefault(); }
    else if (event.key === "a" && current()) {
      const button = current().querySelector("form button[type=submit]");
      if (button) { button.click(); event.preventDefault(); }
    } else if (event.key === "Enter" && current() && target.tagName !== "BUTTON" && target.tagName !== "A") {
      const link = current().querySelector("a[href]");
      if (link) { link.click(); event.preventDefault(); }
    }
  });
  board.addEventListener("click", (event) => {
    const row = event.target.closest(".alert-table:not(.acknowledged) tr.alert-row");
    if (row) select(row, { focus: false });
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target !== board || selectedId === null) return;
    const hadFocus = document.activeElement === document.body || board.contains(document.activeElement);
    const all = rows();
    const row = current() || all[Math.min(selectedIndex, all.length - 1)] || null;
    select(row, { focus: hadFocus });
  });
}
