// Call taking: keeps the DA qualifier in step with the live assessment (htmx swaps the
// assessment panel as the handler types), asks for a reason when a DA call is unticked, and
// gives the keyboard shortcuts: Ctrl+Enter saves at the recommended grade; Alt+1, Alt+2...
// attach the call to the first, second... incident offered as possibly the same one.

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

function submitWith(confirm, button) {
  form.querySelector("input[name=confirm_grade]").value = confirm ? "True" : "";
  // A button with its own formaction (attach to an offered incident) goes there.
  if (button && button.hasAttribute("formaction")) form.requestSubmit(button);
  else form.requestSubmit();
}

function attachButton(n) {
  return form.querySelectorAll("#possible-duplicates button[data-attach]")[n - 1] || null;
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
      return;
    }
    const digit = /^Digit([1-9])$/.exec(event.code || "");
    if (event.altKey && digit) {
      const button = attachButton(Number(digit[1]));
      if (button) {
        event.preventDefault();
        submitWith(false, button);
      }
    }
  });
  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[type=submit]");
    if (!button) return;
    event.preventDefault();
    submitWith(button.dataset.confirmGrade === "1", button);
  });
  let sent = false;
  form.addEventListener("submit", (event) => {
    // The server also refuses a second incident (idempotency key); this just avoids the wait.
    if (sent) { event.preventDefault(); return; }
    sent = true;
    form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
  });
}
