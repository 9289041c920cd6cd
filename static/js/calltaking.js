// Call taking: keeps the DA qualifier in step with the live assessment (htmx swaps the
// assessment panel as the handler types), asks for a reason when a DA call is unticked, and
// gives the keyboard shortcuts: Ctrl+Enter saves at the recommended grade.

const form = document.getElementById("call-form");

function daBox() { return form.querySelector("input[name=domestic_abuse]"); }
function touched() { return form.querySelector("input[name=da_touched]"); }
function assessedDA() {
  const result = document.getElementById("assessment-result");
  return !!result && result.dataset.domesticAbuse === "true";
}

function syncReason() {
  const needsReason = assessedDA() && !daBox().checked;
  const box = document.getElementById("da-reason");
  box.hidden = !needsReason;
  box.querySelector("input, textarea").required = needsReason;
}

function onAssessment() {
  // Until the handler decides, the qualifier follows the assessment.
  if (touched().value !== "True") daBox().checked = assessedDA();
  syncReason();
}

function submitWith(confirm) {
  form.querySelector("input[name=confirm_grade]").value = confirm ? "True" : "";
  form.requestSubmit();
}

if (form) {
  daBox().addEventListener("change", () => {
    touched().value = "True";
    syncReason();
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id === "assessment") onAssessment();
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submitWith(true);
    }
  });
  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[type=submit]");
    if (!button) return;
    event.preventDefault();
    submitWith(button.dataset.confirmGrade === "1");
  });
  let sent = false;
  form.addEventListener("submit", (event) => {
    // The server also refuses a second incident (idempotency key); this just avoids the wait.
    if (sent) { event.preventDefault(); return; }
    sent = true;
    form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
  });
}
