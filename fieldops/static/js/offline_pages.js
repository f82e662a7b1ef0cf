// The officer's pages without a network, drawn from what the tablet keeps
// (offline_store.js) on the page the service worker answers with: home, employer
// search, an employer, a new visit, my visits, my follow-ups (started or completed
// into the outbox). Also draws the outbox page, online or not. Every page says how
// old its data is.
(function () {
  "use strict";

  var Store = window.FieldOpsStore;
  var Outbox = window.FieldOpsOutbox;
  var view, S, L, kept, other;
  var SHOWN = 50;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function fill(text, values) {
    return Object.keys(values).reduce(function (out, name) {
      return out.split("{" + name + "}").join(String(values[name]));
    }, text);
  }

  function number(n) {
    return window.FieldOps.number(n);
  }

  function day(iso) {
    if (!iso) return "";
    var p = iso.slice(0, 10).split("-");
    return p[2] + "/" + p[1] + "/" + p[0];
  }

  function when(ms) {
    var d = new Date(ms);
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return two(d.getDate()) + "/" + two(d.getMonth() + 1) + "/" + d.getFullYear() + " " +
      two(d.getHours()) + ":" + two(d.getMinutes());
  }

  function percent(insured, registered) {
    return window.FieldOps.percentText(window.FieldOps.percent(registered, insured));
  }

  function heading(text) {
    view.appendChild(el("h1", { text: text }));
  }

  function age(meta) {
    var text = meta ? fill(S.age, { when: when(meta.synced_at) }) : S.never;
    var holder = document.getElementById("offline-age");
    if (holder) holder.textContent = text;
    else view.appendChild(el("p", { "class": "hint", id: "offline-age", text: text }));
  }

  // --- search ---------------------------------------------------------------

  var index = null;

  function employers() {
    if (index) return Promise.resolve(index);
    return Store.employers().then(function (list) {
      list.forEach(function (e) { e.folded = Store.fold(e.name + " " + e.unit_code + " " + e.tax_code); });
      list.sort(function (a, b) { return a.name.localeCompare(b.name, "vi") || a.id - b.id; });
      index = list;
      return list;
    });
  }

  function matching(list, q) {
    var words = Store.fold(q).split(" ").filter(Boolean).slice(0, 8);
    return list.filter(function (e) {
      return words.every(function (w) { return e.folded.indexOf(w) >= 0; });
    });
  }

  function search() {
    heading(S.search);
    var input = el("input", { type: "search", id: "offline-search", autocomplete: "off", "aria-label": S.search });
    var count = el("p", { "class": "hint", id: "offline-found" });
    var results = el("ul", { "class": "cards", id: "offline-results" });
    view.appendChild(input);
    view.appendChild(count);
    view.appendChild(results);
    function show() {
      employers().then(function (list) {
        var found = input.value.trim() ? matching(list, input.value) : list;
        results.innerHTML = "";
        count.textContent = fill(S.found, { n: number(found.length) }) +
          (found.length > SHOWN ? " " + fill(S.first, { n: SHOWN }) : "");
        found.slice(0, SHOWN).forEach(function (e) {
          results.appendChild(el("li", {}, [el("a", { "class": "card-link", href: "/employers/" + e.id }, [
            el("strong", { text: e.name }),
            el("span", { text: e.unit_code + " · " + e.tax_code + " · " + e.address })
          ])]));
        });
        if (!found.length) results.appendChild(el("li", { "class": "empty", text: S.none_found }));
      });
    }
    input.addEventListener("input", show);
    input.value = new URLSearchParams(window.location.search).get("q") || "";
    show();
    input.focus();
  }

  // --- an employer ------------------------------------------------------------

  // The departments counting today, as the form online offers them: one retired, or a
  // part of a split that starts later, is neither counted nor offered (the server refuses it).
  function counting(employer) {
    var today = window.FieldOpsRules.today(kept.rules);
    return employer.departments.filter(function (d) { return window.FieldOpsRules.countsOn(today, d[6], d[7]); });
  }

  function totals(employer) {
    return counting(employer).reduce(function (t, d) {
      return { insured: t.insured + d[2], registered: t.registered + d[3] };
    }, { insured: 0, registered: 0 });
  }

  function employerPage(id) {
    return Store.employer(id).then(function (employer) {
      if (!employer) {
        view.appendChild(el("p", { "class": "notice", text: S.not_kept }));
        return;
      }
      heading(employer.name);
      var t = totals(employer);
      view.appendChild(el("p", { "class": "lead", text: S.unit_code + ": " + employer.unit_code + " · " +
        S.tax_code + ": " + employer.tax_code + " · " + employer.address }));
      view.appendChild(el("p", {}, [el("a", { "class": "button primary", id: "offline-new-visit",
                                             href: "/visits/new/" + employer.id, text: S.new_visit })]));
      view.appendChild(el("p", { text: S.coverage + ": " + percent(t.insured, t.registered) + " · " +
        S.insured + ": " + number(t.insured) + " · " + S.registered + ": " + number(t.registered) }));
      view.appendChild(el("h2", { text: S.departments }));
      // The online page's table (employers/show.html): its style, figures to the right, scrolled on its own.
      var rows = counting(employer).map(function (d) {
        return el("tr", {}, [el("td", { text: d[1] }), el("td", { "class": "num", text: number(d[2]) }),
                             el("td", { "class": "num", text: number(d[3]) }),
                             el("td", { "class": "num", text: number(d[4]) }),
                             el("td", { "class": "num", text: percent(d[2], d[3]) }), el("td", { text: day(d[5]) })]);
      });
      var head = el("tr", {}, [S.department, S.insured, S.registered, S.active, S.coverage, S.figures_of]
        .map(function (h, i) { return el("th", i && i < 5 ? { "class": "num", text: h } : { text: h }); }));
      view.appendChild(el("div", { "class": "table-scroll" }, [
        el("table", { "class": "list figures", id: "offline-departments" },
           [el("thead", {}, [head]), el("tbody", {}, rows)])]));
      window.FieldOps.fitTables(view);
    });
  }

  // --- a new visit ------------------------------------------------------------

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  function visitForm(id) {
    return Promise.all([Store.employer(id), Store.getAll("visits")]).then(function (got) {
      var employer = got[0];
      if (!employer) {
        view.appendChild(el("p", { "class": "notice", text: S.not_kept }));
        return;
      }
      view.appendChild(document.getElementById("offline-visit-form").content.cloneNode(true));
      document.getElementById("offline-visit-employer").textContent = employer.name + " · " + employer.unit_code;
      var form = document.getElementById("visit-form");
      var key = newKey();
      var action = "/visits/new/" + employer.id;
      form.setAttribute("action", action);
      form.dataset.draftScope = "employer-" + employer.id;
      form.dataset.draftKey = key;
      form.dataset.label = employer.name;
      form.dataset.openUrl = action;
      form.dataset.rules = JSON.stringify(kept.rules);
      form.dataset.ownDates = JSON.stringify(got[1].filter(function (v) {
        return v.employer_id === employer.id;
      }).map(function (v) { return v.visit_date; }));
      form.elements.idempotency_key.value = key;
      form.elements.visit_date.value = window.FieldOpsRules.today(kept.rules);
      var template = document.getElementById("line-template").innerHTML;
      counting(employer).forEach(function (d, i) {
        var holder = document.createElement("div");
        holder.innerHTML = template.split("__index__").join(String(i)).trim();
        var row = holder.firstElementChild;
        var name = row.querySelector("input[name$='-new_name']").closest(".field");
        name.parentNode.replaceChild(el("h3", { text: d[1] }), name);
        var remove = row.querySelector("[data-remove-row]");
        if (remove) remove.parentNode.removeChild(remove);
        row.querySelector("input[name$='-department_id']").value = String(d[0]);
        row.dataset.currentInsured = String(d[2]);
        row.dataset.currentRegistered = String(d[3]);
        row.querySelector("[data-count=insured]").value = String(d[2]);
        row.querySelector("[data-count=registered]").value = String(d[3]);
        row.querySelector("[data-count=active]").value = String(d[4]);
        row.querySelector("[data-count=newly]").value = "0";
        document.getElementById("visit-lines").appendChild(row);
      });
      window.FieldOpsVisitForm.init();
      proposeAfter(employer, form, key);
    });
  }

  // Once the visit waits in the outbox, a follow-up can be proposed from it.
  function proposeAfter(employer, form, key) {
    var visitId = form.dataset.draftScope + "." + key;
    var shown = false;
    document.addEventListener("fieldops:outbox-changed", function () {
      if (shown || !Outbox.get(visitId)) return;
      shown = true;
      view.appendChild(proposal(employer, visitId));
    });
  }

  function proposal(employer, visitId) {
    var A = L.actions;
    var kind = el("select", { name: "kind", id: "offline-followup-kind", "aria-label": A.kind },
      ["revisit", "training", "data_correction"].map(function (k) {
        return el("option", { value: k, text: L.followup_kind[k] });
      }));
    var due = el("input", { type: "date", name: "due_date", id: "offline-followup-due", "aria-label": A.due });
    var inAWeek = new Date(Date.now() + (kept.rules.utc_offset_minutes * 60 + 7 * 24 * 60) * 60000);
    due.value = inAWeek.toISOString().slice(0, 10);
    var note = el("textarea", { name: "note", rows: "2", maxlength: "1000", id: "offline-followup-note",
                                "aria-label": A.note, placeholder: A.note });
    var button = el("button", { type: "button", "class": "primary", id: "offline-propose", text: A.propose });
    var panel = el("section", { "class": "card", id: "offline-proposal" }, [
      el("h2", { text: A.propose }), el("label", { text: A.kind }), kind, el("label", { text: A.due }), due,
      el("label", { text: A.note }), note, el("p", {}, [button])]);
    button.addEventListener("click", function () {
      var key = newKey();
      var saved = Outbox.put({
        id: "proposal." + key, kind: "followup", depends_on: visitId,
        url: "/followups/new?employer=" + employer.id, open_url: "/followups/new?employer=" + employer.id,
        label: A.propose + ": " + employer.name, scope: "proposal", draftKey: key,
        fields: [["kind", kind.value], ["obstacle_id", "0"], ["assignee_id", kept.user_id], ["due_date", due.value],
                 ["note", note.value.trim()], ["idempotency_key", key]],
        queued_at: Date.now(), status: "waiting"
      });
      saved.then(function () {
        panel.innerHTML = "";
        panel.appendChild(el("p", { "class": "notice", id: "offline-proposed", text: A.proposed }));
      });
    });
    return panel;
  }

  // --- my visits, my follow-ups, home -------------------------------------------

  function names() {
    return employers().then(function (list) {
      var byId = {};
      list.forEach(function (e) { byId[e.id] = e.name; });
      return byId;
    });
  }

  function visitList(limit) {
    return Promise.all([Store.getAll("visits"), names()]).then(function (got) {
      var list = got[0].sort(function (a, b) { return b.visit_date.localeCompare(a.visit_date) || b.id - a.id; });
      var ul = el("ul", { "class": "cards", id: "offline-visits" });
      list.slice(0, limit || list.length).forEach(function (v) {
        ul.appendChild(el("li", {}, [el("a", { "class": "card-link", href: "/employers/" + v.employer_id }, [
          el("strong", { text: got[1][v.employer_id] || "" }),
          el("span", { text: day(v.visit_date) + " · " + (L.purpose[v.purpose] || v.purpose) + " · " +
                             (L.visit_state[v.state] || v.state) })
        ])]));
      });
      if (!list.length) ul.appendChild(el("li", { "class": "empty", text: S.no_visits }));
      return ul;
    });
  }

  // Actions on the follow-up waiting to be sent. One the server refused (the follow-up
  // changed meanwhile, or the outcome was too long) is not: the card shows the state the
  // tablet knows, to be done again, and the outbox says why.
  function queued(followupId) {
    return Outbox.sendable().filter(function (e) { return e.kind === "followup" && e.followup_id === followupId; });
  }

  function followupAction(f, action, fields) {
    var base = "/followups/" + f.id;
    return Outbox.put({
      id: "followup-" + f.id + "." + action, kind: "followup", followup_id: f.id, action: action,
      // Which action on which follow-up: an employer may have several.
      url: base + "/" + action, open_url: base,
      label: (action === "complete" ? L.actions.complete : L.actions.start) + " · " +
        (L.followup_kind[f.kind] || f.kind) + " · " + (f.employer_name || ""),
      fields: fields.concat([["next", base]]), scope: "followup-" + f.id, draftKey: action,
      queued_at: Date.now(), status: "waiting"
    });
  }

  function followupCard(f) {
    var waiting = queued(f.id);
    var state = waiting.length ? waiting[waiting.length - 1].action === "complete" ? "done" : "in_progress" : f.state;
    var card = el("li", { "class": "card", id: "offline-followup-" + f.id }, [
      el("strong", { text: f.employer_name || "" }),
      el("p", { text: (L.followup_kind[f.kind] || f.kind) + " · " + fill(S.due, { date: day(f.due_date) }) }),
      el("p", { "class": "badge", "data-state": state, text: L.followup_state[state] || state })
    ]);
    if (waiting.length) card.appendChild(el("p", { "class": "hint", text: S.waiting }));
    if (state === "approved") {
      var start = el("button", { type: "button", "class": "small-button", "data-action": "start",
                                 text: L.actions.start });
      start.addEventListener("click", function () { followupAction(f, "start", []).then(route); });
      card.appendChild(start);
    }
    if (state === "in_progress") {
      var outcome = el("textarea", { name: "outcome", rows: "2", "aria-label": L.actions.outcome,
                                     placeholder: L.actions.outcome, maxlength: String(L.outcome_max) });
      var complete = el("button", { type: "button", "class": "small-button", "data-action": "complete",
                                    text: L.actions.complete });
      complete.addEventListener("click", function () {
        if (!outcome.value.trim()) {
          outcome.focus();
          return;
        }
        followupAction(f, "complete", [["outcome", outcome.value.trim()], ["done_visit_id", "0"]]).then(route);
      });
      card.appendChild(outcome);
      card.appendChild(complete);
    }
    return card;
  }

  function followups() {
    heading(S.my_followups);
    return Promise.all([Store.getAll("followups"), names()]).then(function (got) {
      var ul = el("ul", { "class": "cards", id: "offline-followups" });
      // The open ones first, soonest due first; the done, cancelled and rejected after them.
      var closed = function (f) { return L.open_states.indexOf(f.state) < 0 ? 1 : 0; };
      got[0].sort(function (a, b) {
        return closed(a) - closed(b) || String(a.due_date || "9").localeCompare(String(b.due_date || "9")) || a.id - b.id;
      });
      got[0].forEach(function (f) {
        f.employer_name = got[1][f.employer_id];
        ul.appendChild(followupCard(f));
      });
      if (!got[0].length) ul.appendChild(el("li", { "class": "empty", text: S.no_followups }));
      view.appendChild(ul);
    });
  }

  function home() {
    heading(fill(S.hello, { name: kept.user.name }));
    view.appendChild(el("p", { "class": "lead", text: fill(S.area, { unit: kept.user.unit }) }));
    return Promise.resolve(kept.count).then(function (n) {
      view.appendChild(el("p", {}, [el("a", { "class": "button primary", href: "/visits/new", text: S.search })]));
      view.appendChild(el("p", { text: fill(S.employers_kept, { n: number(n) }) }));
      view.appendChild(el("h2", { text: S.my_visits }));
      return visitList(8);
    }).then(function (list) { view.appendChild(list); });
  }

  // --- the outbox ---------------------------------------------------------------

  // What the server said of a refused item: the alerts and field messages of its answer.
  function answer(html) {
    if (!html) return "";
    var page = new DOMParser().parseFromString(html, "text/html");
    var said = [];
    page.querySelectorAll("main [role=alert], main p.error").forEach(function (node) {
      var text = node.textContent.replace(/\s+/g, " ").trim();
      if (text && said.indexOf(text) < 0) said.push(text);
    });
    return said.join(" · ");
  }

  // An item the officer gives up (recorded wrong, or its follow-up cancelled meanwhile): off the tablet, once confirmed.
  function discard(e) {
    var button = el("button", { type: "button", "data-action": "discard", text: S.discard });
    button.addEventListener("click", function () {
      if (window.confirm(S.discard_confirm)) Outbox.remove(e.id);
    });
    return button;
  }

  function status(e) {
    if (e.status === "refused" && !Outbox.correctable(e)) return S.refused_action;
    return S[e.status] || e.status;
  }

  function outbox() {
    heading(S.outbox);
    var ul = el("ul", { "class": "cards", id: "outbox-items" });
    var list = Outbox.entries().slice().reverse();
    list.forEach(function (e) {
      var item = el("li", { "class": "card outbox-item", "data-status": e.status, "data-id": e.id }, [
        el("strong", { text: e.label || "" }),
        el("p", { "class": "badge outbox-" + e.status, text: status(e) }),
        el("p", { "class": "hint", text: fill(S.queued_at, { when: when(e.queued_at) }) })
      ]);
      if (e.status === "sent" && e.record_url) {
        item.appendChild(el("a", { "class": "button", href: e.record_url, text: S.open_record }));
      } else if (e.status === "refused") {
        var why = answer(e.html);
        if (why) item.appendChild(el("p", { "class": "error", text: fill(S.answer, { why: why }) }));
        item.appendChild(el("div", { "class": "button-row" }, [
          el("a", { "class": "button", href: e.open_url || e.url, text: Outbox.correctable(e) ? S.open_fix : S.open_record }),
          discard(e)]));
      } else if (e.status === "waiting") {
        // Recorded wrong, or twice: taken back before it goes (an item being sent no longer can be).
        item.appendChild(el("div", { "class": "button-row" }, [discard(e)]));
      }
      ul.appendChild(item);
    });
    if (!list.length) ul.appendChild(el("li", { "class": "empty", text: S.outbox_empty }));
    view.appendChild(ul);
    if (document.body.dataset.userId && Outbox.sendable().length) {
      var send = el("button", { type: "button", "class": "primary", id: "outbox-page-send", text: S.send_now });
      send.addEventListener("click", function () { Outbox.flush(); });
      view.appendChild(send);
    }
  }

  // --- which page ---------------------------------------------------------------

  function route() {
    view.innerHTML = "";
    var path = window.location.pathname;
    var m;
    if (path === "/outbox") return outbox();
    if (!kept) {
      age(null);
      return null;
    }
    age(kept);
    if (other) {
      view.appendChild(el("p", { "class": "notice", id: "offline-not-yours",
                                 text: fill(S.not_yours, { owner: kept.user.name, name: other.name }) }));
      return null;
    }
    if (path === "/") return home();
    if (path === "/visits/new" || path === "/employers/" || path === "/employers") return search();
    if ((m = /^\/employers\/(\d+)$/.exec(path))) return employerPage(parseInt(m[1], 10));
    if ((m = /^\/visits\/new\/(\d+)$/.exec(path))) return visitForm(parseInt(m[1], 10));
    if (path === "/visits/" || path === "/visits") {
      heading(S.my_visits);
      return visitList().then(function (ul) { view.appendChild(ul); });
    }
    if (path === "/followups/mine") return followups();
    view.appendChild(el("p", { "class": "notice", id: "offline-needs-network", text: S.needs_network }));
    return null;
  }

  document.addEventListener("DOMContentLoaded", function () {
    view = document.getElementById("offline-view");
    if (!view) return;
    S = JSON.parse(view.dataset.strings);
    L = JSON.parse(view.dataset.labels);
    var offline = document.body.classList.contains("offline-kit");
    Promise.all([Store.meta(), Outbox.ready]).then(function (got) {
      var meta = got[0];
      kept = meta || null;
      if (offline && kept) {
        // Nobody is signed in on this page: what is recorded belongs to the officer who signed in
        // last on the tablet. The district kept is theirs once they synced; until then it is the
        // officer's before them, and not offered (what was recorded would carry the wrong officer).
        var last = Store.lastOfficer();
        other = last && last.id !== kept.user_id ? last : null;
        document.body.dataset.offlineUser = other ? other.id : kept.user_id;
        var who = document.getElementById("offline-who");
        who.textContent = who.title = other ? other.name : kept.user.name;
        Outbox.render();
      }
      route();
    });
    document.addEventListener("fieldops:outbox-changed", function () {
      if (window.location.pathname === "/outbox" && view.querySelector("#outbox-items")) {
        view.innerHTML = "";
        outbox();
      }
    });
  });
})();
