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

  // Employers are kept in BUCKETS records (by id), not one record each: writing
  // 18,000 records took seconds, 256 take a fraction of one, and a change rewrites
  // only its bucket. An employer: [id, name, unit code, tax code, address,
  // [[department id, name, insured, registered, active, figures' date, starts on,
  // retired on], ...]] (the two dates null for a department that always counts).
  var BUCKETS = 256;

  function asEmployer(row) {
    return { id: row[0], name: row[1], unit_code: row[2], tax_code: row[3], address: row[4],
             departments: row[5] };
  }

  // Writes an answer of /offline/sync in one transaction; resolves to the number
  // of employers kept.
  function keep(data, previous) {
    return open().then(function (db) {
      var tx = db.transaction(["meta", "employers", "visits", "followups"], "readwrite");
      var employers = tx.objectStore("employers");
      var departments = {};
      data.departments.forEach(function (d) {
        (departments[d[1]] = departments[d[1]] || []).push([d[0], d[2], d[3], d[4], d[5], d[6], d[7], d[8]]);
      });
      var buckets = {};
      data.employers.forEach(function (e) {
        var b = e[0] % BUCKETS;
        (buckets[b] = buckets[b] || []).push(e.concat([departments[e[0]] || []]));
      });
      var kept = data.full ? 0 : (previous && previous.count) || 0;
      if (data.full) {
        employers.clear();
        Object.keys(buckets).forEach(function (b) {
          var rows = {};
          buckets[b].forEach(function (e) { rows[e[0]] = e; });
          employers.put({ id: +b, rows: rows });
        });
        kept = data.employers.length;
      } else {
        Object.keys(buckets).forEach(function (b) {
          var req = employers.get(+b);
          req.onsuccess = function () {
            var record = req.result || { id: +b, rows: {} };
            buckets[b].forEach(function (e) {
              if (!(e[0] in record.rows)) kept += 1;
              record.rows[e[0]] = e;
            });
            employers.put(record);
          };
        });
      }
      ["visits", "followups"].forEach(function (name) {
        var store = tx.objectStore(name);
        store.clear();
        rows(data[name.replace(/s$/, "") + "_fields"], data[name]).forEach(function (r) { store.put(r); });
      });
      return done(tx).then(function () {
        var now = Date.now();
        var write = db.transaction("meta", "readwrite");
        write.objectStore("meta").put({
          key: "sync", user: data.user, user_id: String(data.user.id), cursor: data.cursor, read_at: data.read_at,
          synced_at: now, full_at: data.full ? now : (previous && previous.full_at) || now,
          rules: data.rules, total: data.employers_total, count: kept
        });
        return done(write).then(function () { return kept; });
      });
    });
  }

  // Every employer kept, as objects.
  function employersKept() {
    return getAll("employers").then(function (buckets) {
      var list = [];
      buckets.forEach(function (bucket) {
        Object.keys(bucket.rows).forEach(function (id) { list.push(asEmployer(bucket.rows[id])); });
      });
      return list;
    });
  }

  function employer(id) {
    return get("employers", id % BUCKETS).then(function (bucket) {
      var row = bucket && bucket.rows[id];
      return row ? asEmployer(row) : null;
    });
  }

  function count(store) {
    return open().then(function (db) { return request(db.transaction(store).objectStore(store).count()); });
  }

  // The officer who signed in last on this tablet, {id, name}: until their own
  // district arrives, the district kept here may be another officer's.
  var SIGNED_IN = "fieldops.officer";

  function lastOfficer() {
    try {
      var found = JSON.parse(window.localStorage.getItem(SIGNED_IN));
      return found && found.id ? found : null;
    } catch (e) {
      return null;
    }
  }

  function signedInHere(body) {
    try {
      window.localStorage.setItem(SIGNED_IN, JSON.stringify({ id: body.dataset.userId, name: body.dataset.userName || "" }));
    } catch (e) { /* no storage: the kept district's officer is taken as the one here */ }
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
        return keep(data, previous).then(function (kept) { return { data: data, kept: kept }; });
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

  // Whether the officer's own district is kept here, said on their pages while the
  // network is there to mend it: a sync the server failed was otherwise silent until
  // the officer, offline, found another officer's district or none.
  function sayWhetherKept() {
    var notice = document.getElementById("district-not-kept");
    if (!notice) return null;
    return meta().then(function (kept) {
      notice.hidden = !!kept && kept.user_id === document.body.dataset.userId;
    }, function () { /* no IndexedDB (a private window): nothing is ever kept, nothing to say */ });
  }

  window.FieldOpsStore = {
    open: open, meta: meta, get: get, getAll: getAll, count: count, fold: fold, sync: sync, lastOfficer: lastOfficer,
    employers: employersKept, employer: employer,
    resync: function () { return forgetCursor().then(function () { return sync(true); }); }
  };

  document.addEventListener("DOMContentLoaded", function () {
    var body = document.body;
    if (body.dataset.sync && body.dataset.userId) signedInHere(body);
    if (body.dataset.worker && "serviceWorker" in navigator) {
      navigator.serviceWorker.register(body.dataset.worker, { scope: "/" }).catch(function () {
        /* no service worker (private window, old browser): the pages still work online */
      });
    }
    if (navigator.onLine !== false) {
      sync(false).catch(function () { /* no network: kept data stays */ }).then(sayWhetherKept);
    }
  });
  window.addEventListener("online", function () {
    sync(true).catch(function () { /* still none */ }).then(sayWhetherKept);
  });
})();
