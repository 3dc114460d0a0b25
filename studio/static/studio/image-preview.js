// Show a chosen image before it is uploaded, and say plainly when it will be refused.
(function () {
  "use strict";
  document.querySelectorAll("input[type=file][data-preview]").forEach(function (input) {
    var preview = document.getElementById(input.dataset.preview);
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) { preview.hidden = true; return; }
      if (file.size > 10 * 1024 * 1024) { input.setCustomValidity("The image must be at most 10 MB."); input.reportValidity(); return; }
      input.setCustomValidity("");
      preview.src = URL.createObjectURL(file);
      preview.hidden = false;
    });
  });
})();
