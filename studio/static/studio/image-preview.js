// File inputs: drop a file on the field or choose one; see (or hear) it before it is uploaded; hear plainly
// when it will be refused. Every file field has its own preview and drop zone. A file the server kept (the
// last try's upload, or the input of the clip being remixed) shows until another is chosen or "Remove it"
// is ticked.
(function () {
  "use strict";
  var KINDS = {
    image: {
      ok: function (type) { return ["image/jpeg", "image/png"].indexOf(type) >= 0; },
      limitMb: 10, wrong: "Choose a JPEG or PNG image.", hint: "Drop an image here, or choose a file."
    },
    audio: {
      ok: function (type) { return !type || type.indexOf("audio/") === 0; },
      limitMb: 5, wrong: "Choose an mp3, wav, m4a or aac file.", hint: "Drop an audio file here, or choose one."
    }
  };
  document.querySelectorAll("input[type=file][data-preview]").forEach(function (input) {
    var preview = document.getElementById(input.dataset.preview);
    if (!preview) return;
    var kind = KINDS[preview.tagName === "AUDIO" ? "audio" : "image"];
    var zone = input.closest(".field");
    var keptNote = zone && zone.querySelector(".kept-file");
    var removeKept = keptNote && keptNote.querySelector("input[type=checkbox]");
    var objectUrl = null;

    function showKept() {
      if (preview.dataset.kept && !(removeKept && removeKept.checked)) {
        preview.src = preview.dataset.kept;
        preview.hidden = false;
      } else {
        preview.removeAttribute("src");
        preview.hidden = true;
      }
    }
    function refuse(message) {
      input.setCustomValidity(message);
      input.reportValidity();
      preview.hidden = true;
    }
    function show() {
      var file = input.files && input.files[0];
      if (objectUrl) { URL.revokeObjectURL(objectUrl); objectUrl = null; }
      if (keptNote) keptNote.hidden = Boolean(file);
      if (!file) { input.setCustomValidity(""); showKept(); return; }
      if (file.size > kind.limitMb * 1024 * 1024) { refuse("The file must be at most " + kind.limitMb + " MB."); return; }
      if (!kind.ok(file.type)) { refuse(kind.wrong); return; }
      input.setCustomValidity("");
      objectUrl = URL.createObjectURL(file);
      preview.src = objectUrl;
      preview.hidden = false;
    }
    input.addEventListener("change", show);
    if (removeKept) removeKept.addEventListener("change", showKept);

    if (!zone) return;
    zone.classList.add("drop-zone");
    var hint = document.createElement("small");
    hint.textContent = kind.hint;
    zone.appendChild(hint);
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("dragging"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        // As if chosen: the preview, and the form's own rules (camera moves, audio instead of text), follow.
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  });
})();
