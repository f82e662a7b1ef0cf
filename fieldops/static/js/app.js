// The one rounding of percentages, as fieldops/definitions.py's shown_percent:
// one decimal, halves up, never 100,0% short of everyone; written with a decimal
// comma, as every page writes it.
window.FieldOps = window.FieldOps || {};
window.FieldOps.percent = function (part, whole) {
  if (!(whole > 0)) return null;
  var value = Math.round((1000 * part) / whole) / 10;
  return value >= 100 && part < whole ? 99.9 : value;
};
window.FieldOps.percentText = function (value) {
  return value === null ? "—" : value.toFixed(1).replace(".", ",") + "%";
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
