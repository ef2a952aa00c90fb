// An htmx request the server refused (409 "under legal hold", 404, …) swaps nothing (see
// responseHandling in base.html): without this, a confirmed button would seem to do
// nothing. The error page's own sentence is shown at the top of the page instead.
(function () {
  "use strict";
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || xhr.status === 422) return;
    var sentence = "";
    try {
      var page = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
      var said = page.getElementById("error-message");
      sentence = said ? said.textContent.trim() : "";
    } catch (e) {
      sentence = "";
    }
    if (!sentence) sentence = "That did not work (" + xhr.status + "). Reload the page and try again.";
    var main = document.getElementById("main");
    if (!main) return;
    var shown = document.getElementById("refusal");
    if (!shown) {
      shown = document.createElement("div");
      shown.id = "refusal";
      shown.className = "flash flash-error";
      shown.setAttribute("role", "alert");
      main.insertBefore(shown, main.firstChild);
    }
    shown.textContent = sentence;
    shown.scrollIntoView({ block: "nearest" });
  });
})();
