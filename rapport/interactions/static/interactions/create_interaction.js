// Create Interaction: Cancel asks, as BC does, when anything was typed (finish later, discard,
// or go back). Without this file the Cancel button posts to the same question on its own page.
(function () {
  function formOf(target) {
    return target && target.closest ? target.closest("#interaction-form") : null;
  }
  function markDirty(event) {
    var form = formOf(event.target);
    if (form && event.target.name !== "cancel") {
      form.setAttribute("data-dirty", "1");
    }
  }
  document.addEventListener("input", markDirty);
  document.addEventListener("change", markDirty);
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[name='cancel']");
    var form = formOf(button);
    if (form) {
      var dialog = form.querySelector("dialog.cancel-dialog");
      if (dialog && form.getAttribute("data-dirty") === "1") {
        event.preventDefault();
        dialog.showModal();
      }
      return;
    }
    var close = event.target.closest("[data-close-dialog]");
    if (close) {
      event.preventDefault();
      close.closest("dialog").close();
    }
  });
})();
