// The visit form's checks as typed: the server's rules (visit_rules.js) with their
// messages beside the fields as the server's page shows them, "newly registered"
// suggested from the increase over the department's current figure, and a warning
// for a second visit by the officer at the employer on one date.
(function () {
  "use strict";

  var Rules = window.FieldOpsRules;
  var COUNT_INPUTS = { insured: "insured", registered: "registered", active: "active", newly_registered: "newly" };

  function $(selector, root) {
    return (root || document).querySelector(selector);
  }

  function $$(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  // The message beside a field, as the server's page shows it (macros/forms.html).
  function mark(input, message) {
    var holder = input && input.closest(".field");
    if (!holder) return;
    $$("p.error", holder).forEach(function (p) { p.parentNode.removeChild(p); });
    holder.classList.toggle("has-error", !!message);
    if (message) {
      var p = document.createElement("p");
      p.className = "error";
      p.id = input.id + "-error";
      p.textContent = message;
      holder.appendChild(p);
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", p.id);
    } else {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }
  }

  // A field changed since the server's answer: its message from the server goes (the
  // browser re-checks what it can, the server the rest when the form is sent again).
  function forget(input) {
    var holder = input && input.closest && input.closest(".field.has-error");
    if (!holder) return;
    $$("p.error", holder).forEach(function (p) { p.parentNode.removeChild(p); });
    holder.classList.remove("has-error");
    $$("[aria-invalid]", holder).forEach(function (e) {
      e.removeAttribute("aria-invalid");
      e.removeAttribute("aria-describedby");
    });
  }

  // Checks a line (or clears it when not counted); true when it passes.
  function checkRow(rules, row) {
    var counted = $("[data-counted]", row).checked;
    var typed = {};
    Object.keys(COUNT_INPUTS).forEach(function (name) {
      var input = $("[data-count=" + COUNT_INPUTS[name] + "]", row);
      typed[name] = input ? input.value : "";
    });
    var errors = counted && rules ? Rules.checkLine(rules, typed) : {};
    Object.keys(COUNT_INPUTS).forEach(function (name) {
      mark($("[data-count=" + COUNT_INPUTS[name] + "]", row), errors[name] || null);
    });
    return !Object.keys(errors).length;
  }

  function checkDate(rules, form) {
    if (!rules) return true;
    var problem = Rules.checkDate(rules, form.elements.visit_date.value);
    mark(form.elements.visit_date, problem);
    return !problem;
  }

  function checkAll(rules, form) {
    var ok = checkDate(rules, form);
    $$("[data-line]", form).forEach(function (row) { ok = checkRow(rules, row) && ok; });
    return ok;
  }

  // "Newly registered" follows the increase over the department's current figure
  // until the officer types it.
  function suggestNewly(row) {
    var newly = $("[data-count=newly]", row);
    if (!newly || newly.dataset.typed === "yes" || !row.dataset.currentInsured) return;
    var raw = $("[data-count=registered]", row).value.trim();
    if (!/^\d+$/.test(raw)) return;
    newly.value = String(Math.max(0, parseInt(raw, 10) - parseInt(row.dataset.currentRegistered, 10)));
  }

  // A second visit by this officer at this employer on one date: recorded, or in
  // the outbox (but `ownId`, this form's own item).
  function sameDay(form, ownId) {
    var notice = $("#visit-same-day");
    if (!notice) return;
    var day = Rules.isoDate(form.elements.visit_date.value);
    var recorded = JSON.parse(form.dataset.ownDates || "[]");
    var waiting = window.FieldOpsOutbox.unsent().some(function (e) {
      if (e.url !== form.getAttribute("action") || e.id === ownId || !e.fields) return false;
      return e.fields.some(function (pair) { return pair[0] === "visit_date" && Rules.isoDate(pair[1]) === day; });
    });
    notice.hidden = !day || !(waiting || recorded.indexOf(day) >= 0);
  }

  window.FieldOpsVisitChecks = {
    checkRow: checkRow, checkDate: checkDate, checkAll: checkAll, suggestNewly: suggestNewly, sameDay: sameDay,
    forget: forget
  };
})();
