// The Edit page: the chosen clip's first frame under the points field; a tap adds "x,y" (0–1, from the top left)
// to the points and marks frame 0. Typing the points works without this script.
(function () {
  "use strict";
  var PLACEHOLDER = "00000000-0000-0000-0000-000000000000";
  document.querySelectorAll("figure.mark-frame").forEach(function (figure) {
    var form = figure.closest("form");
    var clip = form.querySelector("[name=parent_id]");
    var points = form.querySelector("[name=points]");
    var frame = form.querySelector("[name=frame]");
    var video = figure.querySelector("video");
    if (!clip || !points || !video) return;
    function show() {
      if (!clip.value) {
        figure.hidden = true;
        video.removeAttribute("src");
        return;
      }
      video.src = figure.dataset.videoUrl.replace(PLACEHOLDER, encodeURIComponent(clip.value));
      figure.hidden = false;
    }
    clip.addEventListener("change", show);
    video.addEventListener("click", function (event) {
      var box = video.getBoundingClientRect();
      if (!box.width || !box.height) return;
      var x = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      var y = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height));
      var point = x.toFixed(2) + "," + y.toFixed(2);
      var written = points.value.trim();
      points.value = written ? written + "; " + point : point;
      if (frame) frame.value = "0";
    });
    show();
  });
})();
