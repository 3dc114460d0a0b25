// The lip-sync voice picker: the chosen voice's name, language, description and sample follow the select.
(function () {
  "use strict";
  document.querySelectorAll(".voice-sample[data-voices]").forEach(function (box) {
    var voices;
    try { voices = JSON.parse(box.dataset.voices); } catch (error) { return; }
    var field = box.closest(".field");
    var select = field && field.querySelector("select");
    var player = box.querySelector(".voice-player");
    if (!select || !player) return;
    function text(selector, value) { var element = box.querySelector(selector); if (element) element.textContent = value; }
    function update() {
      var voice = voices[select.value];
      if (!voice) return;
      text(".voice-name", voice.name);
      text(".voice-language", voice.language);
      text(".voice-description", voice.description);
      player.setAttribute("aria-label", "Sample of the voice " + voice.name);
      if (player.getAttribute("src") !== voice.sample) {
        player.pause();
        player.setAttribute("src", voice.sample);
        player.load();
      }
    }
    select.addEventListener("change", update);
    update();
  });
})();
