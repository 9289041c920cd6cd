// Live response-time countdowns. Every <span class="countdown" data-target-at="ISO"
// data-due-soon-at="ISO"> on the page ticks once a second: "mm:ss" left, then "+mm:ss" over.
// Amber (`due-soon`) from data-due-soon-at, red and flashing (`breached`) from data-target-at;
// the same class goes on the closest <tr> so the whole row changes. Rows added later (htmx,
// live updates) are picked up on the next tick. A countdown with data-stopped-at is frozen
// (a unit arrived). The server raises the alerts; this only shows the clock.

const STATES = ["due-soon", "breached"];

function parse(value) {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

function pad(n) {
  return String(n).padStart(2, "0");
}

export function formatRemaining(ms) {
  const over = ms < 0;
  let seconds = Math.floor(Math.abs(ms) / 1000);
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const body = hours ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${pad(minutes)}:${pad(seconds)}`;
  return over ? `+${body}` : body;
}

export function stateAt(now, targetAt, dueSoonAt) {
  if (targetAt !== null && now >= targetAt) return "breached";
  if (dueSoonAt !== null && now >= dueSoonAt) return "due-soon";
  return "";
}

function setState(el, state) {
  for (const s of STATES) el.classList.toggle(s, s === state);
}

export function tick(root = document, now = Date.now()) {
  root.querySelectorAll(".countdown[data-target-at]").forEach((el) => {
    const targetAt = parse(el.dataset.targetAt);
    if (targetAt === null) return;
    const stoppedAt = parse(el.dataset.stoppedAt);
    const at = stoppedAt ?? now;
    const state = stoppedAt !== null ? "" : stateAt(at, targetAt, parse(el.dataset.dueSoonAt));
    const text = formatRemaining(targetAt - at);
    const label = state === "breached" ? `BREACHED ${text}` : state === "due-soon" ? `DUE ${text}` : text;
    if (el.textContent !== label) el.textContent = label;
    el.title = `Target ${new Date(targetAt).toLocaleTimeString("en-GB", { timeZone: "Europe/London" })}`;
    setState(el, state);
    const row = el.closest("tr");
    if (row) {
      // The row shows the worst state of the countdowns it holds.
      const states = [...row.querySelectorAll(".countdown")].map((c) =>
        c.classList.contains("breached") ? 2 : c.classList.contains("due-soon") ? 1 : 0);
      const worst = Math.max(0, ...states);
      setState(row, worst === 2 ? "breached" : worst === 1 ? "due-soon" : "");
    }
  });
}

if (!window.cadCountdown) {
  window.cadCountdown = { tick, formatRemaining, stateAt };
  const start = () => {
    tick();
    // Align to the second boundary so every countdown on every screen flips together.
    setTimeout(() => { tick(); setInterval(tick, 1000); }, 1000 - (Date.now() % 1000));
    document.addEventListener("htmx:afterSwap", () => tick());
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}
