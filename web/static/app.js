// foidesk's only script. Every page works without it: it only asks
// before a button marked data-confirm does something hard to undo.
// It is loaded with the page's CSP nonce; there are no inline handlers.
"use strict";
document.documentElement.dataset.js = "on";
document.addEventListener("submit", function (ev) {
  var button = ev.submitter;
  var text = button && button.getAttribute("data-confirm");
  if (text && !window.confirm(text)) {
    ev.preventDefault();
  }
});
