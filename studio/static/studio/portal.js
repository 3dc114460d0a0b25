// Team and API key pages: copy one-time secrets to the clipboard, and confirm destructive buttons.
(function () {
  "use strict";

  function announce(button, text) {
    var section = button.closest("section");
    var status = section && section.querySelector(".copy-status");
    if (status) status.textContent = text;
  }

  function fallbackCopy(field) {
    field.focus();
    field.select();
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.dataset.copy);
    if (!field) return;
    button.hidden = false;  // without JavaScript the field is still there to select by hand
    button.addEventListener("click", function () {
      var done = function () { announce(button, "Copied to the clipboard."); };
      var failed = function () {
        if (fallbackCopy(field)) done();
        else announce(button, "Could not copy: select the text and copy it by hand.");
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, failed);
      } else {
        failed();
      }
    });
  });

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();
