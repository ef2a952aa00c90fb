// Resumable uploads (tus) when the page offers them (data-batches, data-tus, data-finish)
// and the browser runs tus-js-client: members and upload-link visitors alike. Each file
// is sent in 64 MiB requests that resume after a dropped connection (with backoff); each
// has its progress, speed, time left, pause and cancel; a file the server will not take
// is refused at creation, before its body moves (its name, size, type and first bytes are
// announced); after a reload the page lists the unfinished files with what the server
// holds of each, and choosing one again resumes it from there (the browser keeps each
// upload's address, as Uppy's Golden Retriever does). Without JavaScript the form is used.
(function () {
  "use strict";
  if (!window.tus || !window.tus.isSupported) { return; }
  var running = 0;
  var CONCURRENT = 3;
  var CHUNK = 64 * 1024 * 1024;
  // The server sniffs at most 8 KiB; 4 KiB identifies every type it refuses by content.
  var HEAD_BYTES = 4096;

  function csrf() {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }
  var t = window.hopperWords.t, size = window.hopperWords.size;
  function duration(seconds) {
    if (!isFinite(seconds) || seconds < 0) { return ""; }
    if (seconds < 60) { return t("seconds-left", "{n} s left", { n: Math.ceil(seconds) }); }
    if (seconds < 3600) { return t("minutes-left", "{n} min left", { n: Math.ceil(seconds / 60) }); }
    return t("hours-left", "{n} h left", { n: window.hopperWords.decimal(seconds / 3600) });
  }
  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function chosen(form) {
    var files = [];
    Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) {
        files.push({ file: file, path: file.webkitRelativePath || file.name });
      });
    });
    return files;
  }
  function post(url) {
    return fetch(url, { method: "POST", credentials: "same-origin",
                        headers: { "X-CSRF-Token": csrf(), "HX-Request": "true" } });
  }
  function pathOf(url) { return new URL(url, window.location.href).pathname; }
  // The server's sentence for a refusal (a problem's detail), else the client's message.
  function reason(error) {
    var response = error && error.originalResponse;
    if (response) {
      var body = response.getBody && response.getBody();
      try { var problem = JSON.parse(body); if (problem && problem.detail) { return problem.detail; } }
      catch (e) { if (body && body.length < 300) { return body; } }
    }
    return error && error.message ? error.message : String(error);
  }
  // The first bytes of a file, base64, for the server to judge its type before the body.
  function headOf(file) {
    if (!file.slice || !window.FileReader) { return Promise.resolve(null); }
    return new Promise(function (resolve) {
      var reader = new FileReader();
      reader.onload = function () {
        var bytes = new Uint8Array(reader.result), text = "";
        for (var i = 0; i < bytes.length; i++) { text += String.fromCharCode(bytes[i]); }
        resolve(window.btoa(text));
      };
      reader.onerror = function () { resolve(null); };
      reader.readAsArrayBuffer(file.slice(0, HEAD_BYTES));
    });
  }
  function stored() { document.body.dispatchEvent(new CustomEvent("hopper:stored", { bubbles: true })); }
  window.addEventListener("beforeunload", function (event) {
    if (running > 0) { event.preventDefault(); event.returnValue = ""; }
  });

  function row(list, item) {
    var li = element("li", "upload-item");
    li.appendChild(element("span", "file-name", item.path));
    li.appendChild(element("span", "hint", size(item.file.size)));
    var bar = element("progress");
    bar.max = 100; bar.value = 0;
    bar.setAttribute("aria-label", t("sent-of", "Sent of {name}", { name: item.path }));
    li.appendChild(bar);
    var status = element("span", "hint upload-status", t("waiting", "waiting"));
    li.appendChild(status);
    var pause = element("button", "small secondary", t("pause", "Pause"));
    pause.type = "button";
    var cancel = element("button", "small danger", t("cancel", "Cancel"));
    cancel.type = "button";
    li.appendChild(pause);
    li.appendChild(cancel);
    list.appendChild(li);
    return { li: li, bar: bar, status: status, pause: pause, cancel: cancel };
  }

  function send(form, items, session) {
    var list = document.getElementById("upload-list") || form.parentNode;
    var ul = element("ul", "plain upload-rows");
    list.textContent = "";
    list.appendChild(ul);
    var total = items.reduce(function (sum, i) { return sum + i.file.size; }, 0);
    var summary = element("p", "hint", "");
    list.insertBefore(summary, ul);
    var sent = {}, queue = items.slice(), active = 0, left = items.length;
    var requestId = (form.querySelector("input[name=request_id]") || {}).value;
    // The files are held from here on, so their inputs are free for the next choice at
    // once: resetting the form when this batch's receipt arrives would wipe a choice made
    // meanwhile, and the next batch would start with nothing.
    Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
      input.value = "";
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    function updateSummary() {
      var done = Object.keys(sent).reduce(function (s, k) { return s + sent[k]; }, 0);
      summary.textContent = t("summary", "{done} of {total} sent, {left} file(s) to go", { done: size(done), total: size(total), left: left });
    }
    function ended() {
      left--; active--; running--;
      updateSummary();
      next();
      if (left === 0) {
        post(form.dataset.finish.replace("{session}", session)).then(function (r) { return r.text(); }).then(function (html) {
          var receipt = document.getElementById("receipt");
          if (receipt) { receipt.innerHTML = html; if (window.htmx) { window.htmx.process(receipt); } }
          stored();
        });
      }
    }
    function start(item, index, head) {
      var ui = row(ul, item), last = { at: Date.now(), bytes: 0 }, speed = 0, paused = false;
      var metadata = { filename: item.path, cycle: form.dataset.cycle, session: String(session) };
      if (requestId) { metadata.request = requestId; }
      if (head) { metadata.head = head; }
      var upload = new window.tus.Upload(item.file, {
        endpoint: form.dataset.tus,
        chunkSize: CHUNK,
        retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
        headers: { "X-CSRF-Token": csrf() },
        metadata: metadata,
        removeFingerprintOnSuccess: true,
        onProgress: function (bytes, size_) {
          var now = Date.now();
          if (now - last.at >= 1000) {
            var instant = (bytes - last.bytes) * 1000 / (now - last.at);
            speed = speed ? speed * 0.7 + instant * 0.3 : instant;
            last = { at: now, bytes: bytes };
          }
          sent[index] = bytes;
          form.dataset.progressSeen = "yes";
          ui.bar.value = size_ ? Math.floor(bytes * 100 / size_) : 100;
          ui.status.textContent = speed ? t("speed", "{speed}/s, {left}", { speed: size(speed), left: duration((size_ - bytes) / speed) }) : t("sending", "sending");
          updateSummary();
        },
        onSuccess: function () {
          ui.bar.value = 100;
          ui.status.textContent = t("sent", "sent");
          ui.pause.hidden = true; ui.cancel.hidden = true;
          ended();
          stored();
        },
        onError: function (error) {
          ui.status.textContent = t("not-sent", "not sent: {reason}", { reason: reason(error) });
          ui.li.className += " upload-failed";
          ui.pause.hidden = true; ui.cancel.hidden = true;
          ended();
        }
      });
      ui.pause.addEventListener("click", function () {
        paused = !paused;
        if (paused) { upload.abort(); ui.status.textContent = t("paused", "paused"); ui.pause.textContent = t("resume", "Resume"); }
        else { upload.start(); ui.pause.textContent = t("pause", "Pause"); }
      });
      ui.cancel.addEventListener("click", function () {
        upload.abort(true).then(function () {
          ui.status.textContent = t("cancelled", "cancelled");
          ui.pause.hidden = true; ui.cancel.hidden = true;
          ended();
        });
      });
      upload.findPreviousUploads().then(function (previous) {
        if (previous.length) {
          upload.resumeFromPreviousUpload(previous[0]);
          ui.status.textContent = t("resuming", "resuming");
        }
        upload.start();
      });
    }
    function next() {
      while (active < CONCURRENT && queue.length) {
        active++; running++;
        var item = queue.shift();
        var index = items.indexOf(item);
        headOf(item.file).then(start.bind(null, item, index));
      }
    }
    updateSummary();
    next();
  }

  function previousBatch(form, items) {
    return Promise.all(items.map(function (item) {
      return new window.tus.Upload(item.file, { endpoint: form.dataset.tus }).findPreviousUploads();
    })).then(function (found) {
      for (var i = 0; i < found.length; i++) {
        for (var j = 0; j < found[i].length; j++) {
          var metadata = found[i][j].metadata || {};
          if (metadata.session && metadata.cycle === form.dataset.cycle) { return metadata.session; }
        }
      }
      return null;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.dataset || !form.dataset.batches) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    var items = chosen(form);
    if (!items.length) {
      var list = document.getElementById("upload-list");
      if (list) { list.textContent = t("choose-first", "Choose files or a folder first."); }
      return;
    }
    // Files an earlier page (before a reload) left unfinished go on in their batch.
    previousBatch(form, items).then(function (earlier) {
      if (earlier) { return { session_id: earlier }; }
      return post(form.dataset.batches).then(function (r) {
        if (r.ok) { return r.json(); }
        return r.text().then(function (body) {
          var detail = "";
          try { detail = JSON.parse(body).detail || ""; } catch (e) { detail = ""; }
          throw new Error(detail || t("could-not-start", "The upload could not start ({status}). Try again in a moment.", { status: r.status }));
        });
      });
    }).then(function (batch) { send(form, items, batch.session_id); })
      .catch(function (error) {
        var list = document.getElementById("upload-list");
        if (list) { list.textContent = error.message; }
      });
  }, true);

  // After a reload: the files this page left unfinished, with how much of each the server
  // holds (HEAD); gone ones are forgotten. Choosing the same file again resumes it.
  function offerResume() {
    var form = document.querySelector("form[data-tus]");
    var storage = window.tus.defaultOptions && window.tus.defaultOptions.urlStorage;
    var box = document.getElementById("unfinished");
    if (!form || !storage || !storage.findAllUploads || !box) { return; }
    var base = pathOf(form.dataset.tus) + "/";
    storage.findAllUploads().then(function (entries) {
      var mine = entries.filter(function (e) { return e.uploadUrl && pathOf(e.uploadUrl).indexOf(base) === 0; });
      return Promise.all(mine.map(function (entry) {
        return fetch(entry.uploadUrl, { method: "HEAD", credentials: "same-origin", headers: { "Tus-Resumable": "1.0.0" } })
          .then(function (r) {
            var offset = Number(r.headers.get("Upload-Offset")), length = Number(r.headers.get("Upload-Length"));
            if (!r.ok || !(length > offset)) { storage.removeUpload(entry.urlStorageKey); return null; }
            return { name: (entry.metadata || {}).filename || t("a-file", "a file"), offset: offset, length: length };
          })
          .catch(function () { return null; });
      }));
    }).then(function (found) {
      var open = (found || []).filter(Boolean);
      if (!open.length) { return; }
      var list = box.querySelector("ul");
      list.textContent = "";
      open.forEach(function (u) {
        var percent = Math.floor(u.offset * 100 / u.length);
        list.appendChild(element("li", "", t("unfinished-item", "{name}: {percent}% ({offset} of {length}) already arrived", { name: u.name, percent: percent, offset: size(u.offset), length: size(u.length) })));
      });
      box.hidden = false;
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", offerResume); }
  else { offerResume(); }
})();
