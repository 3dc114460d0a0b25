// The create form: show what a generation will cost before it is submitted.
(function () {
  "use strict";
  document.querySelectorAll("p.cost[data-prices]").forEach(function (cost) {
    var form = cost.closest("form");
    var prices = JSON.parse(cost.dataset.prices);
    function field(name) { return form.querySelector('[name="' + name + '"]'); }
    // A setting the form does not offer, or hides (single-image effects), is the one the page names in data-*.
    function setting(name) {
      var element = field(name), wrapper = element && element.closest(".field");
      if (element && !(wrapper && wrapper.hidden)) return element.value;
      return cost.dataset[name];
    }
    function update() {
      var model = setting("model"), mode = setting("mode"), duration = setting("duration");
      if (!model || !mode || !duration) return;
      var perFive = (prices[model] || {})[mode];
      if (perFive === undefined) { cost.textContent = ""; return; }
      var credits = Math.ceil(perFive * parseInt(duration, 10) / 5);
      var sound = field("sound"), soundWrapper = sound && sound.closest(".field");
      if (sound && sound.checked && !(soundWrapper && soundWrapper.hidden) && cost.dataset.soundMultiplier) {
        credits = Math.ceil(credits * parseFloat(cost.dataset.soundMultiplier));  // pricing.SOUND_MULTIPLIER
      }
      cost.textContent = "Costs " + credits.toLocaleString("en-US") + " credits.";
    }
    // After the form's other change handlers (which hide fields and reset durations) have run.
    form.addEventListener("change", function () { window.setTimeout(update, 0); });
    window.setTimeout(update, 0);
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
    // A multi-shot script's shots are screened too, each on its own (the hint names the shot).
    function shots() {
      var multiShot = form.querySelector('[name="multi_shot"]');
      if (!multiShot || !multiShot.checked) return [];
      return Array.prototype.map.call(form.querySelectorAll('textarea[name^="shot_"]'), function (area) {
        return area.value.trim();
      }).filter(function (text) { return text; });
    }
    function check(event) {
      var target = event.target;
      if (target !== prompt && !(target.name || "").match(/^shot_\d+_prompt$|^multi_shot$/)) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var text = prompt.value.trim(), script = shots();
        var key = JSON.stringify([text, script]);
        if (key === last) return;
        last = key;
        if (!text && !script.length) { hint.hidden = true; return; }
        fetch(form.dataset.checkUrl, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
          body: JSON.stringify({ prompt: text, shots: script })
        }).then(function (response) { return response.ok ? response.json() : null; })
          .then(function (result) {
            if (!result || !result.message) { hint.hidden = true; return; }
            hint.textContent = result.message + (result.suggestion ? " Try: " + result.suggestion : "");
            hint.className = "screening-hint " + (result.decision === "block" ? "hint-block" : "hint-review");
            hint.hidden = false;
          }).catch(function () { hint.hidden = true; });
      }, 500);
    }
    form.addEventListener("input", check);
    form.addEventListener("change", check);
  });
})();

// Offer only what the chosen model can do: its durations, camera moves where the capability map allows
// them, and the second image only for two-person effects. The server checks the same rules.
(function () {
  "use strict";
  document.querySelectorAll("form[data-catalog]").forEach(function (form) {
    var catalog;
    try { catalog = JSON.parse(form.dataset.catalog); } catch (error) { return; }
    var kind = form.dataset.kind;
    function field(name) { return form.querySelector('[name="' + name + '"]'); }
    function show(name, visible) {
      var element = field(name);
      var wrapper = element && element.closest(".field");
      if (wrapper) wrapper.hidden = !visible;
      if (element && !visible && element.tagName === "INPUT" && element.type === "file") element.value = "";
    }
    function update() {
      var model = field("model"), duration = field("duration"), mode = field("mode"), camera = field("camera");
      var spec = model && catalog.models[model.value];
      if (spec && duration && (kind === "text2video" || kind === "image2video")) {
        var allowed = spec.durations;
        Array.prototype.forEach.call(duration.options, function (option) {
          var ok = allowed.indexOf(option.value) >= 0;
          option.disabled = !ok;
          option.hidden = !ok;
        });
        if (duration.selectedOptions.length && duration.selectedOptions[0].disabled) {
          duration.value = allowed.indexOf("5") >= 0 ? "5" : allowed[0];
          duration.dispatchEvent(new Event("change", { bubbles: true }));  // the price follows
        }
      }
      if (camera && model && mode && duration) {
        var tail = field("image_tail");
        var hasTail = tail && tail.files && tail.files.length > 0;
        var ok = !hasTail && catalog.camera.some(function (entry) {
          return entry[0] === kind && entry[1] === model.value && entry[2] === mode.value && entry[3] === duration.value;
        });
        camera.disabled = !ok;
        if (!ok) camera.value = "";
      }
      var scene = field("effect_scene");
      if (scene) {
        var twoPeople = catalog.two_person_effects.indexOf(scene.value) >= 0;
        show("image_2", twoPeople);
        show("model", twoPeople);
        show("mode", twoPeople);
        if (!twoPeople && duration) duration.value = "5";
        if (duration) Array.prototype.forEach.call(duration.options, function (option) {
          option.disabled = !twoPeople && option.value !== "5";
        });
      }
      var sound = field("sound");
      if (sound && model && mode && catalog.sound_modes) {
        var modes = catalog.sound_modes[model.value] || [];
        var canSound = modes.indexOf(mode.value) >= 0;
        show("sound", modes.length > 0);
        sound.disabled = !canSound;
        if (!canSound) sound.checked = false;
      }
      var multiShot = field("multi_shot"), script = form.querySelector("[data-multi-shot]");
      if (multiShot && model && catalog.multi_shot_models) {
        var canShoot = catalog.multi_shot_models.indexOf(model.value) >= 0;
        show("multi_shot", canShoot);
        if (!canShoot) multiShot.checked = false;
        if (script) {
          script.hidden = !multiShot.checked;
          shotTotal();
        }
      }
      var audio = field("audio");
      if (audio && field("text")) {
        var withAudio = audio.files && audio.files.length > 0;
        ["text", "voice_id", "voice_language", "voice_speed"].forEach(function (name) { show(name, !withAudio); });
      }
    }
    // The multi-shot script: the clip lasts as long as its shots together, so the duration follows them.
    function shotTotal() {
      var script = form.querySelector("[data-multi-shot]"), duration = field("duration");
      if (!script || script.hidden || !duration) return;
      var total = 0, count = 0;
      script.querySelectorAll(".shot-row").forEach(function (row) {
        var prompt = row.querySelector("textarea"), length = row.querySelector("select");
        if (prompt && prompt.value.trim()) { total += parseInt(length.value || "3", 10); count += 1; }
      });
      var note = script.querySelector(".shot-total");
      if (note) note.textContent = count ? count + (count === 1 ? " shot, " : " shots, ") + total + " seconds in all." : "";
      if (count && duration.value !== String(total)) {
        var option = duration.querySelector('option[value="' + total + '"]');
        if (option && !option.disabled) duration.value = String(total);
      }
    }
    var addShot = form.querySelector(".add-shot");
    if (addShot) addShot.addEventListener("click", function () {
      var next = form.querySelector(".shot-row[hidden]");
      if (next) { next.hidden = false; next.querySelector("textarea").focus(); }
      if (!form.querySelector(".shot-row[hidden]")) addShot.hidden = true;
    });
    form.addEventListener("input", function (event) {
      if (event.target.closest && event.target.closest("[data-multi-shot]")) {
        shotTotal();
        form.dispatchEvent(new Event("change"));  // the price follows the duration
      }
    });
    form.addEventListener("change", update);
    update();
  });
})();
