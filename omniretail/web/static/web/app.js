// Small behaviours of the shell that need no framework.
(function () {
  "use strict";
  function init() {
    // The language picker submits itself; the button beside it is for keyboards without JS.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
      var button = select.form.querySelector("button[data-js-hide]");
      if (button) { button.hidden = true; }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
