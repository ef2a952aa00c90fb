// Copy buttons beside a link, token or one-time password shown once: the Clipboard API
// where the browser has it (a secure context), else the text is selected for the
// person's own Ctrl+C. Without this script the buttons stay hidden and the text is there
// to select by hand.
(function () {
  "use strict";

  function reveal(root) {
    var buttons = root.querySelectorAll("button[data-copy]");
    for (var i = 0; i < buttons.length; i++) buttons[i].hidden = false;
  }

  function statusFor(button) {
    var next = button.nextElementSibling;
    if (next && next.classList.contains("copy-status")) return next;
    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    button.insertAdjacentElement("afterend", status);
    return status;
  }

  function select(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copy(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.textContent.trim();
    var status = statusFor(button);
    function selected() {
      select(source);
      status.textContent = "Selected: press Ctrl+C (⌘C) to copy";
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () {
        status.textContent = "Copied";
      }, selected);
    } else {
      selected();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (button) copy(button);
  });
  // Content swapped in by htmx (a token created in place) brings its own buttons.
  document.addEventListener("htmx:load", function (event) {
    reveal(event.target);
  });
  reveal(document);
})();
