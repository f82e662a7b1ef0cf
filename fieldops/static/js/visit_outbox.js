// Visits kept on this tablet: drafts while typing, and an outbox of visits whose
// sending failed for lack of network. Every page shows the outbox and retries it
// (when the connection returns, every minute, or on "Send now"); each visit keeps
// the idempotency key its form was opened with, so a retry never records it twice.
(function () {
  "use strict";

  var OUTBOX = "fieldops.outbox";
  var DRAFTS = "fieldops.draft.";

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
        if (draft) found.push(draft);
      }
    }
    found.sort(function (a, b) { return b.saved_at - a.saved_at; });
    return found;
  }

  function saveDraft(scope, key, fields) {
    return write(draftName(scope, key), { scope: scope, key: key, saved_at: Date.now(), fields: fields });
  }

  function removeDraft(scope, key) {
    try {
      window.localStorage.removeItem(draftName(scope, key));
    } catch (e) { /* storage unavailable: nothing to remove */ }
  }

  // --- outbox -------------------------------------------------------------

  function entries() {
    return read(OUTBOX, []);
  }

  function store(list) {
    write(OUTBOX, list);
    render();
  }

  function put(entry) {
    store(entries().filter(function (e) { return e.id !== entry.id; }).concat([entry]));
  }

  function remove(id) {
    store(entries().filter(function (e) { return e.id !== id; }));
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
      headers: { "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.text().then(function (html) {
        var outcome = "invalid";
        if (response.ok && response.headers.get("X-Visit-Id")) outcome = "sent";
        else if (response.status >= 500) outcome = "offline";
        else if (response.status === 409) outcome = "conflict";
        else if (response.status === 400 || response.ok) outcome = "signin";
        return { outcome: outcome, response: response, html: html };
      });
    }, function () {
      return { outcome: "offline" };
    });
  }

  // --- the banner ---------------------------------------------------------

  var flushing = false;

  function box() {
    return document.getElementById("outbox");
  }

  function say(text) {
    var b = box();
    if (!b) return;
    document.getElementById("outbox-text").textContent = text;
    b.hidden = false;
  }

  function render() {
    var b = box();
    if (!b) return;
    var list = entries();
    var link = document.getElementById("outbox-open");
    link.hidden = true;
    if (!list.length) {
      b.hidden = true;
      return;
    }
    var attention = list.filter(function (e) { return e.status === "attention"; })[0];
    if (attention) {
      say(b.dataset.attention + " " + attention.label);
      link.href = attention.url;
      link.hidden = false;
    } else {
      say(b.dataset.waiting.replace("{n}", String(list.length)));
    }
  }

  function flush() {
    var waiting = entries().filter(function (e) { return e.status !== "attention"; });
    if (flushing || !waiting.length) return Promise.resolve();
    flushing = true;
    var b = box();
    if (b) say(b.dataset.sending);
    var signin = false;
    var next = function (i) {
      if (i >= waiting.length) return Promise.resolve();
      var entry = waiting[i];
      return send(entry).then(function (result) {
        if (result.outcome === "sent") {
          remove(entry.id);
          removeDraft(entry.scope, entry.draftKey);
          return next(i + 1);
        }
        if (result.outcome === "offline") return null; // still no network: try later
        if (result.outcome === "signin") {
          signin = true;
          return null;
        }
        entry.status = "attention"; // the server refused it: the officer opens the form, restored
        put(entry);
        return next(i + 1);
      });
    };
    return next(0).then(function () {
      flushing = false;
      render();
      if (signin && b) say(b.dataset.signin);
      else if (b && !entries().length && waiting.length) say(b.dataset.sent);
    });
  }

  window.FieldOpsOutbox = {
    send: send,
    put: put,
    remove: remove,
    entries: entries,
    render: render,
    flush: flush,
    drafts: drafts,
    saveDraft: saveDraft,
    removeDraft: removeDraft
  };

  document.addEventListener("DOMContentLoaded", function () {
    render();
    document.body.addEventListener("click", function (event) {
      if (event.target && event.target.id === "outbox-send") flush();
    });
    if (navigator.onLine !== false) flush();
  });
  window.addEventListener("online", function () { flush(); });
  window.setInterval(function () {
    if (entries().length && navigator.onLine !== false) flush();
  }, 60000);
})();
