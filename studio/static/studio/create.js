// The create form: show what a generation will cost before it is submitted.
(function () {
  "use strict";
  document.querySelectorAll("p.cost[data-prices]").forEach(function (cost) {
    var form = cost.closest("form");
    var prices = JSON.parse(cost.dataset.prices);
    function field(name) { return form.querySelector('[name="' + name + '"]'); }
    function update() {
      var model = field("model"), mode = field("mode"), duration = field("duration");
      if (!model || !mode || !duration) return;
      var perFive = (prices[model.value] || {})[mode.value];
      if (perFive === undefined) { cost.textContent = ""; return; }
      var credits = Math.ceil(perFive * parseInt(duration.value, 10) / 5);
      cost.textContent = "Costs " + credits + " credits.";
    }
    ["model", "mode", "duration"].forEach(function (name) { var el = field(name); if (el) el.addEventListener("change", update); });
    update();
  });
})();

// Screening feedback while typing (debounced): says what would happen, never repeats the words.
(function () {
  "use strict";
  function csrf() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  document.querySelectorAll("form[data-check-url]").forEach(function (form) {
    var prompt = form.querySelector('[name="prompt"]');
    var hint = form.querySelector(".screening-hint");
    if (!prompt || !hint) return;
    var timer = null;
    var last = "";
    prompt.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var text = prompt.value.trim();
        if (text === last) return;
        last = text;
        if (!text) { hint.hidden = true; return; }
        fetch(form.dataset.checkUrl, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
          body: JSON.stringify({ prompt: text })
        }).then(function (response) { return response.ok ? response.json() : null; })
          .then(function (result) {
            if (!result || !result.message) { hint.hidden = true; return; }
            hint.textContent = result.message + (result.suggestion ? " Try: " + result.suggestion : "");
            hint.className = "screening-hint " + (result.decision === "block" ? "hint-block" : "hint-review");
            hint.hidden = false;
          }).catch(function () { hint.hidden = true; });
      }, 500);
    });
  });
})();
