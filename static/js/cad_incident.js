// Incident page: Enter on the grade select confirms the grade (one keystroke after saving a
// call), and a notice when someone else changes the
// incident (the page is the database's view; reload to see it).

const gradeSelect = document.querySelector("#grade-form select[name=grade]");
if (gradeSelect) {
  gradeSelect.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      gradeSelect.form.requestSubmit();
    }
  });
}

const match = location.pathname.match(/\/incidents\/(\d+)\//);
if (match) {
  const id = Number(match[1]);
  const notify = () => {
    if (document.getElementById("incident-changed")) return;
    const banner = document.createElement("div");
    banner.id = "incident-changed";
    banner.className = "banner info";
    banner.innerHTML = 'This incident has changed. <button type="button" class="btn small">Reload</button>';
    banner.querySelector("button").addEventListener("click", () => location.reload());
    document.querySelector("main").prepend(banner);
  };
  document.addEventListener("cad:live", (event) => {
    if (event.detail && event.detail.incident === id && event.detail.type.startsWith("incident.")) notify();
  });
  document.addEventListener("cad:resync", notify);
}
