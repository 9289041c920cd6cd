// The assignment panel (#actions-side) from the keyboard, shared by the outstanding list and the
// live map: opening it moves the focus into it (to unit 1); 1-9 pick that unit, ↓/↑ the next or
// previous one; Enter on the picked unit's button assigns it (the button's own submit); Escape
// closes the panel and gives the focus back to where it was opened from. After an assignment
// htmx swaps the panel: the focus goes to the new panel so Escape still works.

const side = () => document.getElementById("actions-side");
let opener = null;
let placeholder = side() ? side().innerHTML : null;

function optionButtons() {
  const panel = side();
  return panel ? [...panel.querySelectorAll(".unit-options button[type=submit]")] : [];
}

function focusInto() {
  const panel = side();
  if (!panel) return;
  const target = optionButtons()[0] || panel.querySelector(".actions-panel");
  if (target) target.focus();
}

export function openPanel(url, { focus = true, from = null } = {}) {
  const panel = side();
  if (!panel || !window.htmx) return Promise.resolve();
  opener = from || document.activeElement;
  return window.htmx.ajax("GET", url, { target: panel, swap: "innerHTML" }).then(() => {
    // Bind the new panel's forms before the focus lands on them: a key pressed before htmx
    // had processed them submitted the assign form natively (a full page load, seen on the map).
    window.htmx.process(panel);
    if (focus) focusInto();
  });
}

export function closePanel() {
  const panel = side();
  if (!panel) return;
  if (placeholder !== null) panel.innerHTML = placeholder;
  const back = opener;
  opener = null;
  if (back && document.contains(back)) back.focus();
  document.dispatchEvent(new CustomEvent("cad:panel-closed"));
}

function onKey(event) {
  const panel = side();
  if (!panel || event.ctrlKey || event.metaKey || event.altKey) return;
  // The focus lost (the panel swapped under it): Escape still closes the open panel.
  if (event.key === "Escape" && event.target === document.body && panel.querySelector(".actions-panel")) {
    closePanel();
    event.preventDefault();
    return;
  }
  if (!panel.contains(event.target)) return;
  if (["INPUT", "TEXTAREA", "SELECT"].includes(event.target.tagName)) {
    if (event.key === "Escape") { event.target.blur(); panel.querySelector(".actions-panel")?.focus(); }
    return;
  }
  const buttons = optionButtons();
  const index = buttons.indexOf(event.target);
  if (/^[1-9]$/.test(event.key)) {
    const picked = buttons[Number(event.key) - 1];
    if (picked) picked.focus();
    event.preventDefault();
    event.stopPropagation();
  } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    if (!buttons.length) return;
    const step = event.key === "ArrowDown" ? 1 : -1;
    const next = index === -1 ? 0 : Math.min(buttons.length - 1, Math.max(0, index + step));
    buttons[next].focus();
    event.preventDefault();
    event.stopPropagation();
  } else if (event.key === "Escape") {
    closePanel();
    event.preventDefault();
    event.stopPropagation();
  }
}

if (!window.__assignPanelKeys) {
  window.__assignPanelKeys = true;
  // Capture: the panel's keys win over the list's (j/k, Enter) while the focus is in the panel.
  document.addEventListener("keydown", onKey, true);
  // A form in the panel (assign, release, divert) swaps the panel, and the focus with it: put
  // the focus on the new panel so the keys still work there.
  let refocus = false;
  document.addEventListener("htmx:beforeRequest", (event) => {
    const panel = side();
    if (panel && panel.contains(event.target) && event.target.closest(".actions-panel")) refocus = true;
  });
  document.addEventListener("htmx:afterSettle", () => {
    if (!refocus) return;
    refocus = false;
    const active = document.activeElement;
    if (!active || active === document.body || !document.contains(active)) {
      side()?.querySelector(".actions-panel")?.focus();
    }
  });
}
