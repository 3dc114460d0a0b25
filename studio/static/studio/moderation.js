// Moderation pages: deliberate unblurring (logged first, on the server), and keyboard shortcuts for the common
// actions. The item page unblurs through a form POST that the server audits before it serves originals; the
// `u` shortcut submits that form.
(function () {
  "use strict";
  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  var item = document.getElementById("review-item");
  var unblur = document.getElementById("unblur");
  function reveal() {
    if (!item || !unblur) return;
    fetch(item.dataset.unblurUrl, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        document.querySelectorAll("[data-sensitive]").forEach(function (el) { el.classList.remove("blurred"); });
        unblur.disabled = true;
        unblur.textContent = "Unblurred (logged)";
      });
  }
  if (unblur) unblur.addEventListener("click", reveal);

  var links = Array.prototype.slice.call(document.querySelectorAll("[data-queue-link]"));
  var current = -1;
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "textarea" || tag === "input" || event.ctrlKey || event.metaKey || event.altKey) return;
    var key = event.key.toLowerCase();
    if (links.length && (key === "j" || key === "k")) {
      current = Math.max(0, Math.min(links.length - 1, current + (key === "j" ? 1 : -1)));
      links[current].focus();
      event.preventDefault();
      return;
    }
    if (key === "u") {
      var form = document.getElementById("unblur-form");
      if (form) { form.requestSubmit ? form.requestSubmit() : form.submit(); } else { reveal(); }
      return;
    }
    var button = document.querySelector('[data-key="' + key + '"]');
    if (!button) return;
    if ((key === "r" || key === "e") && !document.getElementById("reason").value.trim()) {
      document.getElementById("reason").focus();
      event.preventDefault();
      return;
    }
    button.click();
  });
})();
