// Alerts that nobody can miss. Loaded on every page (base.html). On an `alert.raised` message
// for one of the user's roles: show #alert-banner and play a short beep (WebAudio; mute toggle
// kept in localStorage). On the alert board: re-render the board on every alert, incident or
// staffing message and after a reconnect, and say so while the live link is down.
// The countdowns on every page come with it (countdown.js).
import "./countdown.js";

const MUTE_KEY = "cad.alerts.muted";
const SERIOUS = new Set(["ESCALATED", "BREACHED", "STAFFING_GAP", "DIVERT_UNRESOURCED"]);
let roles = null;
let audio = null;
const shown = new Map(); // alert id -> message, newest last

const isMuted = () => localStorage.getItem(MUTE_KEY) === "1";

function setMuted(muted) {
  localStorage.setItem(MUTE_KEY, muted ? "1" : "0");
  syncMuteButtons();
}

function syncMuteButtons() {
  document.querySelectorAll("[data-alert-mute]").forEach((btn) => {
    btn.setAttribute("aria-pressed", String(isMuted()));
    btn.textContent = isMuted() ? "Sound: muted" : "Sound: on";
  });
}

function unlockAudio() {
  // Browsers only allow sound after the user has interacted with the page once.
  if (audio) return;
  try {
    audio = new (window.AudioContext || window.webkitAudioContext)();
  } catch {
    audio = null;
  }
}

function beep(kind) {
  if (isMuted() || !audio) return;
  try {
    if (audio.state === "suspended") audio.resume();
    const pattern = kind === "ESCALATED" || kind === "BREACHED" ? [0, 0.25, 0.5] : [0];
    for (const offset of pattern) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "square";
      osc.frequency.value = kind === "DUE_SOON" ? 660 : 880;
      gain.gain.setValueAtTime(0.0001, audio.currentTime + offset);
      gain.gain.exponentialRampToValueAtTime(0.25, audio.currentTime + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + offset + 0.18);
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + offset);
      osc.stop(audio.currentTime + offset + 0.2);
    }
  } catch (e) {
    console.error(e);
  }
}

// The user's roles decide which alerts raise the banner. Until they are known (or if
// /api/v1/me/ fails) every alert is shown: better too many than a missed one. A failure is retried.
const ROLES_RETRY_MS = 10000;
let rolesTried = false;
async function loadRoles() {
  try {
    const response = await fetch("/api/v1/me/", { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`me: ${response.status}`);
    const body = await response.json();
    roles = new Set(body.roles || []);
    loadOpenAlerts({ initial: !rolesTried });
  } catch {
    roles = null;
    if (!rolesTried) loadOpenAlerts({ initial: true });
    setTimeout(loadRoles, ROLES_RETRY_MS);
  }
  rolesTried = true;
}

// The banner never depends on having been connected when an alert was raised: on start and on
// every re-sync it shows what is open now (pushes only add to that).
const dismissed = new Set();
let baselined = false; // no sound for what was already open when the page loaded
// Every open alert, following the list's cursor (`next`) page by page: the cursor keeps its
// place while alerts are raised or settled, so none is skipped. Null when the list cannot be read.
const MAX_ALERT_PAGES = 20;
async function fetchOpenAlerts() {
  const rows = [];
  let url = "/api/v1/alerts/?status=OPEN&page_size=500";
  for (let n = 0; url && n < MAX_ALERT_PAGES; n++) {
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return null; // not an alert role, or the server is away
      const body = await response.json();
      if (Array.isArray(body)) return body;
      rows.push(...(body.results || []));
      url = body.next;
    } catch {
      return null;
    }
  }
  return rows;
}

async function loadOpenAlerts({ initial = false } = {}) {
  const rows = await fetchOpenAlerts();
  if (rows === null) return; // pushes still work
  const open = rows.filter(forMe);
  open.sort((a, b) => String(a.raised_at).localeCompare(String(b.raised_at)));
  const fresh = open.filter((a) => !shown.has(a.id) && !dismissed.has(a.id));
  shown.clear();
  for (const alert of open) if (!dismissed.has(alert.id)) shown.set(alert.id, alert);
  renderBanner();
  if (!initial && baselined && fresh.length) beep(fresh[fresh.length - 1].kind);
  baselined = true;
}

function forMe(alert) {
  const audience = alert.roles || [];
  if (!roles || !audience.length) return true;
  return audience.some((r) => roles.has(r));
}

function renderBanner() {
  const banner = document.getElementById("alert-banner");
  if (!banner) return;
  if (!shown.size) {
    banner.hidden = true;
    banner.replaceChildren();
    return;
  }
  const entries = [...shown.values()];
  const latest = entries[entries.length - 1];
  banner.className = `alert-banner kind-${latest.kind}`;
  const text = document.createElement("span");
  text.className = "alert-banner-text";
  text.textContent = `${latest.kind.replace("_", " ")}: ${latest.message || latest.subject}`;
  const more = document.createElement("span");
  more.className = "badge";
  more.textContent = entries.length > 1 ? `+${entries.length - 1} more` : "";
  const link = document.createElement("a");
  link.href = "/monitoring/alerts/";
  link.className = "btn small";
  link.textContent = "Alert board";
  const mute = document.createElement("button");
  mute.type = "button";
  mute.className = "btn small";
  mute.dataset.alertMute = "";
  const dismiss = document.createElement("button");
  dismiss.type = "button";
  dismiss.className = "btn small";
  dismiss.textContent = "Dismiss";
  dismiss.addEventListener("click", () => {
    shown.forEach((_, id) => dismissed.add(id));
    shown.clear();
    renderBanner();
  });
  banner.replaceChildren(...[text, entries.length > 1 ? more : null, link, mute, dismiss].filter(Boolean));
  banner.hidden = false;
  syncMuteButtons();
}

function onAlert(message) {
  const alert = message.alert || message;
  if (message.type === "alert.raised") {
    if (!forMe(alert)) return;
    shown.set(alert.id, alert);
    renderBanner();
    beep(alert.kind);
  } else if (message.type === "alert.acknowledged" || message.type === "alert.settled") {
    if (shown.delete(alert.id)) renderBanner();
  }
}

// --- The alert board ----------------------------------------------------------------------------
let refreshTimer = null;
function refreshBoard() {
  if (!document.getElementById("alert-board")) return;
  clearTimeout(refreshTimer);
  // Coalesce bursts (a scan may raise many alerts at once) into one re-render.
  refreshTimer = setTimeout(() => document.dispatchEvent(new CustomEvent("cad:board-refresh")), 150);
}

function watchLiveState() {
  const status = document.getElementById("live-status");
  const warning = document.getElementById("board-reconnecting");
  if (!status || !warning) return;
  // Only a link that is down (lost, or never made) warns; not the first "connecting", and not
  // "closed" (the page says "log in again" instead, live.js).
  const sync = () => { warning.hidden = !["reconnecting", "offline"].includes(status.dataset.state); };
  new MutationObserver(sync).observe(status, { attributes: true, attributeFilter: ["data-state"] });
  sync();
}

function start() {
  syncMuteButtons();
  document.addEventListener("click", (event) => {
    unlockAudio();
    const toggle = event.target.closest("[data-alert-mute]");
    if (toggle) setMuted(!isMuted());
  });
  document.addEventListener("keydown", unlockAudio, { once: true });
  watchLiveState();
  loadRoles(); // then shows the open alerts
  document.addEventListener("cad:resync", () => loadOpenAlerts());
  if (!window.cadLive) return;
  window.cadLive.onMessage((message) => {
    const type = message.type || "";
    if (type.startsWith("alert.")) onAlert(message);
    if (/^(alert|incident|staffing|unit|divert|grade_policy)\./.test(type)) refreshBoard();
  });
}

if (document.getElementById("live-status")) {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}
