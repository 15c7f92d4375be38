// Gives plain Django form widgets Bootstrap's look, on first load and after htmx swaps.
function styleForms(root) {
  root.querySelectorAll("input, select, textarea").forEach(function (el) {
    if (el.type === "checkbox" || el.type === "radio") { el.classList.add("form-check-input"); return; }
    if (el.type === "hidden" || el.type === "submit") return;
    el.classList.add(el.tagName === "SELECT" ? "form-select" : "form-control");
  });
}
document.addEventListener("DOMContentLoaded", function () { styleForms(document); });
document.addEventListener("htmx:afterSwap", function (event) { styleForms(event.target); });
