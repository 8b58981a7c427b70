// Small progressive enhancements; every page works without this file.
document.addEventListener("click", function (event) {
  // Buttons with data-confirm ask before submitting (destructive actions).
  var button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
document.addEventListener("change", function (event) {
  // "Select all" checkbox in ledger lists.
  var all = event.target.closest("[data-select-all]");
  if (all) {
    var form = all.closest("form");
    form.querySelectorAll("input[type=checkbox][name='" + all.getAttribute("data-select-all") + "']")
      .forEach(function (box) { box.checked = all.checked; });
  }
});
