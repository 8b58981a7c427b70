// Small progressive enhancements; every page works without this file.
document.addEventListener("click", function (event) {
  // Buttons with data-confirm ask before submitting (destructive actions). With
  // data-confirm-count="entries" the question counts the ticked boxes of that name:
  // data-confirm-one for one, data-confirm for more, "%(count)s" replaced by the number.
  // Without a tick the server says what to do, so there is nothing to ask.
  var button = event.target.closest("[data-confirm]");
  if (!button) { return; }
  var question = button.getAttribute("data-confirm");
  var counted = button.getAttribute("data-confirm-count");
  if (counted && button.form) {
    var count = button.form.querySelectorAll(
      "input[type=checkbox][name='" + counted + "']:checked").length;
    if (count === 0) { return; }
    if (count === 1 && button.hasAttribute("data-confirm-one")) {
      question = button.getAttribute("data-confirm-one");
    }
    question = question.replace("%(count)s", String(count));
  }
  if (!window.confirm(question)) {
    event.preventDefault();
    return;
  }
  // Confirmed here: the server need not show its confirm page.
  var form = button.form || button.closest("form");
  if (form && !form.querySelector("input[name=confirmed]")) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "confirmed";
    input.value = "1";
    form.appendChild(input);
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
