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

  // The SLA, as "due in …" / "overdue by …", refreshed each minute from the <time datetime> the server wrote.
  function spanWords(ms) {
    var minutes = Math.max(0, Math.round(Math.abs(ms) / 60000));
    if (minutes < 60) return minutes + " min";
    var hours = Math.floor(minutes / 60), rest = minutes % 60;
    if (hours < 48) return rest && hours < 10 ? hours + " h " + rest + " min" : hours + " h";
    return Math.round(hours / 24) + " days";
  }
  function refreshSla() {
    document.querySelectorAll("time[data-sla-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("datetime"));
      if (isNaN(due)) return;
      var left = due - Date.now();
      el.textContent = left >= 0 ? "due in " + spanWords(left) : "overdue by " + spanWords(left);
      el.classList.toggle("error", left < 0);
    });
  }
  if (document.querySelector("time[data-sla-due]")) window.setInterval(refreshSla, 60000);

  var links = Array.prototype.slice.call(document.querySelectorAll("[data-queue-link]"));
  var current = -1;
  function rowOf(link) { return link.closest("[data-queue-row]"); }
  function mark(index) {
    links.forEach(function (link, i) { var row = rowOf(link); if (row) row.classList.toggle("current", i === index); });
  }
  var preset = document.getElementById("preset");
  var reasonText = document.getElementById("reason");
  var pending = "";
  function hasReason() {
    return (preset && preset.value) || (reasonText && reasonText.value.trim());
  }
  if (preset) {
    // On the reason picker, a digit picks that reason, and Enter carries out the action that asked for a
    // reason (r or e).
    preset.addEventListener("keydown", function (event) {
      if (/^[1-9]$/.test(event.key) && Number(event.key) < preset.options.length) {
        preset.selectedIndex = Number(event.key);
        event.preventDefault();
        return;
      }
      if (event.key === "Enter" && pending && preset.value) {
        event.preventDefault();
        var button = document.querySelector('[data-key="' + pending + '"]');
        if (button) button.click();
      }
    });
  }
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "textarea" || tag === "input" || tag === "select" || event.ctrlKey || event.metaKey || event.altKey) return;
    var key = event.key.toLowerCase();
    if (links.length && (key === "j" || key === "k")) {
      current = Math.max(0, Math.min(links.length - 1, current + (key === "j" ? 1 : -1)));
      links[current].focus();
      mark(current);
      event.preventDefault();
      return;
    }
    if (links.length && key === "x") {
      if (current < 0) { current = 0; links[0].focus(); mark(0); }
      var row = rowOf(links[current]);
      var box = row && row.querySelector("[data-select]");
      if (box && !box.disabled) box.checked = !box.checked;
      event.preventDefault();
      return;
    }
    if (preset && /^[1-9]$/.test(key) && key < preset.options.length) {
      preset.selectedIndex = Number(key);
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
    if ((key === "r" || key === "e") && !hasReason()) {
      pending = key;
      (preset || reasonText).focus();
      event.preventDefault();
      return;
    }
    button.click();
  });
})();
