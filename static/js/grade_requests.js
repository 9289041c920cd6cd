// Downgrade sign-off: never reload under a supervisor's typing; say that the queue changed and
// let them reload.
document.addEventListener("cad:live", (e) => {
  if (!(e.detail.type || "").startsWith("grade_request.") || document.getElementById("queue-changed")) return;
  const banner = document.createElement("div");
  banner.id = "queue-changed";
  banner.className = "banner warning";
  banner.append("The queue has changed. ");
  const reload = document.createElement("a");
  reload.href = "";
  reload.textContent = "Reload";
  banner.append(reload);
  document.querySelector("main").prepend(banner);
});
