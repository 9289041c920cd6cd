// Incident page: Enter on the grade select confirms the grade (one keystroke after saving a
// call). "This incident has changed" is live_version.js: shown only when the incident's version
// differs from the one this page rendered.

const gradeSelect = document.querySelector("#grade-form select[name=grade]");
if (gradeSelect) {
  gradeSelect.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      gradeSelect.form.requestSubmit();
    }
  });
}
