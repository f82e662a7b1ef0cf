// Progress pages: a period that does not exist (422) answers with the part of the
// page that says why; show it in place instead of ignoring the answer.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (event.detail.xhr.status === 422 && target && target.closest("[data-progress]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
