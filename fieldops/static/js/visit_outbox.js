// What an officer records on this tablet and has not yet reached the server: the
// outbox, with drafts of visit forms while they are typed. Each item keeps the
// idempotency key its form was made with, the officer who made it (it is sent only
// while that officer is signed in, with the page's fresh CSRF token) and its state:
// waiting → sending → sent (with the record's address) | refused (with the server's
// answer, shown with its messages beside the fields when opened). Items are sent in
// the order they were made, when the connection returns, every minute, or on
// "Send now"; a sent item stays listed a week, a waiting one until it is sent.
(function () {
  "use strict";

  var DRAFTS = "fieldops.draft.";
  var SENT_KEPT_MS = 7 * 24 * 3600 * 1000;

  function read(name, fallback) {
    try {
      var value = window.localStorage.getItem(name);
      return value ? JSON.parse(value) : fallback;
    } catch (e) {
      return fallback;
    }
  }

  function write(name, value) {
    try {
      window.localStorage.setItem(name, JSON.stringify(value));
      return true;
    } catch (e) {
      return false;
    }
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  // The officer signed in on this page; on the offline page (nobody signed in),
  // the officer whose data the tablet keeps.
  function owner() {
    var body = document.body;
    return (body && (body.dataset.userId || body.dataset.offlineUser)) || "";
  }

  // Sent only from a page of a signed-in session, with its own CSRF token.
  function signedIn() {
    return !!(document.body && document.body.dataset.userId);
  }

  // --- drafts -------------------------------------------------------------

  function draftName(scope, key) {
    return DRAFTS + scope + "." + key;
  }

  function drafts(scope) {
    var found = [];
    var prefix = DRAFTS + scope + ".";
    for (var i = 0; i < window.localStorage.length; i++) {
      var name = window.localStorage.key(i);
      if (name && name.indexOf(prefix) === 0) {
        var draft = read(name, null);
        if (draft && (!draft.owner || draft.owner === owner())) found.push(draft);
      }
    }
    found.sort(function (a, b) { return b.saved_at - a.saved_at; });
    return found;
  }

  function saveDraft(scope, key, fields) {
    return write(draftName(scope, key), { scope: scope, key: key, owner: owner(), saved_at: Date.now(), fields: fields });
  }

  function removeDraft(scope, key) {
    try {
      window.localStorage.removeItem(draftName(scope, key));
    } catch (e) { /* storage unavailable: nothing to remove */ }
  }

  // --- outbox -------------------------------------------------------------
  // Kept in IndexedDB (a database of its own: the district's data is replaced when
  // another officer syncs, the outbox never is), read once into memory when the
  // page opens (`ready`) and written through on each change; other tabs hear of
  // changes on a BroadcastChannel.

  var items = [];
  var channel = window.BroadcastChannel ? new window.BroadcastChannel("fieldops-outbox") : null;
  var database = null;

  function idb() {
    if (!database) {
      database = new Promise(function (resolve, reject) {
        var req = window.indexedDB.open("fieldops-outbox", 1);
        req.onupgradeneeded = function () { req.result.createObjectStore("items", { keyPath: "id" }); };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return database;
  }

  function change(work) {
    return idb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("items", "readwrite");
        work(tx.objectStore("items"));
        tx.oncomplete = function () { resolve(); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    }).then(function () {
      if (channel) channel.postMessage("changed");
    });
  }

  function load() {
    return idb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var req = db.transaction("items").objectStore("items").getAll();
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }).then(function (found) {
      var now = Date.now();
      var old = found.filter(function (e) { return e.status === "sent" && now - (e.sent_at || 0) >= SENT_KEPT_MS; });
      items = found.filter(function (e) { return old.indexOf(e) < 0; });
      if (old.length) change(function (store) { old.forEach(function (e) { store.delete(e.id); }); });
    }, function () {
      items = []; // no IndexedDB (a private window): the outbox lives as long as the page
    });
  }

  // Items an earlier release kept in localStorage move over once, never lost on the way.
  function moveOver() {
    var earlier = read("fieldops.outbox", []);
    if (!earlier.length) return Promise.resolve();
    return change(function (store) {
      earlier.forEach(function (e) { store.put(e); });
    }).then(function () { window.localStorage.removeItem("fieldops.outbox"); }, function () { /* kept there */ });
  }

  var ready = moveOver().then(load);

  function all() {
    return items.slice();
  }

  function isMine(entry) {
    return !entry.owner || entry.owner === owner();
  }

  // This officer's items, in the order they were made.
  function entries() {
    return all().filter(isMine).sort(function (a, b) { return a.queued_at - b.queued_at; });
  }

  function unsent(list) {
    return list.filter(function (e) { return e.status !== "sent"; });
  }

  // This officer's items the network can take: refused ones wait for their officer instead.
  function sendable() {
    return unsent(entries()).filter(function (e) { return e.status !== "refused"; });
  }

  // A refused visit is corrected on its form; a follow-up action refused (its follow-up
  // cancelled meanwhile, say) has nothing to correct: the outbox says why and can remove it.
  // Items of earlier releases have no kind: they are visits.
  function correctable(entry) {
    return entry.kind !== "followup";
  }

  function get(id) {
    return all().filter(function (e) { return e.id === id; })[0] || null;
  }

  // Resolves once written: a page may be left right after. The count and the
  // banner follow the write, so what they show is kept on the tablet: shown
  // before it, an item left behind by a page closed at once was counted and lost.
  function put(entry) {
    if (!entry.owner) entry.owner = owner();
    if (!entry.status) entry.status = "waiting";
    items = items.filter(function (e) { return e.id !== entry.id; }).concat([entry]);
    var kept = JSON.parse(JSON.stringify(entry));
    return change(function (store) { store.put(kept); })
      .catch(function () { /* kept in memory only */ }).then(render);
  }

  function remove(id) {
    items = items.filter(function (e) { return e.id !== id; });
    return change(function (store) { store.delete(id); }).catch(function () { /* nothing kept */ }).then(render);
  }

  function body(fields) {
    var data = new FormData();
    fields.forEach(function (pair) {
      if (pair[0] !== "csrf_token") data.append(pair[0], pair[1]);
    });
    // The token of the page sending it: the one saved may have expired.
    data.append("csrf_token", csrfToken());
    return data;
  }

  // Resolves to {outcome, response, html}; outcome is one of
  // sent | offline (no network, or the server is down) | invalid | conflict | signin.
  function send(entry) {
    return window.fetch(entry.url, {
      method: "POST",
      body: body(entry.fields),
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Outbox": "1" }
    }).then(function (response) {
      return response.text().then(function (html) {
        var outcome = "invalid";
        var recorded = response.headers.get("X-Visit-Id") || response.headers.get("X-Followup-Id");
        if (response.ok && recorded) outcome = "sent";
        else if (response.status >= 500) outcome = "offline";
        else if (response.status === 409) outcome = "conflict";
        else if (response.status === 400 || response.ok) outcome = "signin";
        return { outcome: outcome, response: response, html: html };
      });
    }, function () {
      return { outcome: "offline" };
    });
  }

  function announce(entry, result) {
    document.dispatchEvent(new CustomEvent("fieldops:outbox", { detail: { entry: entry, result: result } }));
  }

  // An item the server recorded: it keeps the record's address (what a follow-up
  // proposed from a visit names once the visit is sent), not what was typed.
  function sent(entry, response) {
    entry.status = "sent";
    entry.sent_at = Date.now();
    var landed = new URL(response.url, window.location.href);
    entry.record_url = landed.pathname + landed.search;
    delete entry.html;
    delete entry.fields;
    removeDraft(entry.scope, entry.draftKey);
  }

  // The outcome of a send, written to the item: sent keeps the record's address,
  // refused the server's page (its messages beside the fields). Resolves once written.
  function settle(entry, result) {
    if (result.outcome === "sent") {
      sent(entry, result.response);
    } else if (result.outcome === "invalid" || result.outcome === "conflict") {
      entry.status = "refused";
      entry.html = result.html;
    } else {
      entry.status = "waiting";
    }
    var written = put(entry);
    announce(entry, result);
    return written;
  }

  // --- the count, the banner ----------------------------------------------

  var flushing = false;

  function box() {
    return document.getElementById("outbox");
  }

  function say(text) {
    var b = box();
    if (!b) return;
    document.getElementById("outbox-text").textContent = text;
    document.getElementById("outbox-send").hidden = !sendable().length;
    b.hidden = false;
  }

  function render() {
    var list = unsent(entries());
    var count = document.getElementById("outbox-count");
    if (count) {
      count.textContent = String(list.length);
      count.classList.toggle("fu-new", list.length > 0);
    }
    document.dispatchEvent(new CustomEvent("fieldops:outbox-changed"));
    var b = box();
    if (!b) return;
    var link = document.getElementById("outbox-open");
    link.hidden = true;
    if (!list.length) {
      b.hidden = true;
      return;
    }
    var refused = list.filter(function (e) { return e.status === "refused"; })[0];
    if (refused) {
      var fix = correctable(refused);
      say(fix ? b.dataset.attention + " " + refused.label : b.dataset.refused.replace("{label}", refused.label));
      link.href = fix ? (refused.open_url || refused.url) : b.dataset.outbox;
      link.hidden = link.getAttribute("href") === window.location.pathname;  // the outbox page says it all
    } else {
      say(b.dataset.waiting.replace("{n}", String(list.length)));
    }
  }

  function withLock(work) {
    if (navigator.locks && navigator.locks.request) return navigator.locks.request("fieldops-outbox", work);
    return work();
  }

  // Sends this officer's waiting items in order; stops at the first that cannot
  // go (no network, or the session has expired), to keep the order.
  function flush() {
    if (flushing || !signedIn()) return Promise.resolve();
    var waiting = sendable();
    if (!waiting.length) return Promise.resolve();
    flushing = true;
    var b = box();
    if (b) say(b.dataset.sending);
    var signin = false;
    var sentAny = false;
    return withLock(function () {
      return load().then(function () { return next(0); }); // as other tabs left it
      function next(i) {
        if (i >= waiting.length) return Promise.resolve();
        var entry = get(waiting[i].id);
        if (!entry || entry.status === "sent" || entry.status === "refused") return next(i + 1);
        if (entry.depends_on) {
          // Proposed from a visit kept here: sent once the visit is, naming it.
          var visit = get(entry.depends_on);
          var recorded = visit && visit.status === "sent" && /\/visits\/(\d+)/.exec(visit.record_url || "");
          if (visit && !recorded) return next(i + 1);
          if (recorded) entry.url = entry.url.replace(/employer=\d+/, "visit=" + recorded[1]);
        }
        entry.status = "sending";
        // Each write awaited: the count it shows once written must not land after the last word below.
        return put(entry).then(function () { return send(entry); }).then(function (result) {
          return settle(entry, result).then(function () {
            if (result.outcome === "sent") sentAny = true;
            if (result.outcome === "signin") signin = true;
            if (result.outcome === "offline" || result.outcome === "signin") return null;
            return next(i + 1);
          });
        });
      }
    }).then(function () {
      flushing = false;
      render();
      if (signin && b) say(b.dataset.signin);
      else if (b && sentAny && !unsent(entries()).length) say(b.dataset.sent);
    }, function () {
      flushing = false;
      render();
    });
  }

  window.FieldOpsOutbox = {
    ready: ready,
    send: send,
    settle: settle,
    sent: sent,
    put: put,
    get: get,
    remove: remove,
    entries: entries,
    unsent: function () { return unsent(entries()); },
    sendable: sendable,
    correctable: correctable,
    owner: owner,
    render: render,
    flush: flush,
    drafts: drafts,
    saveDraft: saveDraft,
    removeDraft: removeDraft
  };

  document.addEventListener("DOMContentLoaded", function () {
    ready.then(function () {
      render();
      if (navigator.onLine !== false) flush();
    });
    document.body.addEventListener("click", function (event) {
      if (event.target && event.target.id === "outbox-send") flush();
    });
    var logout = document.getElementById("logout-form");
    if (logout) {
      logout.addEventListener("submit", function (event) {
        if (unsent(entries()).length && !window.confirm(logout.dataset.waiting)) event.preventDefault();
      });
    }
  });
  window.addEventListener("online", function () { ready.then(flush); });
  if (channel) {
    channel.onmessage = function () {
      load().then(render);
    };
  }
  window.setInterval(function () {
    if (unsent(entries()).length && navigator.onLine !== false) flush();
  }, 60000);
})();
