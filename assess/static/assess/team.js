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

// "Copy link": the text of the element named by data-copy goes to the clipboard. The
// Clipboard API needs a secure context (https or localhost); elsewhere the text is selected
// and copied the old way, and if even that is refused it stays selected for Ctrl+C.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-copy]");
  if (!button) return;
  var source = document.querySelector(button.getAttribute("data-copy"));
  var status = document.getElementById(button.getAttribute("aria-describedby") || "");
  if (!source) return;
  var text = source.textContent.trim();
  function say(words) { if (status) status.textContent = words; }
  function selectAndCopy() {
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
    say(copied ? "Copied." : "Selected: press Ctrl+C (⌘C) to copy.");
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(function () { say("Copied."); }, selectAndCopy);
  } else {
    selectAndCopy();
  }
});

// A jump link to a closed <details> (the builder's "Settings") opens it as well.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a[href^='#']");
  if (!link || link.getAttribute("href").length < 2) return;
  var target = document.getElementById(link.getAttribute("href").slice(1));
  if (target && target.tagName === "DETAILS") target.open = true;
});
