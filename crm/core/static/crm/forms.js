// What every form of the CRM does for the person filling it in (the markup comes from crm.core.forms.dress_form
// and core/_form_fields.html). Like crm.js: no inline script, behaviour driven by data attributes.
//
// - <select data-searchable>: a Tom Select search box over the options (type to narrow, arrows and Enter to
//   pick); without JavaScript the plain select still works.
// - <form data-validate>: when a field loses focus, the form is posted to its own view with ?validate=1; the
//   view runs the same server-side validation and answers the errors as JSON, saving nothing
//   (crm.core.views.ServiceFormMixin). Only fields the user has left show their errors.
"use strict";

// --- Searchable selects ---------------------------------------------------------------------------------------

function searchableSelects(root) {
  if (typeof TomSelect === "undefined" || !root.querySelectorAll) return;
  root.querySelectorAll("select[data-searchable]:not([data-searchable='0'])").forEach(function (select) {
    if (select.tomselect || select.disabled) return;
    var noResults = select.dataset.noResults || "";
    var control = new TomSelect(select, {
      create: false,
      maxOptions: null,  // a long list is the reason for the box: all of it, narrowed by typing
      allowEmptyOption: true,
      openOnFocus: false,  // tabbing through the form does not unfold every list; typing or ↓ does
      plugins: select.multiple ? {remove_button: {title: select.dataset.removeLabel || ""}} : {},
      render: {
        no_results: function () {
          var div = document.createElement("div");
          div.className = "no-results";
          div.textContent = noResults;
          return div;
        },
      },
    });
    // Tom Select points the label at its search box; the select it hides (still read by screen readers and
    // posted with the form) keeps its name through the same label.
    var label = document.getElementById(control.inputId + "-ts-label");
    if (label) select.setAttribute("aria-labelledby", label.id);
  });
}

document.addEventListener("DOMContentLoaded", function () { searchableSelects(document); });
document.addEventListener("htmx:load", function (event) { searchableSelects(event.target); });

// --- Inline validation ----------------------------------------------------------------------------------------

var VALIDATE_DELAY_MS = 150;  // a tab through three fields posts once
var validationRuns = new WeakMap();  // form -> {timer, sequence}: only the latest answer is shown

function fieldBox(element) {
  return element && element.closest ? element.closest("form[data-validate] [data-field]") : null;
}

function scheduleValidation(form) {
  var run = validationRuns.get(form) || {timer: null, sequence: 0};
  validationRuns.set(form, run);
  clearTimeout(run.timer);
  run.timer = setTimeout(function () { validate(form, run); }, VALIDATE_DELAY_MS);
}

function validate(form, run) {
  var sequence = ++run.sequence;
  var url = new URL(form.getAttribute("action") || window.location.href, window.location.href);
  url.searchParams.set("validate", "1");
  fetch(url, {method: "POST", body: new FormData(form), credentials: "same-origin",
              headers: {"Accept": "application/json"}})
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (result) {
      if (!result || sequence !== run.sequence) return;  // a failed call or an outdated answer: show nothing
      form.querySelectorAll("[data-field][data-touched]").forEach(function (box) {
        showFieldErrors(box, result.fields[box.dataset.field] || []);
      });
    })
    .catch(function () { /* offline or the server is down: the submit will say so */ });
}

function fieldControls(box) {
  return box.querySelectorAll("input[name]:not([type=hidden]), select[name], textarea[name]");
}

function showFieldErrors(box, messages) {
  var errorId = box.dataset.errorId;
  var old = errorId ? document.getElementById(errorId) : null;
  if (old) old.remove();
  var invalid = messages.length > 0;
  if (invalid) {
    var feedback = document.createElement("div");
    feedback.className = "invalid-feedback d-block";
    feedback.id = errorId;
    messages.forEach(function (message, index) {
      if (index) feedback.appendChild(document.createElement("br"));
      feedback.appendChild(document.createTextNode(message));
    });
    box.appendChild(feedback);
  }
  fieldControls(box).forEach(function (control) {
    control.classList.toggle("is-invalid", invalid);
    if (invalid) control.setAttribute("aria-invalid", "true"); else control.removeAttribute("aria-invalid");
    var described = (control.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== errorId;
    });
    if (invalid) described.push(errorId);
    if (described.length) control.setAttribute("aria-describedby", described.join(" "));
    else control.removeAttribute("aria-describedby");
  });
  // Tom Select draws its own box for the select: it shows the state too, and its search input is described by
  // the error like the select.
  box.querySelectorAll(".ts-wrapper").forEach(function (wrapper) { wrapper.classList.toggle("is-invalid", invalid); });
  box.querySelectorAll(".ts-control input").forEach(function (input) {
    if (invalid) input.setAttribute("aria-describedby", errorId); else input.removeAttribute("aria-describedby");
  });
}

document.addEventListener("focusout", function (event) {
  var box = fieldBox(event.target);
  if (!box) return;
  // Focus moving inside one field (Tom Select's input to its options, one checkbox to the next) is not leaving it.
  if (event.relatedTarget && box.contains(event.relatedTarget)) return;
  box.dataset.touched = "1";
  scheduleValidation(box.closest("form"));
});

// A choice made with the mouse (a select, a checkbox, Tom Select) counts as done with the field.
document.addEventListener("change", function (event) {
  var box = fieldBox(event.target);
  if (!box || event.target.tagName === "INPUT" && event.target.type === "text") return;
  box.dataset.touched = "1";
  scheduleValidation(box.closest("form"));
});

// A field showing an error is checked again as it is corrected, so the error goes as soon as it is fixed.
document.addEventListener("input", function (event) {
  var box = fieldBox(event.target);
  if (box && box.dataset.touched && box.querySelector(".is-invalid")) scheduleValidation(box.closest("form"));
});
