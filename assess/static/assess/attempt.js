// The candidate's question page: autosave with revisions, the countdown, the splitter
// (the code editor itself is code_editor.js, shared with practice).
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
  var playback = null;  // the code playback's recorder (playback_recorder.js), coding only

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
    if (kind === "coding") return editor && !form.classList.contains("plain-code") ? editor.getValue() : form.querySelector("#code").value;
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

  // The playback batch travels as JSON text of its own (assess/evidence/playback.py).
  function playbackText() {
    var batch = playback ? playback.take() : null;
    return batch ? JSON.stringify(batch) : null;
  }

  function save() {
    if (saving) { dirty = true; return saving; }
    dirty = false;
    if (form.dataset.kind === "coding" && editor && !form.classList.contains("plain-code")) form.querySelector("#code").value = editor.getValue();
    say("Saving…");
    saving = fetch(form.dataset.saveUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": form.dataset.csrf },
      body: JSON.stringify({ response: response(), revision: revision, playback: playbackText() })
    }).then(readReply, function () { return null; }).then(function (res) {
      if (res === null) return retryLater("Not saved: the connection failed.");
      var data = res.data;
      // A refused playback batch is dropped; the answer itself was saved.
      if (playback && (res.status === 200 || data.playback_rejected)) playback.done(data.playback || "rejected");
      if (res.status === 200 || data.playback_rejected) {
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

  // A rate-limited (429) or closed (409) sample run answers a message fragment: htmx would
  // drop it as an error, so the candidate saw nothing. Show it where the result goes.
  function showRefusedSampleRuns() {
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      var detail = event.detail;
      if (detail.target && detail.target.id === "sample-result" &&
          (detail.xhr.status === 429 || detail.xhr.status === 409)) {
        detail.shouldSwap = true;
        detail.isError = false;
      }
    });
  }

  // The splitter between statement and editor: drag it, or focus it and use the arrow keys
  // (Home/End for the extremes); the width is kept for the next question.
  function setUpSplitter() {
    var splitter = document.getElementById("splitter");
    var workspace = document.getElementById("workspace");
    if (!splitter || !workspace) return;
    var min = parseInt(splitter.getAttribute("aria-valuemin"), 10);
    var max = parseInt(splitter.getAttribute("aria-valuemax"), 10);
    function apply(percent) {
      percent = Math.max(min, Math.min(max, Math.round(percent)));
      workspace.style.setProperty("--split", percent + "%");
      splitter.setAttribute("aria-valuenow", percent);
      splitter.setAttribute("aria-valuetext", "Statement " + percent + "% of the width");
      try { localStorage.setItem("normassess.split", percent); } catch (e) { /* private mode */ }
      if (editor) editor.resize();
    }
    var kept = null;
    try { kept = parseInt(localStorage.getItem("normassess.split"), 10); } catch (e) { kept = null; }
    apply(kept || parseInt(splitter.getAttribute("aria-valuenow"), 10));
    splitter.addEventListener("keydown", function (event) {
      var now = parseInt(splitter.getAttribute("aria-valuenow"), 10);
      var step = { ArrowLeft: -5, ArrowRight: 5, Home: min - now, End: max - now }[event.key];
      if (step === undefined) return;
      event.preventDefault();
      apply(now + step);
    });
    splitter.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      splitter.setPointerCapture(event.pointerId);
      splitter.classList.add("dragging");
      function move(e) {
        var box = workspace.getBoundingClientRect();
        apply(100 * (e.clientX - box.left) / box.width);
      }
      function up() {
        splitter.classList.remove("dragging");
        splitter.removeEventListener("pointermove", move);
        splitter.removeEventListener("pointerup", up);
      }
      splitter.addEventListener("pointermove", move);
      splitter.addEventListener("pointerup", up);
    });
  }

  // The landing page's check, before the clock starts: scripts, cookies, the editor, the
  // connection's round trip. Each line says what is wrong and what to do.
  function runSystemCheck() {
    var list = document.getElementById("system-check");
    if (!list) return;
    var summary = document.getElementById("system-check-summary");
    var failed = 0, pending = 4;
    function report(name, ok, text) {
      var item = list.querySelector('[data-check="' + name + '"]');
      item.textContent = (ok ? "✓ " : "✗ ") + text;
      item.className = ok ? "ok" : "bad";
      if (!ok) failed++;
      if (--pending === 0) {
        summary.textContent = failed ? "Fix the items marked ✗ before you start." :
          "Your browser is ready.";
        summary.className = failed ? "error" : "verdict ok";
      }
    }
    report("script", true, "Your browser runs the test page.");
    report("storage", navigator.cookieEnabled, navigator.cookieEnabled ?
      "Cookies are on." : "Cookies are off: turn them on for this site, or your answers cannot be saved.");
    report("editor", !!window.ace, window.ace ? "The code editor loads." :
      "The code editor did not load: you can still type code in a plain text box.");
    var started = Date.now();
    fetch(list.dataset.pingUrl, { cache: "no-store", credentials: "same-origin" }).then(function (r) {
      var ms = Date.now() - started;
      report("connection", r.ok, r.ok ? "Connected (" + ms + " ms round trip)." :
        "The server answered " + r.status + ": reload the page.");
    }).catch(function () {
      report("connection", false, "No connection to the test server: check your network.");
    });
  }

  function setUpWarmUp() {
    var form = document.getElementById("warm-up");
    if (!form) return;
    var out = document.getElementById("warm-up-feedback");
    form.addEventListener("change", function (event) {
      var right = event.target.dataset.correct === "1";
      out.textContent = right ? "Right: that is how answers are picked. The real questions save as you go." :
        "Not this one: batch norm averages over the batch, per channel. Answers in the test save as you go.";
      out.className = right ? "verdict ok" : "verdict bad";
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

  // The test's policy forbids pasting from outside the page: say so, once, at the first one.
  var pasteWarned = false;
  function warnOutsidePaste() {
    var note = document.getElementById("paste-warning");
    if (!note || pasteWarned) return;
    pasteWarned = true;
    note.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    startTimer();
    runSystemCheck();
    setUpWarmUp();
    form = document.getElementById("answer-form");
    if (!form) return;
    status = document.getElementById("save-status");
    revision = parseInt(form.dataset.revision, 10);
    editor = window.NormAssessCodeEditor ? window.NormAssessCodeEditor.setUp(form, changed) : null;
    if (window.NormAssessPlayback && form.dataset.kind === "coding") {
      playback = window.NormAssessPlayback.attach(form, editor, function () { if (!debounce && !saving) changed(1500); }, warnOutsidePaste);
    }
    setUpSplitter();
    showRefusedSampleRuns();
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
    // An adaptive question is confirmed with the response as saved: save it first.
    var confirmForm = document.getElementById("adaptive-confirm");
    if (confirmForm) {
      confirmForm.addEventListener("submit", function (event) {
        event.preventDefault();
        flush().then(function () { confirmForm.submit(); });
      });
    }
  });
})();
