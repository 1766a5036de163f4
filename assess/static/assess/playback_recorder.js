// The code playback of a coding question on the hiring test's page: the editor's edits, the
// pastes (with whether the text was copied on this page), focus losses and sample runs, sent
// with each autosave (attempt.js) and replayed by reviewers. Events are short arrays, times
// in ms since this page opened the question; the format is in assess/evidence/playback.py.
(function () {
  "use strict";

  var MAX_PASTE_TEXT = 20000, MAX_BATCH_CHARS = 100000, MAX_COPIED = 20;

  function Recorder(text) {
    var bytes = new Uint8Array(8);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    this.session = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    this.origin = Date.now();
    this.seq = 0;
    this.pending = [["o", 0, text]];
    this.inflight = null;
    this.stopped = false;
    this.copied = [];
    this.focused = document.hasFocus();
  }

  Recorder.prototype.now = function () { return Math.max(0, Date.now() - this.origin); };

  Recorder.prototype.push = function (event) { if (!this.stopped) this.pending.push(event); };

  Recorder.prototype.edit = function (pos, removed, inserted) {
    if (removed || inserted) this.push(["e", this.now(), pos, removed, inserted]);
  };

  Recorder.prototype.copy = function (text) {
    if (!text) return;
    this.copied.push(text);
    if (this.copied.length > MAX_COPIED) this.copied.shift();
  };

  Recorder.prototype.paste = function (text) {
    if (!text) return;
    var trimmed = text.trim();
    var fromPage = this.copied.some(function (c) { return c.indexOf(trimmed) >= 0; });
    this.push(["p", this.now(), text.length, fromPage ? "page" : "outside", text.slice(0, MAX_PASTE_TEXT)]);
    return !fromPage;
  };

  Recorder.prototype.focus = function (has) {
    if (has === this.focused) return;
    this.focused = has;
    this.push([has ? "f" : "b", this.now()]);
  };

  // The batch to send with a save: the one not yet acknowledged (same seq: the server
  // ignores a repeat), else the pending events, cut to a size the autosave accepts.
  Recorder.prototype.take = function () {
    if (this.stopped) return null;
    if (this.inflight) return this.inflight;
    if (!this.pending.length) return null;
    var size = 0, n = 0;
    while (n < this.pending.length && n < 2000) {
      size += JSON.stringify(this.pending[n]).length;
      if (n && size > MAX_BATCH_CHARS) break;
      n++;
    }
    this.inflight = { session: this.session, seq: this.seq, events: this.pending.splice(0, n) };
    return this.inflight;
  };

  // After the save's reply: "stored" / "duplicate" / "rejected" move on; "capped" stops
  // recording; anything else (no reply, a stale tab) keeps the batch for the next save.
  Recorder.prototype.done = function (outcome) {
    if (!this.inflight) return;
    if (outcome === "stored" || outcome === "duplicate" || outcome === "rejected" || outcome === "capped") {
      this.inflight = null;
      this.seq += 1;
    }
    if (outcome === "capped") { this.stopped = true; this.pending = []; }
  };

  // An edit as the difference between two texts (the plain box has no deltas).
  function diff(before, after) {
    var start = 0, endBefore = before.length, endAfter = after.length;
    while (start < endBefore && start < endAfter && before[start] === after[start]) start++;
    while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) { endBefore--; endAfter--; }
    return [start, endBefore - start, after.slice(start, endAfter)];
  }

  // `warnOutside(recorder)` is called on a paste whose text was not copied on this page;
  // `poke()` asks for a save soon (a run or a focus change is not an edit).
  function attach(form, editor, poke, warnOutside) {
    var fallback = document.getElementById("code");
    var recorder = new Recorder(editor ? editor.getValue() : fallback.value);
    var plainText = fallback.value;
    function plain() { return form.classList.contains("plain-code"); }
    if (editor) {
      editor.session.on("change", function (delta) {
        var doc = editor.session.getDocument();
        var pos = doc.positionToIndex(delta.start);
        var text = delta.lines.join(doc.getNewLineCharacter());
        if (delta.action === "insert") recorder.edit(pos, 0, text);
        else recorder.edit(pos, text.length, "");
      });
      editor.on("copy", function (e) { recorder.copy(typeof e === "string" ? e : e && e.text); });
      editor.on("cut", function (e) { recorder.copy(typeof e === "string" ? e : e && e.text); });
    }
    fallback.addEventListener("input", function () {
      if (!plain() && editor) return;
      var d = diff(plainText, fallback.value);
      plainText = fallback.value;
      recorder.edit(d[0], d[1], d[2]);
    });
    fallback.addEventListener("focus", function () { plainText = fallback.value; });
    document.addEventListener("copy", function () { recorder.copy(String(window.getSelection() || "")); });
    form.addEventListener("paste", function (event) {
      var text = event.clipboardData ? event.clipboardData.getData("text") : "";
      if (recorder.paste(text) && warnOutside) warnOutside();
    }, true);
    window.addEventListener("blur", function () { recorder.focus(false); poke(); });
    window.addEventListener("focus", function () { recorder.focus(true); });
    document.body.addEventListener("htmx:afterRequest", function (event) {
      var elt = event.detail && event.detail.elt;
      if (!elt || elt.id !== "run-samples" || !event.detail.xhr) return;
      var body = event.detail.xhr.responseText || "";
      var found = /\/runs\/(\d+)\//.exec(body) || /console-head-(\d+)/.exec(body);
      recorder.push(["r", recorder.now(), found ? parseInt(found[1], 10) : 0]);
      poke();
    });
    return recorder;
  }

  window.NormAssessPlayback = { attach: attach, diff: diff };
})();
