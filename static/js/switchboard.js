// Switchboard: Ctrl+Enter saves the contact; the caller's number has the focus on load.
const form = document.getElementById("contact-form");
if (form) {
  form.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      e.currentTarget.requestSubmit();
    }
  });
}
document.getElementById("id_caller_phone")?.focus();
