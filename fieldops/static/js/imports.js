// Import pages: the form is sent by htmx and the answer's form and report take the
// place of the old ones, a refused file (422) included; the report then takes the
// focus and comes into view, as it does when the page is sent without htmx, and
// when a large file's report replaces the progress of its job.
(function () {
  "use strict";
  var sent = false;

  function showReport() {
    var report = document.getElementById("import-report");
    if (!report || !report.firstElementChild) return;
    report.focus({ preventScroll: true });
    report.scrollIntoView({ block: "start" });
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt && event.detail.elt.classList && event.detail.elt.classList.contains("import-form")) sent = true;
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (event.detail.xhr.status === 422 && target && target.id === "import-work") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    var report = document.getElementById("import-report");
    var finished = report && report.dataset.finished === "1" && report.dataset.shown !== "1";
    if (sent || finished) {
      sent = false;
      if (report) report.dataset.shown = "1";
      showReport();
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var report = document.getElementById("import-report");
    if (report && report.dataset.answer === "1") showReport();
  });
})();
