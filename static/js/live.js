// The live socket: one per page. Keeps `/ws/live/` open, reconnects with backoff, and after every
// reconnect asks the page to re-sync from the REST API (a lost push must lose nothing).
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

function connect() {
  if (!statusEl()) return; // not logged in: no live socket
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws/live/`);
  setState(everOpened ? "reconnecting" : "connecting", everOpened ? "RECONNECTING…" : "CONNECTING…");
  socket.addEventListener("open", () => {
    const wasReconnect = everOpened;
    everOpened = true;
    attempt = 0;
    setState("open", "LIVE");
    if (wasReconnect) dispatch("cad:resync", { reason: "reconnected" });
  });
  socket.addEventListener("message", (event) => {
    let message;
    try { message = JSON.parse(event.data); } catch { return; }
    if (message.type === "hello" || message.type === "pong") return;
    listeners.forEach((fn) => { try { fn(message); } catch (e) { console.error(e); } });
    dispatch("cad:live", message);
  });
  socket.addEventListener("close", (event) => {
    socket = null;
    if (event.code === 4401 || event.code === 4403) {
      setState("closed", "NO LIVE (login)");
      return;
    }
    const wait = backoffMs(attempt++);
    setState("reconnecting", `RECONNECTING in ${Math.ceil(wait / 1000)}s`);
    clearTimeout(timer);
    timer = setTimeout(connect, wait);
  });
}

// Keep idle proxies from cutting the socket.
setInterval(() => { if (socket && socket.readyState === WebSocket.OPEN) socket.send('{"type":"ping"}'); }, 25000);

window.cadLive = {
  onMessage(fn) { listeners.add(fn); return () => listeners.delete(fn); },
  get connected() { return !!socket && socket.readyState === WebSocket.OPEN; },
  reconnectNow() { if (socket) socket.close(); else connect(); },
};

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", connect);
else connect();
