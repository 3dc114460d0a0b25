// Moderator wellness on the item page: videos play at the moderator's preferred speed, and time on a graphic
// item is reported to the server (every 30 s while the page is visible, and once more when leaving it, so the
// time up to a decision counts). The server caps what one report credits.
(function () {
  "use strict";
  document.querySelectorAll("video[data-speed]").forEach(function (video) {
    var speed = parseFloat(video.dataset.speed);
    if (!speed) return;
    video.defaultPlaybackRate = speed;
    video.playbackRate = speed;
    video.addEventListener("loadedmetadata", function () { video.playbackRate = speed; });
  });
  var note = document.getElementById("rendition-note");
  if (!note || note.dataset.graphic !== "1") return;
  var url = note.dataset.heartbeatUrl;
  var since = Date.now();
  function token() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function report(leaving) {
    var seconds = Math.min(30, Math.round((Date.now() - since) / 1000));
    since = Date.now();
    if (seconds < 1) return;
    var body = new FormData();
    body.append("seconds", String(seconds));
    body.append("csrfmiddlewaretoken", token());
    if (leaving && navigator.sendBeacon) { navigator.sendBeacon(url, body); return; }
    fetch(url, { method: "POST", body: body, credentials: "same-origin" });
  }
  window.setInterval(function () { if (document.visibilityState === "visible") report(false); else since = Date.now(); }, 30000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") report(true); else since = Date.now();
  });
  window.addEventListener("pagehide", function () { report(true); });
})();
