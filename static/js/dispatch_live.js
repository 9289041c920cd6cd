// Dispatch screens: keep every `[data-live-refresh]` region fresh. On a live message
// ("cad:live") or after a reconnect ("cad:resync") the region re-fetches its URL with htmx
// (debounced). A region the user is typing in waits until they leave it, so a push never
// wipes a half-written reason.
//   data-live-refresh="URL"        what to fetch (the page's query string is kept when
//                                  data-live-keep-query is present)
//   data-live-select="CSS"         take only this part of the response
// A region whose refresh fails is marked stale (class "live-stale", data-stale, a visible
// notice) until a refresh succeeds. Every region is also re-fetched every POLL_MS, so a screen
// stays current even if the live socket is silently lost.

const DEBOUNCE_MS = 400;
const POLL_MS = 30000;
const timers = new WeakMap();
const pending = new WeakSet();

function busy(region) {
  const active = document.activeElement;
  if (!active || !region.contains(active)) return false;
  return ["INPUT", "TEXTAREA", "SELECT"].includes(active.tagName);
}

function urlFor(region) {
  let url = region.dataset.liveRefresh;
  if (region.hasAttribute("data-live-keep-query")) {
    const form = document.querySelector("form.filters");
    const params = form ? new URLSearchParams(new FormData(form)) : new URLSearchParams(location.search);
    const query = params.toString();
    if (query) url += (url.includes("?") ? "&" : "?") + query;
  }
  return url;
}

function refresh(region) {
  if (!window.htmx) return;
  if (busy(region)) {
    pending.add(region);
    return;
  }
  pending.delete(region);
  const options = { target: region, swap: "innerHTML" };
  if (region.dataset.liveSelect) options.select = region.dataset.liveSelect;
  window.htmx.ajax("GET", urlFor(region), options);
}

function schedule() {
  document.querySelectorAll("[data-live-refresh]").forEach((region) => {
    clearTimeout(timers.get(region));
    timers.set(region, setTimeout(() => refresh(region), DEBOUNCE_MS));
  });
}

function regionOf(event) {
  const target = event.detail && (event.detail.target || event.detail.elt);
  if (!target || !target.closest) return null;
  return target.closest("[data-live-refresh]");
}

function markStale(region, why) {
  region.classList.add("live-stale");
  region.dataset.stale = "1";
  let notice = region.previousElementSibling;
  if (!notice || !notice.classList.contains("live-stale-notice")) {
    notice = document.createElement("div");
    notice.className = "banner warning live-stale-notice";
    notice.setAttribute("role", "status");
    region.parentNode.insertBefore(notice, region);
  }
  const at = new Date().toLocaleTimeString("en-GB", { timeZone: "Europe/London" });
  notice.textContent = `NOT UP TO DATE: refresh failed at ${at} (${why}). Retrying…`;
}

function markFresh(region) {
  if (!region.dataset.stale) return;
  region.classList.remove("live-stale");
  delete region.dataset.stale;
  const notice = region.previousElementSibling;
  if (notice && notice.classList.contains("live-stale-notice")) notice.remove();
}

if (!window.__dispatchLive) {
  window.__dispatchLive = true;
  document.addEventListener("htmx:responseError", (event) => {
    const region = regionOf(event);
    if (region) markStale(region, `server said ${event.detail.xhr ? event.detail.xhr.status : "error"}`);
  });
  document.addEventListener("htmx:sendError", (event) => {
    const region = regionOf(event);
    if (region) markStale(region, "no connection");
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    const region = regionOf(event);
    if (region) markFresh(region);
  });
  setInterval(() => {
    if (document.hidden) return;
    document.querySelectorAll("[data-live-refresh]").forEach((region) => refresh(region));
  }, POLL_MS);
  document.addEventListener("cad:live", schedule);
  document.addEventListener("cad:resync", schedule);
  document.addEventListener("focusout", () => {
    setTimeout(() => {
      document.querySelectorAll("[data-live-refresh]").forEach((region) => {
        if (pending.has(region) && !busy(region)) refresh(region);
      });
    }, 50);
  });
}
