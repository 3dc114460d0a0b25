// Image inputs: drop a file on the field or choose one; see it before it is uploaded; hear plainly when it
// will be refused.
(function () {
  "use strict";
  document.querySelectorAll("input[type=file][data-preview]").forEach(function (input) {
    var preview = document.getElementById(input.dataset.preview);
    var zone = input.closest(".field");

    function show() {
      var file = input.files && input.files[0];
      if (!file) { preview.hidden = true; return; }
      if (file.size > 10 * 1024 * 1024) { input.setCustomValidity("The image must be at most 10 MB."); input.reportValidity(); return; }
      if (["image/jpeg", "image/png"].indexOf(file.type) < 0) { input.setCustomValidity("Choose a JPEG or PNG image."); input.reportValidity(); return; }
      input.setCustomValidity("");
      preview.src = URL.createObjectURL(file);
      preview.hidden = false;
    }
    input.addEventListener("change", show);

    if (!zone) return;
    zone.classList.add("drop-zone");
    var hint = document.createElement("small");
    hint.textContent = "Drop an image here, or choose a file.";
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
        show();
      }
    });
  });
})();
