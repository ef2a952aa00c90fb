// Upload progress for the upload form, and receipts shown even when the server refuses
// part of a batch (413, 408, 400 carry a receipt too). No inline script: CSP allows 'self'.
(function () {
  "use strict";
  var t = window.hopperWords.t;
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = document.getElementById("upload-form");
    if (!form || !event.detail.lengthComputable) { return; }
    var bar = document.getElementById("upload-progress");
    var label = document.getElementById("upload-percent");
    var percent = Math.floor((event.detail.loaded / event.detail.total) * 100);
    form.dataset.progressSeen = "yes";
    bar.hidden = false;
    bar.value = percent;
    label.textContent = percent < 100 ? t("percent-sent", "{percent}% sent", { percent: percent }) : t("checking", "Checking and storing…");
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

// Before sending: which request each chosen file will be filed under, by the same
// patterns the server applies (shell globs, case-insensitive; without "/" they look at
// the file name only). The server decides; this is a preview.
(function () {
  "use strict";
  function globToRegExp(glob) {
    var out = "", i = 0, inClass = false;
    while (i < glob.length) {
      var c = glob[i];
      if (inClass) { out += c === "\\" ? "\\\\" : c; if (c === "]") { inClass = false; } i++; continue; }
      if (c === "*" && glob[i + 1] === "*") {
        if (glob[i + 2] === "/") { out += "(?:.*/)?"; i += 3; } else { out += ".*"; i += 2; }
        continue;
      }
      if (c === "*") { out += "[^/]*"; } else if (c === "?") { out += "[^/]"; }
      else if (c === "[") { out += "["; inClass = true; if (glob[i + 1] === "!") { out += "^"; i++; } }
      else if (c === "{") { out += "(?:"; } else if (c === "}") { out += ")"; }
      else if (c === ",") { out += "|"; }
      else if (c === "\\" && i + 1 < glob.length) { i++; out += glob[i].replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"); }
      else { out += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"); }
      i++;
    }
    return new RegExp("^" + out + "$");
  }
  function fold(text) { return text.normalize("NFC").toLowerCase(); }
  function requests() {
    return Array.prototype.map.call(document.querySelectorAll(".request-row"), function (row) {
      var pattern = (row.dataset.pattern || "").trim();
      var matcher = null;
      if (pattern) {
        try { matcher = globToRegExp(fold(pattern.replace(/^\/+/, ""))); } catch (e) { matcher = null; }
      }
      return { name: row.dataset.name, matcher: matcher, wholePath: pattern.indexOf("/") >= 0,
               open: row.dataset.status !== "not_applicable" };
    });
  }
  function requestFor(list, path) {
    var folded = fold(path.replace(/^\/+/, ""));
    var name = folded.split("/").pop();
    for (var i = 0; i < list.length; i++) {
      var r = list[i];
      if (r.open && r.matcher && r.matcher.test(r.wholePath ? folded : name)) { return r.name; }
    }
    return null;
  }
  var t = window.hopperWords.t, size = window.hopperWords.size;

  // A chosen file is taken out of its input by rebuilding the input's list without it.
  function removeFile(input, index) {
    var kept = new DataTransfer();
    Array.prototype.forEach.call(input.files, function (file, i) { if (i !== index) { kept.items.add(file); } });
    input.files = kept.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }
  function preview() {
    var box = document.getElementById("match-preview");
    var listEl = document.getElementById("match-list");
    if (!box || !listEl) { return; }
    var list = requests();
    var count = 0, bytes = 0;
    listEl.textContent = "";
    ["files", "folder"].forEach(function (id) {
      var input = document.getElementById(id);
      if (!input || !input.files) { return; }
      Array.prototype.forEach.call(input.files, function (file, index) {
        var path = file.webkitRelativePath || file.name;
        var li = document.createElement("li");
        var name = document.createElement("span");
        name.className = "path";
        name.textContent = path;
        var weight = document.createElement("span");
        weight.className = "hint";
        weight.textContent = size(file.size) + (file.size === 0 ? " " + t("empty", "(empty)") : "");
        li.appendChild(name);
        li.appendChild(weight);
        if (list.length) {
          var matched = requestFor(list, path);
          var goes = document.createElement("span");
          goes.className = "goes";
          goes.textContent = "→ " + (matched || t("other", "other"));
          li.className = matched ? "matched" : "other";
          li.appendChild(goes);
        }
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "small secondary";
        remove.textContent = t("remove", "Remove");
        remove.setAttribute("aria-label", t("remove-label", "Remove {name}", { name: path }));
        remove.addEventListener("click", function () { removeFile(input, index); });
        li.appendChild(remove);
        listEl.appendChild(li);
        count++;
        bytes += file.size;
      });
    });
    var heading = document.getElementById("chosen-heading");
    if (heading) { heading.textContent = count === 1 ? t("chosen-one", "1 file chosen, {size}", { size: size(bytes) }) : t("chosen-many", "{count} files chosen, {size}", { count: count, size: size(bytes) }); }
    box.hidden = count === 0;
  }
  document.addEventListener("change", function (event) {
    if (event.target && (event.target.id === "files" || event.target.id === "folder")) { preview(); }
  });
  document.addEventListener("htmx:afterRequest", function () {
    var box = document.getElementById("match-preview");
    if (box) { box.hidden = true; }
  });
  // A drop zone lights up while files are dragged over it (the input inside takes the drop).
  ["dragenter", "dragover"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var zone = event.target.closest && event.target.closest(".dropzone");
      if (zone) { zone.classList.add("dragover"); }
    });
  });
  ["dragleave", "drop"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var zone = event.target.closest && event.target.closest(".dropzone");
      if (zone) { zone.classList.remove("dragover"); }
    });
  });
  // Nothing chosen: say so instead of sending an empty form.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.id !== "upload-form") { return; }
    var any = Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (input) {
      return input.files && input.files.length > 0;
    });
    if (!any) {
      event.preventDefault();
      event.stopImmediatePropagation();
      var list = document.getElementById("upload-list");
      if (list) { list.textContent = t("choose-first", "Choose files or a folder first."); }
    }
  }, true);
})();

// Leaving the upload page asks first while files are chosen but not sent yet, or while
// a form is being sent (the page's form or a request's own; plain or resumable, whose
// own warning also covers files still uploading). The receipt resets the form it came
// from, so after sending nothing asks. A native submit (no htmx) leaves on purpose.
(function () {
  "use strict";
  var FORMS = "#upload-form, form.request-upload";
  var sending = 0, leaving = false;
  function isUploadForm(element) { return element && element.matches && element.matches(FORMS); }
  function chosen() {
    return Array.prototype.some.call(document.querySelectorAll(FORMS), function (form) {
      return Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (input) {
        return input.files && input.files.length > 0;
      });
    });
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (isUploadForm(event.detail.elt)) { sending++; }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!isUploadForm(event.detail.elt)) { return; }
    sending = Math.max(0, sending - 1);
    event.detail.elt.reset();
  });
  document.addEventListener("submit", function (event) {
    if (isUploadForm(event.target) && !event.defaultPrevented) { leaving = true; }
  });
  window.addEventListener("beforeunload", function (event) {
    if (!leaving && (sending > 0 || chosen())) { event.preventDefault(); event.returnValue = ""; }
  });
})();
