// The bulk job page's live progress bar (the console's pages work without it: the page
// then reloads itself through <noscript><meta refresh>). Asks the job's progress once a
// second, moves the bar, and reloads the page once the job is finished (the report).
(function () {
  "use strict";
  var section = document.getElementById("bulk-job");
  if (!section || section.dataset.finished === "yes") { return; }
  var url = section.dataset.progressUrl;
  var bar = document.getElementById("bulk-progress");
  var percent = document.getElementById("bulk-percent");
  var counts = document.getElementById("bulk-counts");
  var refresh = document.getElementById("bulk-refresh");
  if (refresh) { refresh.hidden = true; }
  var words = { pending: "waiting for a worker", running: "running", completed: "completed",
    failed: "finished, some rows failed" };
  function show(p) {
    bar.max = p.total;
    bar.value = p.done + p.failed;
    bar.textContent = p.percent + " %";
    percent.textContent = p.percent + " %";
    counts.textContent = p.counts.issued + " issued, " + p.counts.already_issued +
      " skipped (already held), " + p.failed + " failed, of " + p.total + ". State: " + (words[p.state] || p.state) + ".";
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (p) {
        show(p);
        if (p.finished) { window.setTimeout(function () { window.location.reload(); }, 600); }
        else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { if (refresh) { refresh.hidden = false; } window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
}());
