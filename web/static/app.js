// foidesk's only script. Every page works without it: it asks before a
// button marked data-confirm does something hard to undo, and gives the
// review page its keyboard shortcuts. It is loaded with the page's CSP
// nonce; there are no inline handlers.
"use strict";
document.documentElement.dataset.js = "on";
document.addEventListener("submit", function (ev) {
  var button = ev.submitter;
  var text = button && button.getAttribute("data-confirm");
  if (text && !window.confirm(text)) {
    ev.preventDefault();
  }
});

// Review shortcuts: a label's key (data-key) presses its button, or with
// a multiple-choice codebook ticks its box and Enter saves; s skips, a
// applies the same model policy's coding, n goes to the notes, Escape
// leaves a field. Keys typed into a field are the field's.
document.addEventListener("keydown", function (ev) {
  var form = document.getElementById("code-form");
  if (!form || ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) {
    return;
  }
  var t = ev.target;
  var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  if (typing) {
    if (ev.key === "Escape") {
      t.blur();
    }
    return;
  }
  if (ev.key === "n") {
    ev.preventDefault();
    document.getElementById("notes").focus();
    return;
  }
  if (ev.key === "Enter" && form.dataset.shortcuts === "multiple" && (!t || t.tagName !== "BUTTON")) {
    ev.preventDefault();
    form.requestSubmit(document.getElementById("save"));
    return;
  }
  var key = ev.key.toLowerCase();
  var target = null;
  document.querySelectorAll("[data-key]").forEach(function (el) {
    if (el.getAttribute("data-key") === key) {
      target = el;
    }
  });
  if (!target) {
    return;
  }
  ev.preventDefault();
  if (target.type === "checkbox") {
    target.checked = !target.checked;
  } else if (target.form) {
    target.form.requestSubmit(target);
  }
});
