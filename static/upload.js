// Upload progress for the upload form, and receipts shown even when the server refuses
// part of a batch (413, 408, 400 carry a receipt too). No inline script: CSP allows 'self'.
(function () {
  "use strict";
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = document.getElementById("upload-form");
    if (!form || !event.detail.lengthComputable) { return; }
    var bar = document.getElementById("upload-progress");
    var label = document.getElementById("upload-percent");
    var percent = Math.floor((event.detail.loaded / event.detail.total) * 100);
    form.dataset.progressSeen = "yes";
    bar.hidden = false;
    bar.value = percent;
    label.textContent = percent < 100 ? percent + "% sent" : "Checking and storing…";
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "receipt" && event.detail.xhr.status >= 400 && event.detail.xhr.status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = document.getElementById("upload-form");
    if (!form || event.detail.elt !== form) { return; }
    document.getElementById("upload-progress").hidden = true;
    document.getElementById("upload-percent").textContent = "";
    form.reset();
  });
})();
