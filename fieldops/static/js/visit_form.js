// The visit form on a tablet: live unregistered/coverage, the server's input rules
// checked as typed, "newly registered" suggested from the increase and a warning for
// a second visit on one day (visit_checks.js), rows added and removed, the location, the
// draft kept while typing, and a submit that survives a dropped connection (the
// visit goes to the outbox, see visit_outbox.js). Without this script the form still
// works as a plain POST.
(function () {
  "use strict";

  var Outbox = window.FieldOpsOutbox;
  var Checks = window.FieldOpsVisitChecks;
  var form, scope, key, sending, saveTimer, rules;

  function $(selector, root) {
    return (root || document).querySelector(selector);
  }

  function $$(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  // --- figures --------------------------------------------------------------

  function count(row, name) {
    var input = $("[data-count=" + name + "]", row);
    var value = input ? input.value.trim() : "";
    return /^\d+$/.test(value) ? parseInt(value, 10) : null;
  }

  function number(n) {
    return window.FieldOps.number(n);
  }

  function percent(insured, registered) {
    return window.FieldOps.percent(registered, insured);
  }

  function showCoverage(bar, pct, full) {
    if (!bar) return;
    var fill = $(".coverage-fill", bar);
    if (fill) fill.style.width = Math.max(0, Math.min(pct || 0, 100)) + "%";
    bar.classList.toggle("full", !!full);
  }

  // --- checked as typed (visit_checks.js) ------------------------------------

  function checkRow(row) {
    return Checks.checkRow(rules, row);
  }

  function checkDate() {
    return Checks.checkDate(rules, form);
  }

  function checkAll() {
    return Checks.checkAll(rules, form);
  }

  function sameDay() {
    Checks.sameDay(form, scope + "." + key);
  }

  function onInput(event) {
    var target = event.target;
    var row = target.closest && target.closest("[data-line]");
    Checks.forget(target);
    if (target.dataset && target.dataset.count === "newly") target.dataset.typed = "yes";
    if (row && target.dataset && target.dataset.count === "registered") Checks.suggestNewly(row);
    if (row) checkRow(row);
    if (target.name === "visit_date") {
      checkDate();
      sameDay();
    }
    recompute();
    queueSave();
  }

  function recompute() {
    var totalInsured = 0;
    var totalRegistered = 0;
    $$("[data-line]", form).forEach(function (row) {
      var counted = $("[data-counted]", row).checked;
      var insured = count(row, "insured");
      var registered = count(row, "registered");
      // Figures the server would refuse show no coverage (not 1407% on a green bar).
      var known = insured !== null && registered !== null && registered <= insured;
      var pct = known ? percent(insured, registered) : null;
      row.classList.toggle("not-counted", !counted);
      $("[data-out=unregistered]", row).textContent = known ? number(insured - registered) : "—";
      $("[data-out=coverage]", row).textContent = window.FieldOps.percentText(pct);
      showCoverage($(".coverage", row), pct, known && insured > 0 && registered >= insured);
      if (counted && known) {
        totalInsured += insured;
        totalRegistered += registered;
      } else if (!counted && row.dataset.currentInsured) {
        // Not counted on this visit: the department keeps its current figures.
        totalInsured += parseInt(row.dataset.currentInsured, 10);
        totalRegistered += parseInt(row.dataset.currentRegistered, 10);
      }
    });
    var pct = percent(totalInsured, totalRegistered);
    $("#total-insured").textContent = number(totalInsured);
    $("#total-registered").textContent = number(totalRegistered);
    $("#total-unregistered").textContent = number(totalInsured - totalRegistered);
    $("#total-coverage").textContent = window.FieldOps.percentText(pct);
  }

  // --- rows -----------------------------------------------------------------

  function nextIndex(prefix) {
    var pattern = new RegExp("^" + prefix + "-(\\d+)-");
    var max = -1;
    $$("[name]", form).forEach(function (el) {
      var match = pattern.exec(el.name);
      if (match) max = Math.max(max, parseInt(match[1], 10));
    });
    return max + 1;
  }

  function addRow(templateId, containerId, prefix) {
    var index = nextIndex(prefix);
    var html = $("#" + templateId).innerHTML.split("__index__").join(String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    $("#" + containerId).appendChild(row);
    return { row: row, index: index };
  }

  function onClick(event) {
    var target = event.target;
    if (target.id === "add-line") {
      var added = addRow("line-template", "visit-lines", "lines");
      $("input[type=text]", added.row).focus();
      recompute();
      queueSave();
    } else if (target.id === "add-obstacle") {
      var obstacle = addRow("obstacle-template", "visit-obstacles", "obstacles");
      $("select", obstacle.row).focus();
      queueSave();
    } else if (target.hasAttribute("data-remove-row")) {
      var row = target.closest("[data-line], [data-obstacle]");
      if (row) row.parentNode.removeChild(row);
      recompute();
      queueSave();
    } else if (target.id === "use-location") {
      locate(target);
    } else if (target.id === "draft-discard") {
      Outbox.removeDraft(scope, key);
      window.location.reload();
    }
  }

  // --- location -------------------------------------------------------------

  function locate(button) {
    var status = $("#location-status");
    if (!navigator.geolocation) {
      status.textContent = button.dataset.failed;
      return;
    }
    status.textContent = button.dataset.locating;
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.latitude.value = position.coords.latitude.toFixed(6);
      form.elements.longitude.value = position.coords.longitude.toFixed(6);
      status.textContent = "± " + Math.round(position.coords.accuracy) + " m";
      queueSave();
    }, function () {
      status.textContent = button.dataset.failed;
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  // --- the draft ------------------------------------------------------------

  function fields() {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token") pairs.push([name, String(value)]);
    });
    return pairs;
  }

  function queueSave() {
    window.clearTimeout(saveTimer);
    saveTimer = window.setTimeout(function () { Outbox.saveDraft(scope, key, fields()); }, 250);
  }

  function setValue(name, value) {
    var el = form.elements[name];
    if (!el) return;
    if (el.type === "checkbox") el.checked = true;
    else el.value = value;
  }

  // Department lines are matched by department, whatever their row number was;
  // added departments and obstacles get new rows.
  function restore(draft) {
    var byDepartment = {};
    $$("[data-line]", form).forEach(function (row) {
      var id = $("input[name$='-department_id']", row);
      if (id && id.value) byDepartment[id.value] = id.name.replace(/-department_id$/, "");
      else row.parentNode.removeChild(row);
    });
    $$("[data-obstacle]", form).forEach(function (row) { row.parentNode.removeChild(row); });
    $$("input[type=checkbox]", form).forEach(function (box) { box.checked = false; });

    var draftLines = {};
    draft.fields.forEach(function (pair) {
      var match = /^lines-(\d+)-department_id$/.exec(pair[0]);
      if (match) draftLines[match[1]] = pair[1];
    });
    var rowFor = {};
    draft.fields.forEach(function (pair) {
      var name = pair[0];
      var line = /^lines-(\d+)-(.+)$/.exec(name);
      var obstacle = /^obstacles-(\d+)-(.+)$/.exec(name);
      if (line) {
        var old = "lines-" + line[1];
        if (!(old in rowFor)) {
          var department = draftLines[line[1]];
          if (department) rowFor[old] = byDepartment[department] || null;
          else rowFor[old] = "lines-" + addBlankRow("line-template", "visit-lines", "lines");
        }
        if (rowFor[old]) setValue(rowFor[old] + "-" + line[2], pair[1]);
      } else if (obstacle) {
        var oldObstacle = "obstacles-" + obstacle[1];
        if (!(oldObstacle in rowFor)) {
          rowFor[oldObstacle] = "obstacles-" + addBlankRow("obstacle-template", "visit-obstacles", "obstacles");
        }
        setValue(rowFor[oldObstacle] + "-" + obstacle[2], pair[1]);
      } else if (name !== "idempotency_key" && name !== "base_revision") {
        setValue(name, pair[1]);
      }
    });
    $("#draft-restored").hidden = false;
  }

  // A row for restored values: its boxes start unticked, as the draft says which are ticked.
  function addBlankRow(templateId, containerId, prefix) {
    var added = addRow(templateId, containerId, prefix);
    $$("input[type=checkbox]", added.row).forEach(function (box) { box.checked = false; });
    return added.index;
  }

  function restoreDraft() {
    // What the officer typed while the outbox was being read is newer than any draft.
    var anyKey = form.dataset.draftAnyKey === "yes" && form.dataset.typedEarly !== "yes";
    var queued = {};
    Outbox.entries().forEach(function (e) { queued[e.id] = true; });
    var candidates = Outbox.drafts(scope);
    var chosen = null;
    candidates.forEach(function (draft) {
      // A draft whose visit waits in the outbox is that visit's: a new form is another visit.
      if (queued[scope + "." + draft.key]) return;
      if (!chosen && (anyKey || draft.key === key)) chosen = draft;
      else Outbox.removeDraft(scope, draft.key); // superseded or stale
    });
    if (!chosen) return;
    if (anyKey && chosen.key !== key) {
      // Reopened: carry on with the key the draft was made under, so that if the
      // server did receive it before, sending again still gives one visit.
      key = chosen.key;
      form.elements.idempotency_key.value = key;
      form.dataset.draftKey = key;
    }
    restore(chosen);
  }

  // --- sending --------------------------------------------------------------

  function busy(on) {
    $$("button[type=submit]", form).forEach(function (button) {
      button.disabled = on;
      if (on) {
        button.dataset.label = button.textContent;
        button.textContent = button.dataset.sending;
      } else if (button.dataset.label) {
        button.textContent = button.dataset.label;
      }
    });
  }

  // The server's answer replaces the page content: the recorded visit, or the
  // form with the errors beside the fields, or the conflict.
  function show(html, url) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var main = $("main", page);
    if (!main) return;
    $("main").innerHTML = main.innerHTML;
    document.title = page.title;
    if (url) window.history.replaceState(null, "", url);
    init();
    Outbox.render();
    if (window.FieldOps.focusErrorSummary()) return;
    var problem = $(".has-error, .notice-error");
    if (problem) problem.scrollIntoView({ block: "center" });
  }

  function onSubmit(event) {
    if (!window.fetch || !window.FormData) return; // the plain POST does the job
    event.preventDefault();
    if (sending) return; // a double tap sends once
    if (!checkAll()) {
      if (window.FieldOps.showErrorSummary(form)) return;
      var problem = $(".has-error input, .has-error select", form);
      if (problem) {
        problem.scrollIntoView({ block: "center" });
        problem.focus();
      }
      return;
    }
    sending = true;
    busy(true);
    window.clearTimeout(saveTimer);
    var entry = {
      id: scope + "." + key, kind: "visit", url: form.getAttribute("action"), fields: fields(),
      label: form.dataset.label, open_url: form.dataset.openUrl || form.getAttribute("action"),
      scope: scope, draftKey: key, queued_at: Date.now(), status: "waiting"
    };
    Outbox.saveDraft(scope, key, entry.fields);
    Outbox.send(entry).then(function (result) {
      if (result.outcome === "sent") {
        if (Outbox.unsent().some(function (e) { return e.depends_on === entry.id; })) {
          // A follow-up proposed from this visit while it waited (it was refused, then corrected
          // here): the visit stays in the outbox as sent, so the proposal names it, and goes now.
          Outbox.sent(entry, result.response);
          Outbox.put(entry).then(Outbox.flush);
        } else {
          Outbox.remove(entry.id);
        }
        Outbox.removeDraft(scope, key);
        show(result.html, result.response.url);
        window.scrollTo(0, 0);
        return;
      }
      sending = false;
      busy(false);
      if (result.outcome === "offline" || result.outcome === "signin") {
        Outbox.put(entry).then(function () {
          var notice = $("#visit-offline");
          notice.hidden = result.outcome !== "offline";
          if (result.outcome === "signin") show(result.html);
          // Said at the top of a long form: the officer, tapping at its foot, sees it.
          else notice.scrollIntoView({ block: "center" });
        });
        return;
      }
      if (Outbox.get(entry.id)) {
        // Refused again, opened from the outbox: it stays there, refused, with this answer
        // (what was proposed from it still waits for it).
        entry.status = "refused";
        entry.html = result.html;
        Outbox.put(entry);
      } else {
        Outbox.remove(entry.id);
      }
      show(result.html);
    });
  }

  // Sent or refused by the outbox while this form is on screen: a plain "sent"
  // with the record's link, or the server's page with its messages beside the fields.
  function onOutbox(event) {
    var entry = event.detail.entry;
    if (!form || !document.body.contains(form) || entry.id !== scope + "." + key) return;
    if (entry.status === "sent") {
      var sent = $("#visit-sent-template");
      var panel = document.createElement("div");
      panel.innerHTML = sent.innerHTML;
      $("a", panel).href = entry.record_url;
      $("main").innerHTML = "";
      $("main").appendChild(panel.firstElementChild);
      form = null;
      Outbox.render();
    } else if (entry.status === "refused") {
      show(entry.html);
    }
  }

  // A visit the server refused, opened again: its answer, messages beside the fields.
  function refusedHere() {
    return Outbox.unsent().filter(function (e) {
      return e.status === "refused" && e.scope === scope && e.html;
    })[0];
  }

  function init() {
    form = document.getElementById("visit-form");
    if (!form || !Outbox) return;
    scope = form.dataset.draftScope;
    key = form.dataset.draftKey;
    sending = false;
    rules = form.dataset.rules ? JSON.parse(form.dataset.rules) : null;
    var refused = form.dataset.restore === "yes" && refusedHere();
    if (refused) {
      show(refused.html);
      return;
    }
    if (form.dataset.conflict === "yes") {
      // This key is spent: what was typed stays on the page, not in a draft.
      Outbox.removeDraft(scope, key);
      Outbox.remove(scope + "." + key);
    } else if (form.dataset.restore === "yes") {
      restoreDraft();
    }
    form.addEventListener("input", onInput);
    form.addEventListener("change", onInput);
    form.addEventListener("click", onClick);
    form.addEventListener("submit", onSubmit);
    var discard = $("#draft-discard");
    if (discard) discard.addEventListener("click", onClick);
    recompute();
    sameDay();
    form.dataset.ready = "yes";
    if (form.dataset.typedEarly === "yes") queueSave();
  }

  // Typing may start before the outbox has been read (a slow tablet opens its store
  // late): that form keeps its own key and figures, and is saved as the draft.
  function noteEarlyTyping(event) {
    var early = event.target.form;
    if (early && early.id === "visit-form" && early.dataset.ready !== "yes") early.dataset.typedEarly = "yes";
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.addEventListener("input", noteEarlyTyping, true);
    document.addEventListener("change", noteEarlyTyping, true);
    if (Outbox) Outbox.ready.then(init); // the outbox is read before the form looks at it
  });
  document.addEventListener("fieldops:outbox", onOutbox);
  window.FieldOpsVisitForm = { init: init };
})();
