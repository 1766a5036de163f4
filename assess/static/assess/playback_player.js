// The reviewer's code playback (assess/templates/assess/evidence/playback.html): replays the
// recorded events (format in assess/evidence/playback.py) on one timeline, with play, pause,
// scrub, speed, and a list of moments (openings, pastes, focus losses, runs) to jump to.
(function () {
  "use strict";

  var CHECKPOINT_EVERY = 200;

  function clock(ms) {
    var s = Math.floor(ms / 1000);
    return Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
  }

  function apply(text, e) {
    if (e[0] === "o") return e[2];
    if (e[0] !== "e") return text;
    var pos = Math.min(e[2], text.length);
    return text.slice(0, pos) + e[4] + text.slice(pos + e[3]);
  }

  function describe(e, runs) {
    if (e[0] === "o") return "Question opened";
    if (e[0] === "p") return (e[3] === "page" ? "Paste copied from this page" : "Paste from outside the page") + " (" + e[2] + " characters)";
    if (e[0] === "b") return "The page lost the focus";
    if (e[0] === "f") return "The focus came back";
    if (e[0] === "r") return "Sample run: " + (e[2] && runs[String(e[2])] ? runs[String(e[2])] : "refused or not found");
    if (e[0] === "x") return "Recording bound reached; the rest was not recorded";
    return "";
  }

  function markerClass(e) {
    if (e[0] === "p") return e[3] === "page" ? "paste-page" : "paste-outside";
    if (e[0] === "r") return "run";
    if (e[0] === "b") return "blur";
    return "";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("playback-data");
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var events = [];
    data.sessions.forEach(function (s) {
      s.events.forEach(function (e) { events.push({ t: s.offset + e[1], e: e }); });
    });
    var code = document.getElementById("playback-code");
    var scrub = document.getElementById("scrub");
    var play = document.getElementById("play");
    var speed = document.getElementById("speed");
    var shown = document.getElementById("clock");
    var moments = document.getElementById("moments");
    var timeline = document.getElementById("timeline");
    if (!events.length) {
      document.getElementById("playback-empty").hidden = false;
      code.textContent = data.final;
      play.disabled = scrub.disabled = true;
      return;
    }
    var total = events[events.length - 1].t;
    scrub.max = String(total);

    // Texts after every CHECKPOINT_EVERY events, so a jump replays a few hundred at most.
    var checkpoints = [""], text = "";
    events.forEach(function (item, i) {
      text = apply(text, item.e);
      if ((i + 1) % CHECKPOINT_EVERY === 0) checkpoints.push(text);
    });

    // The number of events at or before time `t`.
    function countAt(t) {
      var lo = 0, hi = events.length;
      while (lo < hi) { var mid = (lo + hi) >> 1; if (events[mid].t <= t) lo = mid + 1; else hi = mid; }
      return lo;
    }

    var now = 0, playing = false, last = null;
    function render() {
      var n = countAt(now);
      var k = Math.floor(n / CHECKPOINT_EVERY);
      var t = checkpoints[k];
      for (var i = k * CHECKPOINT_EVERY; i < n; i++) t = apply(t, events[i].e);
      code.textContent = t;
      // The latest insertion, marked for a moment so a paste is seen landing.
      var recent = n ? events[n - 1] : null;
      if (recent && recent.e[0] === "e" && recent.e[4].length > 1 && now - recent.t < 1500) {
        var pos = Math.min(recent.e[2], t.length);
        code.textContent = "";
        code.appendChild(document.createTextNode(t.slice(0, pos)));
        var mark = document.createElement("mark");
        mark.textContent = t.slice(pos, pos + recent.e[4].length);
        code.appendChild(mark);
        code.appendChild(document.createTextNode(t.slice(pos + recent.e[4].length)));
      }
      scrub.value = String(Math.round(now));
      shown.textContent = clock(now) + " / " + clock(total);
      code.dataset.t = String(Math.round(now));
    }

    function tick(stamp) {
      if (!playing) return;
      if (last !== null) now = Math.min(total, now + (stamp - last) * parseFloat(speed.value));
      last = stamp;
      render();
      if (now >= total) { setPlaying(false); return; }
      window.requestAnimationFrame(tick);
    }

    function setPlaying(on) {
      playing = on;
      play.textContent = on ? "Pause" : "Play";
      last = null;
      if (on) { if (now >= total) now = 0; window.requestAnimationFrame(tick); }
    }

    play.addEventListener("click", function () { setPlaying(!playing); });
    scrub.addEventListener("input", function () { now = parseInt(scrub.value, 10) || 0; render(); });

    events.forEach(function (item) {
      var words = describe(item.e, data.runs);
      if (!words) return;
      var li = document.createElement("li");
      li.className = "moment moment-" + item.e[0];
      var jump = document.createElement("button");
      jump.type = "button";
      jump.className = "link-button";
      jump.dataset.t = String(item.t);
      jump.textContent = clock(item.t) + " " + words;
      // A paste's moment shows it landed (its edit follows within a few ms), marked.
      var at = item.e[0] === "p" ? Math.min(total, item.t + 50) : item.t;
      jump.addEventListener("click", function () { setPlaying(false); now = at; render(); code.focus(); });
      li.appendChild(jump);
      if (item.e[0] === "p" && item.e[4]) {
        var pasted = document.createElement("details");
        var head = document.createElement("summary");
        head.textContent = "What was pasted";
        var body = document.createElement("pre");
        body.className = "code";
        body.textContent = item.e[4];
        pasted.appendChild(head);
        pasted.appendChild(body);
        li.appendChild(pasted);
      }
      moments.appendChild(li);
      var cls = markerClass(item.e);
      if (cls && total) {
        var mark = document.createElement("span");
        mark.className = cls;
        mark.style.left = (100 * item.t / total) + "%";
        timeline.appendChild(mark);
      }
    });
    code.tabIndex = 0;
    now = total;
    render();
  });
})();
