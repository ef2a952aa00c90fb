// Dashboards and wall screens say how fresh their figures are: "updated 12 s ago",
// counted from the moment the server made the (self-refreshing) partial.
(function () {
  "use strict";
  function ago(seconds) {
    if (seconds < 5) return "updated just now";
    if (seconds < 90) return "updated " + seconds + " s ago";
    if (seconds < 5400) return "updated " + Math.round(seconds / 60) + " min ago";
    return null; // older: the absolute time the server wrote stays.
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-updated-at]").forEach(function (el) {
      var at = Date.parse(el.getAttribute("data-updated-at"));
      if (isNaN(at)) return;
      if (!el.dataset.absolute) el.dataset.absolute = el.textContent;
      var text = ago(Math.max(0, Math.round((now - at) / 1000)));
      el.textContent = text || el.dataset.absolute;
      el.title = el.dataset.absolute;
    });
  }
  tick();
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSwap", tick);
})();
