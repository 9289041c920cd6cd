// Check queue: refresh the table when a request is created or changes, and after a reconnect.
const table = () => document.getElementById("queue-table");

function refresh() {
  const el = table();
  if (!el || !window.htmx) return;
  // Do not wipe what an operator is typing into an outcome note.
  if (el.contains(document.activeElement) && document.activeElement.tagName === "INPUT") return;
  window.htmx.ajax("GET", el.dataset.url, { target: "#queue-table", swap: "innerHTML" });
}

document.addEventListener("cad:live", (event) => {
  const type = (event.detail && event.detail.type) || "";
  if (type.startsWith("intel.request.")) refresh();
});
document.addEventListener("cad:resync", refresh);
