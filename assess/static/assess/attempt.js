// The candidate's question page: autosave with revisions, the code editor, the countdown.
// A save names the revision this page last saw; the server refuses an older one (409) and
// answers with the newest, which this page then shows: a second tab never overwrites
// newer work with older.
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function startTimer() {
    var box = document.getElementById("timer");
    if (!box) return;
    var text = document.getElementById("timer-text");
    var announce = document.getElementById("timer-announce");
    // Counted from the server's remaining seconds, so the candidate's clock does not matter.
    var endsAt = Date.now() + parseInt(box.dataset.remaining, 10) * 1000;
    var warned = {};
    function tick() {
      var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      text.textContent = (h ? h + ":" + pad(m) : m) + ":" + pad(s);
      box.setAttribute("aria-label", "Time left " + text.textContent);
      box.classList.toggle("low", left <= 300);
      [300, 60].forEach(function (mark) {
        if (left <= mark && left > 0 && !warned[mark]) {
          warned[mark] = true;
          announce.textContent = (mark / 60) + " minute" + (mark > 60 ? "s" : "") + " left.";
        }
      });
      if (left <= 0) {
        clearInterval(timer);
        // The server submits the attempt on this visit.
        flush().then(function () { window.location.href = box.dataset.doneUrl; });
      }
    }
    var timer = setInterval(tick, 1000);
    tick();
  }

  var form, status, editor, revision, saving = null, dirty = false, debounce = null;

  function response() {
    var kind = form.dataset.kind;
    if (kind === "single_choice") {
      var picked = form.querySelector("input[name=choice]:checked");
      return picked ? picked.value : null;
    }
    if (kind === "multiple_choice") {
      return Array.prototype.map.call(form.querySelectorAll("input[name=choice]:checked"),
        function (el) { return el.value; });
    }
    if (kind === "numeric") return form.querySelector("#value").value;
    if (kind === "written") return form.querySelector("#written").value;
    if (kind === "coding") return editor ? editor.getValue() : form.querySelector("#code").value;
    return null;
  }

  function show(value) {
    var kind = form.dataset.kind;
    if (kind === "single_choice" || kind === "multiple_choice") {
      var chosen = [].concat(value === null ? [] : value).map(String);
      form.querySelectorAll("input[name=choice]").forEach(function (el) {
        el.checked = chosen.indexOf(el.value) >= 0;
      });
    } else if (kind === "numeric") {
      form.querySelector("#value").value = value || "";
    } else if (kind === "written") {
      form.querySelector("#written").value = value || "";
    } else if (kind === "coding" && value !== null) {
      if (editor) editor.session.setValue(value);
      form.querySelector("#code").value = value;
    }
  }

  function say(message, bad) {
    status.textContent = message;
    status.classList.toggle("bad", !!bad);
  }

  function markNav(answered) {
    var link = document.querySelector('#question-nav a[data-position="' + form.dataset.position + '"]');
    if (!link) return;
    link.classList.toggle("done", answered);
    link.setAttribute("aria-label", "Question " + (parseInt(form.dataset.position, 10) + 1) +
      (answered ? ", answered" : ", not answered"));
  }

  // Network failures and server errors (5xx) are retried with a growing pause; a refusal
  // (4xx) is shown and not retried: sending the same answer again would be refused again.
  // The next edit tries again.
  var retryDelay = 0;

  function retryLater(message, seconds) {
    retryDelay = seconds ? seconds * 1000 : Math.min(30000, retryDelay ? retryDelay * 2 : 2000);
    say(message + " Retrying in " + Math.round(retryDelay / 1000) + " s…", true);
    dirty = true;
    return new Promise(function (resolve) { setTimeout(resolve, retryDelay); });
  }

  function readReply(r) {
    var json = (r.headers.get("Content-Type") || "").indexOf("application/json") === 0;
    return (json ? r.json() : Promise.resolve({})).catch(function () { return {}; })
      .then(function (data) { return { status: r.status, data: data, headers: r.headers }; });
  }

  function save() {
    if (saving) { dirty = true; return saving; }
    dirty = false;
    if (form.dataset.kind === "coding" && editor) form.querySelector("#code").value = editor.getValue();
    say("Saving…");
    saving = fetch(form.dataset.saveUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": form.dataset.csrf },
      body: JSON.stringify({ response: response(), revision: revision })
    }).then(readReply, function () { return null; }).then(function (res) {
      if (res === null) return retryLater("Not saved: the connection failed.");
      var data = res.data;
      if (res.status === 200) {
        retryDelay = 0;
        revision = data.revision;
        markNav(data.answered);
        say("Saved at " + new Date().toLocaleTimeString() + ".");
      } else if (data.stale) {
        // Another tab saved first: show its newer answer rather than overwrite it.
        revision = data.revision;
        show(data.response);
        markNav(data.answered);
        dirty = false;
        say(data.error, true);
      } else if (data.closed) {
        window.location.href = data.redirect;
      } else if (res.status === 429) {
        return retryLater(data.error || "Saving too often.", parseInt(res.headers.get("Retry-After"), 10) || 5);
      } else if (res.status >= 500) {
        return retryLater("Not saved: the server had a problem (HTTP " + res.status + ").");
      } else {
        dirty = false;
        say("Not saved: " + (data.error || "the server refused this answer (HTTP " + res.status + ").") +
          " Change the answer to try again.", true);
      }
    }).then(function () {
      saving = null;
      if (dirty) return save();
    });
    return saving;
  }

  function flush() {
    if (debounce) { clearTimeout(debounce); debounce = null; return save() || Promise.resolve(); }
    return saving || Promise.resolve();
  }

  function changed(delay) {
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(function () { debounce = null; save(); }, delay);
  }

  function setUpEditor() {
    var box = document.getElementById("editor");
    var fallback = document.getElementById("code");
    if (!box || !window.ace) return;
    editor = window.ace.edit(box, {
      mode: "ace/mode/python",
      theme: "ace/theme/textmate",
      value: fallback.value,
      tabSize: 4,
      useSoftTabs: true,
      showPrintMargin: false,
      // Esc then Tab leaves the editor: keyboard users are never trapped in it.
      enableKeyboardAccessibility: true
    });
    editor.session.setUseWrapMode(false);
    editor.clearSelection();
    form.classList.add("has-editor");
    editor.session.on("change", function () { changed(1200); });
    // "Run sample tests" sends the editor's code through the (hidden) textarea.
    document.body.addEventListener("htmx:configRequest", function () {
      fallback.value = editor.getValue();
    });
  }

  function wordCount() {
    var area = document.getElementById("written");
    if (!area) return;
    var out = document.getElementById("word-count");
    var max = parseInt(area.dataset.maxWords, 10);
    function update() {
      var words = area.value.trim() ? area.value.trim().split(/\s+/).length : 0;
      out.textContent = words + " of " + max + " words";
      out.classList.toggle("error", words > max);
    }
    area.addEventListener("input", update);
    update();
  }

  // Integrity signals for the reviewers: leaving the tab, pasting into an answer, time on
  // each question. Best effort: a report that fails or is refused is simply dropped.
  var signals = [], shownSince = null;

  function signal(kind, amount) {
    if (signals.length < 20) {
      signals.push({ kind: kind, position: parseInt(form.dataset.position, 10), amount: Math.max(0, Math.round(amount || 0)) });
    }
  }

  function stopClock() {
    if (shownSince !== null) { signal("question_time", Date.now() - shownSince); shownSince = null; }
  }

  function sendSignals() {
    if (!signals.length || !form.dataset.signalsUrl) return;
    var batch = signals; signals = [];
    fetch(form.dataset.signalsUrl, {
      method: "POST", credentials: "same-origin", keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": form.dataset.csrf },
      body: JSON.stringify({ events: batch })
    }).catch(function () {});
  }

  function watchSignals() {
    shownSince = document.visibilityState === "visible" ? Date.now() : null;
    // Leaving the page (a link, the pager, submit) also hides it: that is no tab switch.
    var leaving = false;
    window.addEventListener("beforeunload", function () { leaving = true; });
    window.addEventListener("pageshow", function () { leaving = false; });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") {
        if (!leaving) signal("tab_hidden", 0);
        stopClock();
        sendSignals();
      } else {
        shownSince = Date.now();
      }
    });
    // Also catches pastes into Ace, whose hidden textarea sits inside the form.
    form.addEventListener("paste", function (event) {
      var text = event.clipboardData ? event.clipboardData.getData("text") : "";
      signal("paste", text.length);
    }, true);
    window.addEventListener("pagehide", function () { leaving = true; stopClock(); sendSignals(); });
    setInterval(function () {
      // Report time in slices, so a closed laptop still leaves a trace.
      if (shownSince !== null && Date.now() - shownSince > 60000) { stopClock(); shownSince = Date.now(); }
      sendSignals();
    }, 15000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    startTimer();
    form = document.getElementById("answer-form");
    if (!form) return;
    status = document.getElementById("save-status");
    revision = parseInt(form.dataset.revision, 10);
    setUpEditor();
    wordCount();
    watchSignals();
    // Answers are saved as they change; Enter in a field must not post the form.
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("change", function () { changed(0); });
    form.addEventListener("input", function (event) {
      if (event.target.name !== "choice") changed(800);
    });
    // Leaving the page saves first (links in the navigation and the pager).
    document.querySelectorAll("a[href]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (!debounce && !saving) return;
        event.preventDefault();
        flush().then(function () { window.location.href = link.href; });
      });
    });
    window.addEventListener("beforeunload", function () { if (debounce) flush(); });
  });
})();
