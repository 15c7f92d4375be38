// The CRM's own behaviour. No page carries inline script or on*="" handlers (the Content-Security-Policy allows
// script from this site's files only): markup says what it wants with data attributes, this file does it.

// Gives plain Django form widgets Bootstrap's look, on first load and after htmx swaps.
function styleForms(root) {
  root.querySelectorAll("input, select, textarea").forEach(function (el) {
    if (el.classList.contains("btn-check")) return;  // a radio drawn as a button (the follow-up composer's types)
    if (el.closest(".ts-wrapper")) return;  // a searchable select's own search box (forms.js, Tom Select's look)
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

// The top bar's search box is a combobox (WAI-ARIA's pattern with a listbox popup): htmx fills
// #search-dropdown with a role=listbox of role=option links; ↑/↓ move the active option (aria-activedescendant,
// focus stays in the box so typing goes on), Enter opens it, Escape or a click elsewhere closes the list. Enter
// with no active option submits the form: the full search page.
function searchBox() { return document.getElementById("global-search"); }

function searchOptions() {
  return Array.prototype.slice.call(document.querySelectorAll("#search-dropdown [role=option]"));
}

function setActiveOption(option) {
  var box = searchBox();
  searchOptions().forEach(function (el) { el.setAttribute("aria-selected", el === option ? "true" : "false"); });
  if (option) {
    box.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  } else {
    box.removeAttribute("aria-activedescendant");
  }
}

function closeSearchDropdown() {
  var box = searchBox(), dropdown = document.getElementById("search-dropdown");
  if (!box || !dropdown) return;
  dropdown.replaceChildren();
  box.setAttribute("aria-expanded", "false");
  box.removeAttribute("aria-activedescendant");
}

document.addEventListener("htmx:afterSwap", function (event) {
  if (event.target.id !== "search-dropdown") return;
  var box = searchBox();
  // A late answer for a box the user has left or emptied opens nothing.
  if (document.activeElement !== box || !box.value.trim()) { closeSearchDropdown(); return; }
  box.setAttribute("aria-expanded", searchOptions().length ? "true" : "false");
  box.removeAttribute("aria-activedescendant");
});

document.addEventListener("keydown", function (event) {
  var box = searchBox();
  if (!box) return;
  if (event.target === box) {
    var options = searchOptions();
    var active = document.getElementById(box.getAttribute("aria-activedescendant") || "");
    var index = options.indexOf(active);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!options.length) return;
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      // From nothing, ↓ takes the first option and ↑ the last; past either end the box itself is active again.
      var next = index === -1 ? (step === 1 ? 0 : options.length - 1) : index + step;
      setActiveOption(options[next] || null);
    } else if (event.key === "Enter" && index !== -1) {
      event.preventDefault();
      window.location.assign(active.href);
    } else if (event.key === "Escape" && box.getAttribute("aria-expanded") === "true") {
      // The first Escape closes the list and keeps the text; a second one lets the browser clear the box.
      event.preventDefault();
      closeSearchDropdown();
    }
    return;
  }
  // "/" anywhere but in a field jumps to the search box, as on many sites.
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
  var target = event.target;
  if (target.closest && target.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])")) {
    return;
  }
  event.preventDefault();
  box.focus();
  box.select();
});

document.addEventListener("click", function (event) {
  if (!event.target.closest || !event.target.closest("#global-search-form")) closeSearchDropdown();
});

// A list's filter form (core/list/page.html) sends only the fields that have a value: the pushed URL reads
// ?kind=individual&sort=name, not a dozen empty parameters.
document.addEventListener("htmx:configRequest", function (event) {
  if (event.detail.verb !== "get" || !event.detail.elt.closest("[data-list-filters]")) return;
  var data = event.detail.formData;
  if (!data) return;
  var empty = [];
  data.forEach(function (value, key) { if (value === "" && data.getAll(key).every(function (v) { return v === ""; })) empty.push(key); });
  empty.forEach(function (key) { data.delete(key); });
});

// A list's bulk bar (core/list/page.html): the fields an action needs (data-bulk-for="assign", "tag untag")
// show once that action is chosen; without JavaScript they all show.
function showBulkFields(root) {
  root.querySelectorAll("#bulk-action").forEach(function (picker) {
    picker.form.querySelectorAll("[data-bulk-for]").forEach(function (field) {
      field.hidden = field.dataset.bulkFor.split(" ").indexOf(picker.value) === -1;
    });
  });
}
document.addEventListener("DOMContentLoaded", function () { showBulkFields(document); });
document.addEventListener("htmx:load", function (event) { showBulkFields(event.target); });
document.addEventListener("change", function (event) {
  if (event.target.id === "bulk-action") showBulkFields(event.target.form);
});
