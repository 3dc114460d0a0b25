// Live progress for a generation page: poll the status endpoint, move the bar, reload once it ends.
(function () {
  "use strict";
  var root = document.getElementById("generation");
  if (!root || root.dataset.terminal === "true") return;
  var url = root.dataset.statusUrl;
  var bar = root.querySelector(".progress .bar");
  var meter = root.querySelector(".progress");
  var delay = 700;

  function show(summary) {
    bar.style.width = summary.progress + "%";
    meter.setAttribute("aria-valuenow", summary.progress);
    ["status_label", "stage_label", "progress"].forEach(function (name) {
      var el = root.querySelector('[data-field="' + name + '"]');
      if (el) el.textContent = summary[name];
    });
  }

  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
      .then(function (summary) {
        show(summary);
        if (summary.terminal) { window.location.reload(); return; }
        delay = 700;
        window.setTimeout(tick, delay);
      })
      .catch(function () { delay = Math.min(delay * 2, 10000); window.setTimeout(tick, delay); });
  }
  window.setTimeout(tick, delay);
})();
