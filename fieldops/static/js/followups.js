// Follow-ups: inline decisions in the queues, bulk selection. Loaded on every
// signed-in page (with the notifications badge), acting only on follow-up markup.
(function () {
  "use strict";

  // A refused inline action (403 not yours, 409 someone decided first, 422 a
  // missing reason) answers with the row or card explaining why: show it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var target = event.detail.target;
    if ([403, 409, 422].indexOf(status) !== -1 && target && target.closest("[data-followup]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // "Select all shown" ticks every follow-up that can be decided.
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-bulk-all]");
    if (!all) return;
    document.querySelectorAll("[data-bulk-pick]").forEach(function (box) {
      box.checked = all.checked;
    });
  });

  // Rejecting in bulk needs the reason: say so before sending.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-bulk='reject']");
    if (!button) return;
    var reason = button.form && button.form.querySelector("[name=reason]");
    if (reason && !reason.value.trim()) {
      event.preventDefault();
      reason.setCustomValidity(button.getAttribute("data-needs-reason") || "");
      reason.reportValidity();
      reason.focus();
    }
  });
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("#bulk-reason")) event.target.setCustomValidity("");
  });
})();
