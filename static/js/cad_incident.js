// Incident page: Enter on the grade select confirms the grade (one keystroke after saving a
// call), a ticking countdown to the target time, and a notice when someone else changes the
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

function pad(n) { return String(n).padStart(2, "0"); }

function tick() {
  document.querySelectorAll("[data-cad-countdown]").forEach((el) => {
    const left = Math.round((new Date(el.dataset.cadCountdown) - Date.now()) / 1000);
    const abs = Math.abs(left);
    const text = `${Math.floor(abs / 60)}:${pad(abs % 60)}`;
    el.textContent = left >= 0 ? `${text} left` : `BREACHED ${text} ago`;
    el.classList.toggle("breached", left < 0);
    el.classList.toggle("due-soon", left >= 0 && left < 300);
  });
}
tick();
setInterval(tick, 1000);

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
