// The officer's offline kit (served at /sw.js after a line that sets
// self.FIELDOPS_SHELL = {version, page, files}). One cache per release, filled
// whole at install: static files are asked for with ?v=<release>, so a page gets
// its own release's files and never a mix. Pages come from the network; without
// one, the offline page answers and draws the page asked for from what the
// tablet keeps (offline_pages.js). Nothing else (forms, htmx, the sync) is cached.
"use strict";

var SHELL = self.FIELDOPS_SHELL;
var PREFIX = "fieldops-shell-";
var CACHE = PREFIX + SHELL.version;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    var page = fetch(SHELL.page, { credentials: "same-origin", redirect: "error" }).then(function (response) {
      if (!response.ok) throw new Error("offline page: " + response.status);
      return cache.put(SHELL.page, response);
    });
    return Promise.all([cache.addAll(SHELL.files), page]);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(PREFIX) === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function offlinePage() {
  return caches.open(CACHE).then(function (cache) { return cache.match(SHELL.page); }).then(function (page) {
    return page || Response.error();
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).then(function (response) {
      // A proxy's "bad gateway" is no page either.
      return response.status >= 502 && response.status <= 504 ? offlinePage() : response;
    }, offlinePage));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (hit) { return hit || fetch(request); });
    }));
  }
});
