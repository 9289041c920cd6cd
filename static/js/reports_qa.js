// Reports and QA review: keyboard navigation of report tables and a "changed" notice when a
// divert or a QA finding changes while the list is open (the page never reloads under the
// reviewer's hands; they choose when).
//   /      focus the first filter
//   j / k  next / previous incident link in the tables (Enter opens its timeline)

const links = () => Array.from(document.querySelectorAll("a.row-link"));

function moveFocus(step) {
  const all = links();
  if (!all.length) return;
  const index = all.indexOf(document.activeElement);
  const next = index === -1 ? (step > 0 ? 0 : all.length - 1) : Math.min(Math.max(index + step, 0), all.length - 1);
  all[next].focus();
  all[next].closest("tr")?.scrollIntoView({ block: "nearest" });
}

document.addEventListener("keydown", (event) => {
  const tag = (event.target.tagName || "").toLowerCase();
  if (["input", "select", "textarea"].includes(tag) || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "/") {
    const first = document.querySelector(".report-filters input, .report-filters select");
    if (first) { event.preventDefault(); first.focus(); }
  } else if (event.key === "j") {
    moveFocus(1);
  } else if (event.key === "k") {
    moveFocus(-1);
  }
});

function showChanged(text) {
  const page = document.querySelector('.report-page[data-report="diverts"], .qa-timeline');
  if (!page || document.getElementById("qa-changed")) return;
  const banner = document.createElement("p");
  banner.id = "qa-changed";
  banner.className = "banner info";
  banner.setAttribute("role", "status");
  banner.textContent = text + " ";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "btn small";
  button.textContent = "Reload";
  button.addEventListener("click", () => location.reload());
  banner.appendChild(button);
  page.prepend(banner);
}

document.addEventListener("cad:live", (event) => {
  const type = (event.detail && event.detail.type) || "";
  if (type.startsWith("divert_qa.") || type.startsWith("divert.")) {
    showChanged("Diverts or QA findings have changed since this page loaded.");
  }
});
document.addEventListener("cad:resync", () => showChanged("Live updates reconnected: the list may be out of date."));
