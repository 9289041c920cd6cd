// The live map: open incidents coloured by grade, ringed by time left (amber due soon, red
// breached, the same rule as countdown.js), and units by status. Data from
// /dispatch/map/data/ (dispatch.selectors.map_snapshot) on load and on every (re)connect of the
// live socket; a `unit.position` push moves that unit's marker in place; other incident and unit
// pushes re-fetch (debounced). Clicking an incident (or Enter on its row in the list) opens the
// outstanding list's assignment panel in #actions-side and moves focus into it.
//
// Tiles come from MAP_TILE_URL; without one, a plain grid labelled with latitude/longitude.
// No inline style: marker colours are classes in controlroom.css (CSS beats SVG attributes).
import { openPanel } from "./assign_panel.js";
import { formatRemaining, stateAt } from "./countdown.js";

const L = window.L;
const el = document.getElementById("live-map");
const DEBOUNCE_MS = 400;
const incidents = new Map(); // id -> {data, marker}
const units = new Map(); // id -> {data, marker}
let fitted = false;
let timer = null;

const map = L.map(el, { attributionControl: Boolean(el.dataset.tileUrl), zoomSnap: 0.5 });
map.setView([53.8, -1.55], 11);
// Incidents above units: a unit parked at the scene never hides the incident's marker.
map.createPane("incidents").style.zIndex = "450";

if (el.dataset.tileUrl) {
  L.tileLayer(el.dataset.tileUrl, {
    attribution: el.dataset.tileAttribution || "",
    maxZoom: Number(el.dataset.tileMaxZoom) || 19,
  }).addTo(map);
} else {
  const Grid = L.GridLayer.extend({
    createTile(coords) {
      const tile = document.createElement("div");
      tile.className = "map-grid-tile";
      const corner = map.unproject(coords.scaleBy(this.getTileSize()), coords.z);
      tile.textContent = `${corner.lat.toFixed(3)}, ${corner.lng.toFixed(3)}`;
      return tile;
    },
  });
  new Grid({ maxZoom: 19 }).addTo(map);
}

function placed(item) {
  return item.latitude !== null && item.latitude !== undefined && item.longitude !== null && item.longitude !== undefined;
}

function clockState(item, now) {
  if (!item.target_at) return item.clock === "STOPPED" ? "stopped" : "";
  const target = Date.parse(item.target_at);
  const due = item.due_soon_at ? Date.parse(item.due_soon_at) : null;
  return stateAt(now, target, due);
}

function timeLeft(item, now) {
  if (!item.target_at) return item.status === "AT_SCENE" ? "unit at scene" : "no target";
  const text = formatRemaining(Date.parse(item.target_at) - now);
  const state = clockState(item, now);
  return state === "breached" ? `BREACHED ${text}` : state === "due-soon" ? `DUE ${text}` : text;
}

function setClasses(marker, classes) {
  const path = marker.getElement();
  if (path) path.setAttribute("class", `leaflet-interactive ${classes}`);
}

function incidentClasses(item, now) {
  return `inc g-${item.grade} s-${item.status} ${clockState(item, now)}`.trim();
}

function unitClasses(item) {
  const committed = ["ASSIGNED", "EN_ROUTE", "AT_SCENE"].includes(item.status) ? " u-committed" : "";
  return `unit u-${item.status}${committed}`;
}

function mark(marker, kind, item) {
  const path = marker.getElement();
  if (!path) return;
  path.dataset[kind] = String(item.id);
  path.dataset.lat = String(item.latitude);
  path.dataset.lon = String(item.longitude);
}

function openIncident(id, options = {}) {
  return openPanel(el.dataset.actionsUrl.replace("/0/", `/${id}/`), options);
}

function drawIncident(item, now) {
  const existing = incidents.get(item.id);
  if (!placed(item)) {
    if (existing && existing.marker) existing.marker.remove();
    incidents.set(item.id, { data: item, marker: null });
    return;
  }
  let marker = existing && existing.marker;
  if (!marker) {
    marker = L.circleMarker([item.latitude, item.longitude], { radius: 10, weight: 4, pane: "incidents" });
    marker.on("click", () => openIncident(item.id));
    marker.addTo(map);
  } else {
    marker.setLatLng([item.latitude, item.longitude]);
  }
  marker.unbindTooltip();
  marker.bindTooltip(`${item.reference} · ${item.grade} · ${timeLeft(item, now)}`, { direction: "top" });
  setClasses(marker, incidentClasses(item, now));
  mark(marker, "incident", item);
  incidents.set(item.id, { data: item, marker });
}

function drawUnit(item) {
  const existing = units.get(item.id);
  if (!placed(item)) {
    if (existing && existing.marker) existing.marker.remove();
    units.set(item.id, { data: item, marker: null });
    return;
  }
  let marker = existing && existing.marker;
  if (!marker) {
    marker = L.circleMarker([item.latitude, item.longitude], { radius: 6, weight: 2 });
    marker.addTo(map);
  } else {
    marker.setLatLng([item.latitude, item.longitude]);
  }
  marker.unbindTooltip();
  marker.bindTooltip(`${item.call_sign} ${item.status.toLowerCase().replace("_", " ")}`, {
    permanent: true, direction: "right", className: "unit-label", offset: [6, 0],
  });
  setClasses(marker, unitClasses(item));
  mark(marker, "unit", item);
  units.set(item.id, { data: item, marker });
}

function sweep(store, seen) {
  for (const [id, entry] of store) {
    if (seen.has(id)) continue;
    if (entry.marker) entry.marker.remove();
    store.delete(id);
  }
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function renderList(now) {
  const tbody = document.querySelector("#map-incidents tbody");
  const rows = [];
  for (const { data } of incidents.values()) {
    const tr = document.createElement("tr");
    tr.dataset.id = String(data.id);
    tr.tabIndex = 0;
    tr.className = `map-row ${clockState(data, now)}`.trim();
    tr.append(cell(data.reference, "mono"));
    const grade = document.createElement("td");
    const badge = document.createElement("span");
    badge.className = `badge grade-${data.grade}`;
    badge.textContent = data.grade;
    grade.append(badge);
    tr.append(grade, cell(timeLeft(data, now), "mono time-left"), cell(data.address || "address unknown"),
      cell(placed(data) ? "yes" : "no position", placed(data) ? "" : "muted"));
    rows.push(tr);
  }
  if (!rows.length) {
    const tr = document.createElement("tr");
    const td = cell("No open incidents.", "muted");
    td.colSpan = 5;
    tr.append(td);
    rows.push(tr);
  }
  const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest("#map-incidents tr");
  const focusedId = focused ? focused.dataset.id : null;
  tbody.replaceChildren(...rows);
  if (focusedId) tbody.querySelector(`tr[data-id="${focusedId}"]`)?.focus();
}

function tick() {
  const now = Date.now();
  for (const { data, marker } of incidents.values()) {
    if (marker) setClasses(marker, incidentClasses(data, now));
  }
  document.querySelectorAll("#map-incidents tr[data-id]").forEach((tr) => {
    const entry = incidents.get(Number(tr.dataset.id));
    if (!entry) return;
    tr.className = `map-row ${clockState(entry.data, now)}`.trim();
    const left = tr.querySelector(".time-left");
    if (left) left.textContent = timeLeft(entry.data, now);
  });
}

async function load() {
  const response = await fetch(el.dataset.dataUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  if (!response.ok) throw new Error(`map data: ${response.status}`);
  const data = await response.json();
  const now = Date.now();
  data.incidents.forEach((item) => drawIncident(item, now));
  data.units.forEach((item) => drawUnit(item));
  sweep(incidents, new Set(data.incidents.map((i) => i.id)));
  sweep(units, new Set(data.units.map((u) => u.id)));
  renderList(now);
  if (!fitted) {
    const points = [...data.incidents, ...data.units].filter(placed).map((p) => [p.latitude, p.longitude]);
    if (points.length) map.fitBounds(points, { padding: [30, 30], maxZoom: 15 });
    fitted = true;
  }
  el.dataset.loaded = "1";
  document.dispatchEvent(new CustomEvent("cad:map-loaded"));
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(() => load().catch(() => {}), DEBOUNCE_MS);
}

document.addEventListener("cad:live", (event) => {
  const message = event.detail || {};
  const type = String(message.type || "");
  if (type === "unit.position" && units.has(message.unit)) {
    const entry = units.get(message.unit);
    drawUnit({ ...entry.data, latitude: message.latitude, longitude: message.longitude, position_at: message.position_at, status: message.status });
    return;
  }
  if (/^(incident|unit|divert|inspector_task|contact)\./.test(type)) schedule();
});
document.addEventListener("cad:resync", schedule);

document.getElementById("map-incidents").addEventListener("click", (event) => {
  const row = event.target.closest("tr[data-id]");
  if (row) openIncident(Number(row.dataset.id), { focus: false, from: row });
});
document.getElementById("map-incidents").addEventListener("keydown", (event) => {
  const row = event.target.closest("tr[data-id]");
  if (!row) return;
  if (event.key === "Enter") { openIncident(Number(row.dataset.id), { from: row }); event.preventDefault(); }
  else if (event.key === "ArrowDown" || event.key === "j") { row.nextElementSibling?.focus(); event.preventDefault(); }
  else if (event.key === "ArrowUp" || event.key === "k") { row.previousElementSibling?.focus(); event.preventDefault(); }
});

// An assignment (or release, divert) from the panel: redraw at once.
document.body.addEventListener("htmx:afterRequest", (event) => {
  const form = event.target.closest && event.target.closest("#actions-side form");
  if (form && event.detail.successful) schedule();
});

setInterval(tick, 1000);
load().catch(() => {
  document.getElementById("map-note").textContent = "The map could not load its data: retrying when the live link reconnects.";
});
