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

// Tables that fit a tablet (app.css, "Tablet fit"): each cell carries its column's
// header as data-label, which the card layout of a narrow screen prints above it;
// a table still wider than its box gets the line that says it scrolls sideways.
(function () {
  "use strict";

  function headerGrid(table) {
    // Column index → header text, over every header row (a group heading spans its columns).
    var labels = [];
    var rows = table.tHead ? table.tHead.rows : [];
    for (var r = 0; r < rows.length; r++) {
      var col = 0;
      for (var c = 0; c < rows[r].cells.length; c++) {
        var cell = rows[r].cells[c];
        var text = cell.textContent.replace(/\s+/g, " ").trim();
        for (var span = 0; span < cell.colSpan; span++, col++) {
          if (text && labels[col] !== text) labels[col] = labels[col] ? labels[col] + " · " + text : text;
        }
      }
    }
    return labels;
  }

  function label(root) {
    var tables = (root.querySelectorAll ? root : document).querySelectorAll("table.list");
    for (var t = 0; t < tables.length; t++) {
      var labels = headerGrid(tables[t]);
      var bodies = tables[t].querySelectorAll(":scope > tbody > tr, :scope > tfoot > tr");
      for (var r = 0; r < bodies.length; r++) {
        var col = 0;
        var head = null;
        for (var c = 0; c < bodies[r].cells.length; c++) {
          var cell = bodies[r].cells[c];
          if (cell.colSpan === 1 && labels[col] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", labels[col]);
          col += cell.colSpan;
          // A card leaves out an empty cell, puts a row's checkbox in its corner and
          // heads itself with the first cell that says something.
          var only = cell.children.length === 1 ? cell.children[0] : null;
          if (only && only.matches("input[type=checkbox]") && !cell.textContent.trim()) cell.setAttribute("data-pick", "");
          else if (!cell.textContent.trim() && !cell.querySelector("input, button, select, a, img, svg, meter, progress")) cell.setAttribute("data-blank", "");
          else if (!head) head = cell;
        }
        if (head) head.setAttribute("data-card-head", "");
      }
    }
  }

  function cue() {
    var text = document.body.dataset.scrollHint;
    var boxes = document.querySelectorAll(".table-scroll");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      box.classList.toggle("is-scrollable", scrolls);
      if (scrolls) box.setAttribute("tabindex", "0");  // a keyboard scrolls it too
      else box.removeAttribute("tabindex");
      var hint = box.previousElementSibling;
      var has = hint && hint.classList.contains("scroll-hint");
      if (scrolls && !has && text) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.textContent = text;
        box.parentNode.insertBefore(hint, box);
      } else if (!scrolls && has) {
        hint.parentNode.removeChild(hint);
      }
    }
  }

  // A box or its table changing size (a turned tablet, a font loaded, a <details>
  // opened) measures the boxes again.
  var watcher = window.ResizeObserver ? new ResizeObserver(cue) : null;

  function fit(root) {
    label(root || document);
    cue();
    if (!watcher) return;
    var boxes = document.querySelectorAll(".table-scroll");
    for (var i = 0; i < boxes.length; i++) {
      watcher.observe(boxes[i]);
      if (boxes[i].firstElementChild) watcher.observe(boxes[i].firstElementChild);
    }
  }

  document.addEventListener("DOMContentLoaded", function () { fit(document); });
  document.addEventListener("htmx:afterSettle", function (event) { fit(event.detail.elt); });
  // A table a script draws later (the offline pages) is fitted the same way.
  window.FieldOps.fitTables = fit;
})();

// The top bar's "More" menu (a <details>): a tap elsewhere or Escape closes it.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var menu = document.getElementById("nav-more");
    if (menu && menu.open && !menu.contains(event.target)) menu.open = false;
  });
  document.addEventListener("keydown", function (event) {
    var menu = document.getElementById("nav-more");
    if (event.key !== "Escape" || !menu || !menu.open) return;
    menu.open = false;
    menu.querySelector("summary").focus();
  });
})();
