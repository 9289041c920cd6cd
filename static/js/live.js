// The live socket: one per page. Keeps `/ws/live/` open, reconnects with backoff, and every time
// it opens (the first time too: pushes between the page render and the first open are otherwise
// lost) asks the page to re-sync from the REST API (a lost push must lose nothing). The re-sync
// says why (`reason`: "connected" the first time, "reconnected" after a real disconnect): a page
// re-reads quietly and tells the user only what actually changed (live_version.js), never
// "reconnected" on its first connect. The status reads CONNECTING, LIVE, RECONNECTING (after a
// disconnect), NOT LIVE (never connected yet: no websocket endpoint, or the server is down) or
// LOGGED OUT. A socket that
// does not answer a ping within PONG_TIMEOUT_MS is half-open: it is closed and reconnected, so
// the status never shows LIVE on a dead link.
//
// The server closes a socket with 4401 (not logged in: logged out, deactivated) or 4403 (no
// control-room role) after accepting it, so the page can read the code: it then stops
// reconnecting and asks the person to log in again. 4000 means the account's roles changed:
// reconnect at once to be given the new ones. 4013 (try again later) means the live service
// (Redis) is unavailable: reconnect with backoff, like any other drop.
//
// The server sends only what this user's roles may read (an officer: their unit and the
// incident it is on); a transaction's messages arrive together, each as its own frame.
//
// Pages listen for DOM events on `document`:
//   "cad:live"   detail = the message ({type, ...})   -> update in place or refetch
//   "cad:resync" detail = {reason}                    -> refetch everything the page shows
// and may call `window.cadLive.onMessage(fn)` directly.

const statusEl = () => document.getElementById("live-status");
const listeners = new Set();
let socket = null;
let attempt = 0;
let everOpened = false;
let timer = null;
let pongTimer = null;
const PING_EVERY_MS = 25000;
const PONG_TIMEOUT_MS = 10000;
const CLOSE_ACCOUNT_CHANGED = 4000;
const CLOSE_UNAUTHENTICATED = 4401;
const CLOSE_FORBIDDEN = 4403;
const CLOSE_TRY_AGAIN = 4013;
let stopped = false;

function setState(state, text) {
  const el = statusEl();
  if (!el) return;
  el.dataset.state = state;
  el.textContent = text;
}

function backoffMs(n) {
  const base = Math.min(30000, 500 * 2 ** Math.min(n, 6));
  return base / 2 + Math.random() * (base / 2);
}

function dispatch(name, detail) {
  document.dispatchEvent(new CustomEvent(name, { detail }));
}

function showLogInAgain(code) {
  stopped = true;
  setState("closed", "LOGGED OUT");
  if (document.getElementById("live-login")) return;
  const login = statusEl()?.dataset.loginUrl || "/login/";
  const next = encodeURIComponent(location.pathname + location.search);
  const banner = document.createElement("div");
  banner.id = "live-login";
  banner.className = "banner danger live-login";
  banner.setAttribute("role", "alert");
  const why = code === CLOSE_FORBIDDEN
    ? "Your account no longer has a control-room role, so this screen gets no live updates."
    : "You are logged out (or your account was changed), so this screen gets no live updates.";
  banner.append(`${why} `);
  const link = document.createElement("a");
  link.href = `${login}?next=${next}`;
  link.textContent = "Log in again";
  banner.append(link, ".");
  document.querySelector("header")?.after(banner);
}

function connect() {
  if (!statusEl() || stopped) return; // not logged in: no live socket
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws/live/`);
  setState(everOpened ? "reconnecting" : "connecting", everOpened ? "RECONNECTING…" : "CONNECTING…");
  const current = socket;
  current.addEventListener("open", () => {
    const wasReconnect = everOpened;
    everOpened = true;
    attempt = 0;
    setState("open", "LIVE");
    dispatch("cad:resync", { reason: wasReconnect ? "reconnected" : "connected" });
  });
  current.addEventListener("message", (event) => {
    clearTimeout(pongTimer); // anything from the server proves the link is alive
    pongTimer = null;
    let message;
    try { message = JSON.parse(event.data); } catch { return; }
    if (message.type === "hello" || message.type === "pong") return;
    listeners.forEach((fn) => { try { fn(message); } catch (e) { console.error(e); } });
    dispatch("cad:live", message);
  });
  current.addEventListener("close", (event) => {
    clearTimeout(pongTimer);
    pongTimer = null;
    if (socket !== current) return; // an abandoned half-open socket closing late
    socket = null;
    if (event.code === CLOSE_UNAUTHENTICATED || event.code === CLOSE_FORBIDDEN) {
      clearTimeout(timer);
      showLogInAgain(event.code);
      return;
    }
    const wait = event.code === CLOSE_ACCOUNT_CHANGED ? 0 : backoffMs(attempt++);
    retryIn(wait, event.code === CLOSE_TRY_AGAIN ? "LIVE SERVICE DOWN: " : "");
  });
}

// "RECONNECTING" only after a real disconnect. A socket that never opened (the server has no
// websocket endpoint, e.g. a plain WSGI server, or it is down) is "NOT LIVE": the page has not
// lost anything it had, it never had live updates.
function retryIn(wait, why = "") {
  // `why`: "LIVE SERVICE DOWN: " when the server closed with 4013 (Redis unavailable).
  const seconds = Math.ceil(wait / 1000);
  if (everOpened) setState("reconnecting", `${why}RECONNECTING in ${seconds}s`);
  else setState("offline", `${why}NOT LIVE · retry in ${seconds}s`);
  clearTimeout(timer);
  timer = setTimeout(connect, wait);
}

function abandon(dead) {
  // A half-open socket may take minutes to fire "close": drop it now and reconnect.
  socket = null;
  try { dead.close(); } catch { /* already closing */ }
  retryIn(backoffMs(attempt++));
}

function ping() {
  const current = socket;
  if (!current || current.readyState !== WebSocket.OPEN || pongTimer) return;
  try { current.send('{"type":"ping"}'); } catch { abandon(current); return; }
  pongTimer = setTimeout(() => { pongTimer = null; if (socket === current) abandon(current); }, PONG_TIMEOUT_MS);
}

// Keep idle proxies from cutting the socket, and find out when it is dead.
setInterval(ping, PING_EVERY_MS);

window.cadLive = {
  onMessage(fn) { listeners.add(fn); return () => listeners.delete(fn); },
  get connected() { return !!socket && socket.readyState === WebSocket.OPEN; },
  reconnectNow() { if (socket) socket.close(); else connect(); },
  ping,
};

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", connect);
else connect();
