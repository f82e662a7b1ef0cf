// The officer's district kept on the tablet (IndexedDB), for the offline pages:
// every employer with its departments and current figures, the officer's own
// visits and follow-ups, the visit rules. Synced on the officer's pages when the
// network is there: everything the first time (or for another officer), then only
// what changed since the cursor the last answer gave. Also registers the service
// worker that keeps the app shell (/sw.js).
(function () {
  "use strict";

  var NAME = "fieldops-offline";
  var SYNC_EVERY_MS = 60 * 1000;
  var FULL_EVERY_MS = 24 * 3600 * 1000;
  var opening = null;

  function request(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function open() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var req = window.indexedDB.open(NAME, 1);
        req.onupgradeneeded = function () {
          var db = req.result;
          db.createObjectStore("meta", { keyPath: "key" });
          ["employers", "visits", "followups"].forEach(function (name) {
            db.createObjectStore(name, { keyPath: "id" });
          });
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return opening;
  }

  function done(tx) {
    return new Promise(function (resolve, reject) {
      tx.oncomplete = function () { resolve(); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error); };
    });
  }

  function get(store, key) {
    return open().then(function (db) { return request(db.transaction(store).objectStore(store).get(key)); });
  }

  function getAll(store) {
    return open().then(function (db) { return request(db.transaction(store).objectStore(store).getAll()); });
  }

  function meta() {
    return get("meta", "sync");
  }

  // Lower case, accents and đ folded, spaces collapsed: fieldops/textfold.py.
  function fold(text) {
    return String(text || "").replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "").replace(/\s+/g, " ").trim().toLowerCase();
  }

  function rows(fields, list) {
    return list.map(function (row) {
      var record = {};
      fields.forEach(function (name, i) { record[name] = row[i]; });
      return record;
    });
  }

  // Writes an answer of /offline/sync in one transaction.
  function keep(data, previous) {
    return open().then(function (db) {
      var tx = db.transaction(["meta", "employers", "visits", "followups"], "readwrite");
      var employers = tx.objectStore("employers");
      if (data.full) employers.clear();
      var departments = {};
      data.departments.forEach(function (d) {
        (departments[d[1]] = departments[d[1]] || []).push([d[0], d[2], d[3], d[4], d[5], d[6]]);
      });
      data.employers.forEach(function (e) {
        employers.put({ id: e[0], name: e[1], unit_code: e[2], tax_code: e[3], address: e[4],
                        departments: departments[e[0]] || [] });
      });
      ["visits", "followups"].forEach(function (name) {
        var store = tx.objectStore(name);
        store.clear();
        rows(data[name.replace(/s$/, "") + "_fields"], data[name]).forEach(function (r) { store.put(r); });
      });
      var now = Date.now();
      tx.objectStore("meta").put({
        key: "sync", user: data.user, user_id: String(data.user.id), cursor: data.cursor, read_at: data.read_at,
        synced_at: now, full_at: data.full ? now : (previous && previous.full_at) || now,
        rules: data.rules, total: data.employers_total
      });
      return done(tx);
    });
  }

  function count(store) {
    return open().then(function (db) { return request(db.transaction(store).objectStore(store).count()); });
  }

  var syncing = null;

  function fetchAndKeep(url, previous) {
    return window.fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok || (response.headers.get("Content-Type") || "").indexOf("json") < 0) {
          throw new Error("sync: " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        return keep(data, previous).then(function () { return count("employers"); }).then(function (kept) {
          return { data: data, kept: kept };
        });
      });
  }

  // Resolves to {full, employers (received), ms}, or null when synced a moment
  // ago; rejects without a network.
  function sync(force) {
    var body = document.body;
    if (!body.dataset.sync || !body.dataset.userId) return Promise.resolve(null);
    if (syncing) return syncing;
    var started = Date.now();
    syncing = meta().then(function (previous) {
      var same = previous && previous.user_id === body.dataset.userId;
      if (!force && same && started - previous.synced_at < SYNC_EVERY_MS) return null;
      var full = !same || started - previous.full_at > FULL_EVERY_MS;
      var url = body.dataset.sync + (full ? "" : "?since=" + encodeURIComponent(previous.cursor));
      return fetchAndKeep(url, same ? previous : null).then(function (got) {
        // Employers moved out of the district leave no trace in a change list:
        // a count that disagrees asks for everything again.
        if (got.data.full || got.kept === got.data.employers_total) return got;
        return fetchAndKeep(body.dataset.sync, null);
      }).then(function (got) {
        return { full: got.data.full, employers: got.data.employers.length, ms: Date.now() - started };
      });
    }).then(function (result) {
      syncing = null;
      if (result) document.dispatchEvent(new CustomEvent("fieldops:synced", { detail: result }));
      return result;
    }, function (error) {
      syncing = null;
      throw error;
    });
    return syncing;
  }

  function forgetCursor() {
    return open().then(function (db) {
      var tx = db.transaction("meta", "readwrite");
      tx.objectStore("meta").delete("sync");
      return done(tx);
    });
  }

  window.FieldOpsStore = {
    open: open, meta: meta, get: get, getAll: getAll, count: count, fold: fold, sync: sync,
    resync: function () { return forgetCursor().then(function () { return sync(true); }); }
  };

  document.addEventListener("DOMContentLoaded", function () {
    var body = document.body;
    if (body.dataset.worker && "serviceWorker" in navigator) {
      navigator.serviceWorker.register(body.dataset.worker, { scope: "/" }).catch(function () {
        /* no service worker (private window, old browser): the pages still work online */
      });
    }
    if (navigator.onLine !== false) sync(false).catch(function () { /* no network: kept data stays */ });
  });
  window.addEventListener("online", function () { sync(true).catch(function () { /* still none */ }); });
})();
