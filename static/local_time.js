// Times an outsider reads (due dates, when a file was sent) in the viewer's own time
// zone and language: the server writes the moment (<time datetime data-local>) and its
// own rendering, which stays where the browser cannot format.
(function () {
  "use strict";
  if (!window.Intl || !Intl.DateTimeFormat) { return; }
  var format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: "medium", timeStyle: "short" });
  function localise(root) {
    (root || document).querySelectorAll("time[data-local]").forEach(function (el) {
      var at = new Date(el.getAttribute("datetime"));
      if (isNaN(at.getTime())) { return; }
      if (!el.title) { el.title = el.textContent; }
      el.textContent = format.format(at);
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", function () { localise(); }); }
  else { localise(); }
  document.addEventListener("htmx:afterSettle", function () { localise(); });
})();
