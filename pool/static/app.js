/* Behaviours the pages declare in markup, since the Content-Security-Policy allows no inline handler:
   [data-autosubmit] on a select submits its form when changed (the form's button does it without
   JavaScript); [data-print] on a button prints the page. */
(function () {
  "use strict";
  document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { if (el.form) { el.form.submit(); } });
  });
  document.querySelectorAll("[data-print]").forEach(function (el) {
    el.addEventListener("click", function () { window.print(); });
  });
})();
