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
