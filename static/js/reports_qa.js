// Reports and QA review: keyboard navigation of report tables. The "changed since this page
// loaded" notice is live_version.js (only when the diverts or findings shown really changed;
// the page never reloads under the reviewer's hands, they choose when).
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
