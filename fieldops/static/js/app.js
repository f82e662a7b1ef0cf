// Tell the user when an htmx request fails instead of silently doing nothing.
document.addEventListener("htmx:sendError", function () {
  document.body.classList.add("offline");
});
document.addEventListener("htmx:afterRequest", function (event) {
  if (event.detail.successful) document.body.classList.remove("offline");
});
