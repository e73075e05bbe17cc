// Injected by `baton serve` only (never into built sites): reload the page
// when the site is rebuilt or a build fails (the server then shows an overlay).
(function () {
  if (!window.EventSource) return;
  var source = new EventSource("/__baton/events");
  source.addEventListener("reload", function () { window.location.reload(); });
})();
