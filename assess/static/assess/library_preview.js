// The library editor's live preview: while the author types, the question is checked and
// previewed by the same server code as "Check and preview" (nothing is saved), and the
// errors, the cue linter's advice and the candidate's view are swapped in place.
(function () {
  "use strict";
  // Either editor: the YAML (#id_source) or the question form (every field posts).
  const form = document.getElementById("library-editor");
  const source = document.getElementById("id_source");
  if (!form || !window.fetch || !window.DOMParser) return;
  const state = document.getElementById("live-state");
  const regions = ["live-check", "live-preview"];
  const WAIT_MS = 700;
  let timer = null;
  let sent = 0;

  async function refresh() {
    const mine = ++sent;
    const body = new FormData(form);
    body.append("preview", "1");
    if (state) state.textContent = "Checking…";
    let text;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      });
      text = await response.text();
    } catch (error) {
      if (state && mine === sent) state.textContent = "Preview not updated (offline?)";
      return;
    }
    if (mine !== sent) return; // a newer check is on its way
    const page = new DOMParser().parseFromString(text, "text/html");
    for (const id of regions) {
      const fresh = page.getElementById(id);
      const here = document.getElementById(id);
      if (fresh && here) here.replaceWith(document.importNode(fresh, true));
    }
    if (state) state.textContent = page.getElementById("errors") ? "Not valid yet" : "Preview up to date";
  }

  // A coding problem's check runs its reference and mutants in a grading worker's sandbox:
  // that waits for the button, not for every pause in the typing.
  const CODING = /^kind:\s*coding\s*$/m;

  function changed() {
    clearTimeout(timer);
    if (source && CODING.test(source.value)) {
      if (state) state.textContent = "A coding problem is checked when you press Check and preview";
      return;
    }
    timer = setTimeout(refresh, WAIT_MS);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed); // a ticked box or a chosen topic
})();
