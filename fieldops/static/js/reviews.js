// Review pages: a refused change (409, 422) answers with the fragment that says
// why; swap it in like a success, so the message shows beside the field.
(function () {
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var target = event.detail.target;
    if ((status === 409 || status === 422) && target && target.closest("[data-review-swap]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
