// Call taking: keeps the DA qualifier in step with the live assessment (htmx swaps the
// assessment panel as the handler types), asks for a reason when a DA call is unticked, and
// gives the keyboard shortcuts: Ctrl+Enter saves at the recommended grade (Ctrl+Shift+Enter
// saves and leaves the grade to confirm next); Alt+1, Alt+2...
// attach the call to the first, second... incident offered as possibly the same one.
// The safety net: when the assessment says "possible domestic abuse: ask", the DA questions
// under the narrative open; y / n / u answers the focused question and moves to the next, and
// every answer re-assesses the call. THRIVE: the panel follows the engine's suggestion until
// the handler edits a heading (or ticks "confirmed"); edited headings are theirs.

const form = document.getElementById("call-form");

function daBox() { return form.querySelector("input[name=domestic_abuse]"); }
function touched() { return form.querySelector("input[name=da_touched]"); }
function result() { return document.getElementById("assessment-result"); }
function assessedDA() {
  const found = result();
  return !!found && found.dataset.domesticAbuse === "true";
}

function syncReason() {
  const needsReason = assessedDA() && !daBox().checked;
  const box = document.getElementById("da-reason");
  box.hidden = !needsReason;
  box.querySelector("input, textarea").required = needsReason;
}

// --- DA questions ---------------------------------------------------------------------------

const ANSWER_KEYS = { y: "yes", n: "no", u: "unknown" };

function questionBlock() { return document.getElementById("da-questions"); }
function questionRows() { return Array.from(questionBlock().querySelectorAll(".da-q")); }
function answered() { return !!questionBlock().querySelector("input[type=radio]:checked"); }

function syncQuestions() {
  const block = questionBlock();
  const found = result();
  const needed = !!found && found.dataset.daNeeded === "true";
  // Once a question is answered the block stays, so the answers can be seen and changed.
  block.hidden = !(needed || answered());
  const why = block.querySelector("[data-da-why]");
  // The legend already says "Possible domestic abuse: ask"; the why says what was found.
  if (found && found.dataset.daWhy) {
    why.textContent = found.dataset.daWhy.replace(/^Possible domestic abuse:\s*/, "");
  }
}

function focusRow(row) {
  if (!row) {
    document.getElementById("id_thrive_confirmed").focus();
    return;
  }
  (row.querySelector("input:checked") || row.querySelector("input")).focus();
}

function answer(row, value) {
  const radio = row.querySelector(`input[value="${value}"]`);
  radio.checked = true;
  radio.dispatchEvent(new Event("change", { bubbles: true }));
  const rows = questionRows();
  focusRow(rows[rows.indexOf(row) + 1]);
}

function onQuestionKey(event) {
  const row = event.target.closest(".da-q");
  const value = ANSWER_KEYS[event.key.toLowerCase()];
  if (!row || !value || event.ctrlKey || event.altKey || event.metaKey) return;
  event.preventDefault();
  answer(row, value);
}

// --- THRIVE -----------------------------------------------------------------------------------

function thriveTouched() { return form.querySelector("input[name=thrive_touched]"); }
function touchedHeadings() {
  return new Set(thriveTouched().value.split(",").filter(Boolean));
}

function markThriveTouched(heading) {
  const headings = touchedHeadings();
  headings.add(heading);
  thriveTouched().value = Array.from(headings).join(",");
  document.getElementById("id_thrive_confirmed").checked = true;
  const row = form.querySelector(`[data-thrive="${heading}"]`);
  if (row) row.dataset.edited = "true";
}

function fillThrive() {
  const data = document.getElementById("thrive-suggestion");
  if (!data) return;
  const suggestion = JSON.parse(data.textContent);
  const edited = touchedHeadings();
  for (const [heading, value] of Object.entries(suggestion)) {
    if (edited.has(heading)) continue;
    const text = form.querySelector(`[name="thrive_${heading}"]`);
    const level = form.querySelector(`[name="thrive_${heading}_level"]`);
    if (text) text.value = value.text;
    if (level) {
      level.value = value.level || "";
      level.dataset.level = value.level || "";
    }
  }
}

function onAssessment() {
  // Until the handler decides, the qualifier follows the assessment.
  if (touched().value !== "True") daBox().checked = assessedDA();
  syncReason();
  syncQuestions();
  fillThrive();
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
  questionBlock().addEventListener("keydown", onQuestionKey);
  form.querySelectorAll("[data-thrive]").forEach((row) => {
    const heading = row.dataset.thrive;
    row.addEventListener("input", (event) => {
      if (event.target.matches("select")) event.target.dataset.level = event.target.value;
      markThriveTouched(heading);
    });
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id === "assessment") onAssessment();
  });
  form.addEventListener("keydown", (event) => {
    if (event.altKey && event.key.toLowerCase() === "q" && !questionBlock().hidden) {
      // Alt+Q: to the first question not yet answered.
      event.preventDefault();
      const rows = questionRows();
      focusRow(rows.find((row) => !row.querySelector("input:checked")) || rows[0]);
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      // Ctrl+Enter: at the recommended grade; Ctrl+Shift+Enter: save, grade it next.
      submitWith(!event.shiftKey);
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
  syncQuestions();
}
