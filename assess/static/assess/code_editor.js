// The code editor of a coding question, on the hiring test's page and in practice: Ace,
// with a plain text box instead (for screen readers that read Ace poorly). The textarea
// #code is the form's field either way; Ace's text is copied into it before anything is
// sent (a sample run through htmx, a form post), so the server sees one field.
(function () {
  "use strict";

  // Returns the Ace editor, or null when Ace did not load (the plain box is then shown).
  // `changed(delay)` is told about every edit (the hiring page autosaves on it).
  function setUp(form, changed) {
    var box = document.getElementById("editor");
    var fallback = document.getElementById("code");
    if (!fallback) return null;
    changed = changed || function () {};
    var editor = null;
    if (box && window.ace) {
      var label = document.getElementById("code-label");
      editor = window.ace.edit(box, {
        mode: "ace/mode/python",
        theme: "ace/theme/textmate",
        value: fallback.value,
        tabSize: 4,
        useSoftTabs: true,
        showPrintMargin: false,
        // 15 px with a 1.6 line height: at 14 px and Ace's tight default line box, the
        // underscores of `normalized_shape` were clipped away on 1x screens.
        fontSize: "15px",
        // Esc then Tab leaves the editor: keyboard users are never trapped in it.
        enableKeyboardAccessibility: true,
        // Ace types into a textarea of its own, which the page's <label> does not name;
        // without this a screen reader announces only "Cursor at row 1".
        textInputAriaLabel: label ? label.textContent.trim() : "Your code"
      });
      // Ace applies that label when its input is focused; name the box from the start, so
      // a screen reader's list of form fields finds it by its label too.
      if (editor.textInput && editor.textInput.setAriaLabel) editor.textInput.setAriaLabel();
      editor.container.style.lineHeight = "1.6";
      editor.renderer.updateFontSize();
      editor.session.setUseWrapMode(false);
      editor.clearSelection();
      form.classList.add("has-editor");
      editor.session.on("change", function () { changed(1200); });
      var copy = function () {
        if (!form.classList.contains("plain-code")) fallback.value = editor.getValue();
      };
      form.addEventListener("submit", copy);
      // "Run sample tests" sends the editor's code through the (hidden) textarea.
      document.body.addEventListener("htmx:configRequest", function (event) {
        if (form.classList.contains("plain-code")) return;
        // Only a request that sends the code field, in its body: a status poll (a GET)
        // must never carry the code, which would land in its URL, and so in access logs
        // and, past a few KB, over the server's request-line limit.
        var params = event.detail.parameters;
        if (event.detail.verb === "get" || !params || params.source === undefined) return;
        copy();
        // htmx has read the textarea already: send the editor's code, not the last save's.
        params.source = fallback.value;
      });
    }
    setUpPlainToggle(form, editor, fallback, changed);
    return editor;
  }

  // The choice of the plain box is kept (for the rest of the test, and in practice) and the
  // code carries over both ways.
  function setUpPlainToggle(form, editor, fallback, changed) {
    var toggle = document.getElementById("plain-editor-toggle");
    if (!toggle) return;
    function usePlain(plain) {
      if (!editor) plain = true;
      if (plain && editor) fallback.value = editor.getValue();
      if (!plain && editor) { editor.session.setValue(fallback.value); editor.resize(); }
      form.classList.toggle("has-editor", !plain);
      form.classList.toggle("plain-code", plain);
      toggle.setAttribute("aria-pressed", plain ? "true" : "false");
      toggle.textContent = plain ? "Use the code editor" : "Use a plain text box";
      try { localStorage.setItem("normassess.plainCode", plain ? "1" : ""); } catch (e) { /* private mode */ }
    }
    if (!editor) { toggle.hidden = true; return; }
    var kept = "";
    try { kept = localStorage.getItem("normassess.plainCode") || ""; } catch (e) { kept = ""; }
    if (kept) usePlain(true);
    toggle.addEventListener("click", function () {
      var plain = !form.classList.contains("plain-code");
      usePlain(plain);
      (plain ? fallback : editor).focus();
    });
    // Tab in the plain box indents (4 spaces) rather than leaving it; Esc then Tab leaves.
    var escaped = false;
    fallback.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { escaped = true; return; }
      if (event.key === "Tab" && !event.shiftKey && !escaped) {
        event.preventDefault();
        var start = fallback.selectionStart;
        fallback.setRangeText("    ", start, fallback.selectionEnd, "end");
        changed(1200);
      }
      escaped = false;
    });
  }

  // A result poll (marked data-poll) that fails (an error status, no network, a timeout)
  // says so where the result goes and tries again, a little later each time; otherwise the
  // page would wait forever with no message.
  function retryFailedPolls() {
    function failed(event) {
      var elt = event.detail && event.detail.elt;
      if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-poll")) return;
      var tries = parseInt(elt.getAttribute("data-poll-failures") || "0", 10) + 1;
      elt.setAttribute("data-poll-failures", tries);
      var wait = Math.min(2 * tries, 15);
      var status = event.detail.xhr && event.detail.xhr.status;
      var note = elt.querySelector(".poll-error");
      if (!note) {
        note = document.createElement("p");
        note.className = "error poll-error";
        note.setAttribute("role", "alert");
        elt.appendChild(note);
      }
      note.textContent = "Could not get the result" + (status ? " (the server answered " + status + ")" : " (no answer from the server)") +
        "; trying again in " + wait + " s.";
      setTimeout(function () { if (document.body.contains(elt)) window.htmx.trigger(elt, "poll-retry"); }, wait * 1000);
    }
    ["htmx:responseError", "htmx:sendError", "htmx:timeout"].forEach(function (name) {
      document.body.addEventListener(name, failed);
    });
  }

  // "Run sample tests" answers below the editor, inside the editor pane's own scroller: at
  // 1280x900 that was below the fold and the button seemed to do nothing. Once the candidate
  // has asked for a run, the result is brought into view twice: when "queued" first shows,
  // and when the report (or a refusal) replaces it; the polls in between never move the page.
  function followSampleResult() {
    var button = document.getElementById("run-samples");
    var result = document.getElementById("sample-result");
    if (!button || !result || !window.MutationObserver) return;
    var asked = false, pendingShown = false;
    function reveal() {
      var head = result.querySelector(".verdict, .run-pending, [role=alert]") || result;
      var box = head.getBoundingClientRect();
      var pane = result.closest(".editor-pane");
      var visible = pane ? pane.getBoundingClientRect() : { top: 0, bottom: window.innerHeight };
      var bottom = Math.min(visible.bottom, window.innerHeight);
      if (box.top < Math.max(visible.top, 0) || box.bottom > bottom) {
        head.scrollIntoView({ block: "center", behavior: "auto" });
      }
    }
    button.addEventListener("click", function () { asked = true; pendingShown = false; });
    new MutationObserver(function () {
      if (!asked) return;
      if (result.querySelector(".verdict, [role=alert]")) {
        asked = false;
        reveal();
      } else if (!pendingShown && result.querySelector(".run-pending")) {
        pendingShown = true;
        reveal();
      }
    })
      .observe(result, { childList: true, subtree: true });
  }

  window.NormAssessCodeEditor = { setUp: setUp };
  document.addEventListener("DOMContentLoaded", followSampleResult);
  // A page with no script of its own (practice) marks its form; the hiring page calls
  // setUp itself, with its autosave.
  document.addEventListener("DOMContentLoaded", function () {
    retryFailedPolls();
    var form = document.querySelector("form[data-code-editor]");
    if (form) setUp(form);
  });
})();
