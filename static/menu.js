// On narrow screens the navigation folds behind a "Menu" button. Without this script it
// simply wraps: nothing is out of reach.
(function () {
  "use strict";
  var bar = document.querySelector(".topbar");
  var toggle = document.getElementById("menu-toggle");
  if (!bar || !toggle) return;
  bar.classList.add("foldable");
  toggle.addEventListener("click", function () {
    var open = bar.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && bar.classList.contains("open")) {
      bar.classList.remove("open");
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    }
  });
})();
