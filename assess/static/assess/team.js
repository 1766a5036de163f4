// The hiring team's pages: a form with data-confirm asks before it is sent (revoking a
// link cannot be undone by the candidate). A static file, so no inline script is needed.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
}, true);

// "Tick all" on a list with bulk actions.
document.addEventListener("change", function (event) {
  if (event.target.id !== "tick-all") return;
  var form = event.target.form;
  form.querySelectorAll("input[name=selected]").forEach(function (box) {
    box.checked = event.target.checked;
  });
});

// A print button (the report's printable / PDF version is the page with print styles).
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) window.print();
});
