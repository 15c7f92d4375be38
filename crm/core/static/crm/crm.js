// The CRM's own behaviour. No page carries inline script or on*="" handlers (the Content-Security-Policy allows
// script from this site's files only): markup says what it wants with data attributes, this file does it.

// Gives plain Django form widgets Bootstrap's look, on first load and after htmx swaps.
function styleForms(root) {
  root.querySelectorAll("input, select, textarea").forEach(function (el) {
    if (el.classList.contains("btn-check")) return;  // a radio drawn as a button (the follow-up composer's types)
    if (el.type === "checkbox" || el.type === "radio") { el.classList.add("form-check-input"); return; }
    if (el.type === "hidden" || el.type === "submit") return;
    el.classList.add(el.tagName === "SELECT" ? "form-select" : "form-control");
  });
}

// Values the server computes for a style (a progress bar's width, an indent, a colour) come as data
// attributes and are set through the DOM, which a CSP without 'unsafe-inline' for styles allows.
function applyDataStyles(root) {
  root.querySelectorAll("[data-width-percent]").forEach(function (el) {
    el.style.width = Math.max(0, Math.min(100, Number(el.dataset.widthPercent) || 0)) + "%";
  });
  root.querySelectorAll("[data-indent]").forEach(function (el) {
    el.style.paddingLeft = (Number(el.dataset.indent) || 0) + "rem";
  });
  root.querySelectorAll("[data-color]").forEach(function (el) {
    if (CSS.supports("color", el.dataset.color)) el.style.backgroundColor = el.dataset.color;
  });
}

function enhance(root) {
  styleForms(root);
  applyDataStyles(root);
}

document.addEventListener("DOMContentLoaded", function () { enhance(document); });
// htmx:load fires on every element htmx adds (an outerHTML swap's new element, out-of-band swaps too), where
// afterSwap names the target, which an outerHTML swap has just removed.
document.addEventListener("htmx:load", function (event) { enhance(event.target); });

// <form data-confirm="Question?">: asks before submitting; Cancel submits nothing.
document.addEventListener("submit", function (event) {
  var question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
}, true);

document.addEventListener("click", function (event) {
  // <input type="checkbox" data-select-all="ids">: ticks or clears every checkbox named "ids" on the page.
  var all = event.target.closest("[data-select-all]");
  if (all) {
    document.querySelectorAll('input[type=checkbox][name="' + all.dataset.selectAll + '"]').forEach(function (box) {
      box.checked = all.checked;
    });
  }
  // <button data-compose-contact="7">: the record page's composer, with that contact chosen, ready to type
  // (on a phone its tab is shown first).
  var compose = event.target.closest("[data-compose-contact]");
  if (compose) {
    var select = document.getElementById("composer-contact");
    var tab = document.getElementById("tab-timeline");
    if (select) {
      select.value = compose.dataset.composeContact;
      if (tab && tab.offsetParent !== null && window.bootstrap) window.bootstrap.Tab.getOrCreateInstance(tab).show();
      document.getElementById("composer-subject").focus();
    }
  }
  // <a href="fallback" data-history-back>: goes back where the user came from, else follows the link.
  var back = event.target.closest("a[data-history-back]");
  if (back && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
