// Dispatch screens: keep every `[data-live-refresh]` region fresh. On a live message
// ("cad:live") or after a reconnect ("cad:resync") the region re-fetches its URL with htmx
// (debounced). A region the user is typing in waits until they leave it, so a push never
// wipes a half-written reason.
//   data-live-refresh="URL"        what to fetch (the page's query string is kept when
//                                  data-live-keep-query is present)
//   data-live-select="CSS"         take only this part of the response

const DEBOUNCE_MS = 400;
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

if (!window.__dispatchLive) {
  window.__dispatchLive = true;
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
