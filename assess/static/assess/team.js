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

// A printed report carries the level's details too: a closed <details> prints nothing.
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details.level-details").forEach(function (details) {
    details.open = true;
  });
});

// Rubric shortcuts on forms marked data-shortcuts: keys 1-9 tick the n-th item, Enter saves;
// ignored while typing in a text field.
document.addEventListener("keydown", function (event) {
  var form = document.querySelector("form[data-shortcuts]");
  var target = event.target;
  if (!form || event.ctrlKey || event.metaKey || event.altKey) return;
  if (target.matches && target.matches("textarea, input[type=text], input[type=search], select")) return;
  if (/^[1-9]$/.test(event.key)) {
    var box = form.querySelectorAll("input[type=checkbox]")[Number(event.key) - 1];
    if (box) { box.checked = !box.checked; event.preventDefault(); }
  } else if (event.key === "Enter") {
    event.preventDefault();
    form.requestSubmit();
  }
});
