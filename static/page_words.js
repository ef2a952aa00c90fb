// What the upload pages' scripts say, and how they write numbers: the page's messages (a
// JSON data block from the catalogue, in the page's language; never executed) and its
// language (`<html lang>`). English when the page carries none. Loaded before the
// scripts that use it (`window.hopperWords`).
(function () {
  "use strict";
  var lang = document.documentElement.lang || undefined;
  var messages = (function () {
    var block = document.getElementById("messages");
    try { return block ? JSON.parse(block.textContent) : {}; } catch (e) { return {}; }
  })();
  var oneDecimal = window.Intl ? new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) : null;
  function t(key, english, args) {
    return (messages[key] || english).replace(/\{(\w+)\}/g, function (all, name) {
      return args && name in args ? args[name] : all;
    });
  }
  function decimal(value) { return oneDecimal ? oneDecimal.format(value) : value.toFixed(1); }
  function size(bytes) {
    var units = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i++; }
    if (i === 0) { return bytes + " " + units[i]; }
    return decimal(bytes) + " " + units[i];
  }
  window.hopperWords = { t: t, size: size, decimal: decimal };
})();
