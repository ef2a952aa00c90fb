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
  function preview() {
    var box = document.getElementById("match-preview");
    var listEl = document.getElementById("match-list");
    if (!box || !listEl) { return; }
    var list = requests();
    var files = [];
    ["files", "folder"].forEach(function (id) {
      var input = document.getElementById(id);
      if (input && input.files) { Array.prototype.push.apply(files, input.files); }
    });
    listEl.textContent = "";
    files.forEach(function (file) {
      var path = file.webkitRelativePath || file.name;
      var matched = requestFor(list, path);
      var li = document.createElement("li");
      li.className = matched ? "matched" : "other";
      li.textContent = path + " → " + (matched || "other");
      listEl.appendChild(li);
    });
    box.hidden = files.length === 0;
  }
  document.addEventListener("change", function (event) {
    if (event.target && (event.target.id === "files" || event.target.id === "folder")) { preview(); }
  });
  document.addEventListener("htmx:afterRequest", function () {
    var box = document.getElementById("match-preview");
    if (box) { box.hidden = true; }
  });
})();
