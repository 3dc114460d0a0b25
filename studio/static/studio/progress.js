// Live progress without full-page reloads: poll the status endpoint, move the bar, show elapsed time and an
// estimate; when the generation ends (or leaves or enters review), swap in the section fetched from the same
// page. A generation waiting for a person is polled slowly: nothing moves until someone decides.
(function () {
  "use strict";

  function clock(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m ? m + " min " + s + " s" : s + " s";
  }

  function poller(url, onSummary) {
    var delay = 700;
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
        .then(function (summary) {
          var next = onSummary(summary);
          if (next === false) return;
          delay = typeof next === "number" ? next : 700;
          window.setTimeout(tick, delay);
        })
        .catch(function () { delay = Math.min(delay * 2, 10000); window.setTimeout(tick, delay); });
    }
    window.setTimeout(tick, delay);
  }

  // The generation page.
  var root = document.getElementById("generation");
  var HELD_POLL_MS = 15000;
  if (root && root.dataset.terminal !== "true") {
    poller(root.dataset.statusUrl, function (summary) {
      var bar = root.querySelector(".progress .bar");
      var meter = root.querySelector(".progress");
      var before = root.dataset.status;
      if (summary.status !== before && !summary.terminal &&
          (before === "held" || summary.status === "held" || root.querySelector("[data-waiting-slot]"))) {
        // Into or out of review, or a released one that got its slot: the page explains something else now.
        fetch(window.location.href, { credentials: "same-origin" })
          .then(function (response) { return response.text(); })
          .then(function (html) {
            var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("generation");
            if (fresh) { root.innerHTML = fresh.innerHTML; root.dataset.status = fresh.dataset.status; }
          });
        root.dataset.status = summary.status;
        return summary.status === "held" ? HELD_POLL_MS : true;
      }
      if (summary.status === "held") return HELD_POLL_MS;
      if (!bar) return true;
      bar.style.width = summary.progress + "%";
      meter.setAttribute("aria-valuenow", summary.progress);
      ["status_label", "stage_label", "progress"].forEach(function (name) {
        var el = root.querySelector('[data-field="' + name + '"]');
        if (el) el.textContent = summary[name];
      });
      var elapsed = root.querySelector('[data-field="elapsed"]');
      if (elapsed) elapsed.textContent = clock(summary.elapsed_s);
      var eta = root.querySelector('[data-field="eta"]');
      if (eta) eta.textContent = summary.eta_s === null ? "" : " · about " + clock(summary.eta_s) + " left";
      if (!summary.terminal) return true;
      // Ended: fetch the page once and swap in its finished section (player, explanation, actions).
      fetch(window.location.href, { credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("generation");
          if (fresh) { root.innerHTML = fresh.innerHTML; root.dataset.terminal = "true"; }
        });
      return false;
    });
  }

  // History cards of running generations.
  document.querySelectorAll("[data-live-card]").forEach(function (card, index) {
    if (index >= 24) return;
    poller(card.dataset.statusUrl, function (summary) {
      ["status_label", "progress"].forEach(function (name) {
        var el = card.querySelector('[data-field="' + name + '"]');
        if (el) el.textContent = summary[name];
      });
      var badge = card.querySelector('[data-field="badge"]');
      if (badge) { badge.textContent = summary.status_label; badge.className = "badge status-" + summary.status; }
      if (!summary.terminal) return true;
      var placeholder = card.querySelector(".poster-placeholder");
      if (summary.poster_url && placeholder) {
        var poster = document.createElement("img");
        poster.src = summary.poster_url; poster.alt = ""; poster.width = 320; poster.height = 180;
        placeholder.replaceWith(poster);
      } else if (placeholder) {
        placeholder.textContent = summary.status_label;
      }
      return false;
    });
  });
})();
