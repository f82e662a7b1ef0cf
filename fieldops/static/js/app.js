// The one rounding of percentages, as fieldops/definitions.py's shown_percent:
// one decimal, halves up, never 100,0% short of everyone; numbers written as every
// page writes them in its language (fieldops/core/numbers.py): 1.234 and 78,3% in
// Vietnamese, 1,234 and 78.3% in English.
window.FieldOps = window.FieldOps || {};
window.FieldOps.english = function () {
  return document.documentElement.lang === "en";
};
window.FieldOps.number = function (n) {
  var sign = n < 0 ? "-" : "";
  var grouping = window.FieldOps.english() ? "," : ".";
  return sign + String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, grouping);
};
window.FieldOps.percent = function (part, whole) {
  if (!(whole > 0)) return null;
  var value = Math.round((1000 * part) / whole) / 10;
  return value >= 100 && part < whole ? 99.9 : value;
};
window.FieldOps.percentText = function (value) {
  if (value === null) return "—";
  var parts = value.toFixed(1).split(".");
  var english = window.FieldOps.english();
  return window.FieldOps.number(parseInt(parts[0], 10)) + (english ? "." : ",") + parts[1] + "%";
};

// Tell the user when an htmx request fails instead of silently doing nothing:
// a visible message, and the part of the page that was not refreshed dimmed, so an
// old list is never taken for the answer.
(function () {
  "use strict";

  function failed(event) {
    var body = document.body;
    body.classList.add("offline");
    var note = document.getElementById("connection-lost");
    if (!note) {
      note = document.createElement("div");
      note.id = "connection-lost";
      note.className = "notice notice-error connection-lost";
      note.setAttribute("role", "alert");
      var main = document.querySelector("main") || body;
      main.insertBefore(note, main.firstChild);
    }
    var server = event.type === "htmx:responseError";
    note.textContent = (server ? body.dataset.serverError : body.dataset.connectionLost) || "";
    var target = event.detail && event.detail.target;
    if (target && target !== body) target.classList.add("stale");
  }

  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:responseError", function (event) {
    // 4xx answers are the form's own (errors beside fields); only a failed server is a failure here.
    var xhr = event.detail && event.detail.xhr;
    if (!xhr || xhr.status === 0 || xhr.status >= 500) failed(event);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful) return;
    document.body.classList.remove("offline");
    var note = document.getElementById("connection-lost");
    if (note) note.parentNode.removeChild(note);
    var target = event.detail.target;
    if (target) target.classList.remove("stale");
  });
})();

// A form sent with errors shows a summary at its top (macros/forms.html): the focus
// moves to it, after a page load and after an htmx swap, so the screen shows what to
// correct; each of its links puts the cursor in the field it names.
(function () {
  "use strict";

  function focusSummary() {
    var summary = document.querySelector("[data-error-summary]:not([data-seen])");
    if (!summary) return false;
    summary.setAttribute("data-seen", "");
    summary.focus({ preventScroll: true });
    summary.scrollIntoView({ block: "start" });
    return true;
  }
  window.FieldOps.focusErrorSummary = focusSummary;

  // The same summary for what the browser checks before sending (visit_checks.js):
  // one link per field marked in error, with its label and message.
  window.FieldOps.showErrorSummary = function (form) {
    var old = form.querySelector("[data-error-summary]");
    if (old) old.parentNode.removeChild(old);
    var texts = document.body.dataset;
    var fields = Array.prototype.slice.call(form.querySelectorAll(".has-error"));
    if (!fields.length || !texts.errorsOne) return false;
    var summary = document.createElement("div");
    summary.className = "error-summary";
    summary.tabIndex = -1;
    summary.setAttribute("data-error-summary", "");
    var title = document.createElement("h2");
    title.textContent = fields.length === 1 ? texts.errorsOne : texts.errorsMany.replace("{n}", fields.length);
    var list = document.createElement("ul");
    fields.forEach(function (holder) {
      var input = holder.querySelector("input, select, textarea");
      var label = input && document.querySelector("label[for='" + input.id + "']");
      var message = holder.querySelector(".error");
      var line = holder.closest("[data-line]");
      var name = line && line.querySelector("h3");
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + (input ? input.id : "");
      link.textContent = (name ? name.textContent.trim() + " · " : "") + (label ? label.textContent.trim() + ": " : "") +
        (message ? message.textContent : "");
      item.appendChild(link);
      list.appendChild(item);
    });
    summary.appendChild(title);
    summary.appendChild(list);
    var first = Array.prototype.find.call(form.children, function (e) { return !e.matches("input[type=hidden]"); });
    form.insertBefore(summary, first || null);
    return focusSummary();
  };

  document.addEventListener("DOMContentLoaded", focusSummary);
  document.addEventListener("htmx:afterSettle", focusSummary);
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    // A group of checkboxes is named by its list: the cursor goes to its first box.
    if (!field.matches("input, select, textarea")) field = field.querySelector("input, select, textarea") || field;
    event.preventDefault();
    var label = document.querySelector("label[for='" + field.id + "']");
    (label || field).scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  });
})();
