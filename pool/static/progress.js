/* Progress of a background import or export: poll its status URL, fill the [data-field] elements, and
   reload the page once the job has finished (the page then shows the outcome and the downloads).
   Without JavaScript the page's "刷新" link does the same by hand. */
(function () {
  "use strict";
  var root = document.querySelector("[data-status-url]");
  if (!root || root.getAttribute("data-finished") === "true") { return; }
  var url = root.getAttribute("data-status-url");
  var bar = root.querySelector(".progress-bar");

  function show(state) {
    root.querySelectorAll("[data-field]").forEach(function (el) {
      var value = state[el.getAttribute("data-field")];
      if (value !== undefined && value !== null) {
        el.textContent = typeof value === "number" ? value.toLocaleString("zh-CN") : value;
      }
    });
    if (bar && state.percent !== null && state.percent !== undefined) {
      bar.classList.remove("progress-bar-striped", "progress-bar-animated");
      bar.style.width = state.percent + "%";
      bar.textContent = state.percent + "%";
      bar.parentElement.setAttribute("aria-valuenow", state.percent);
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (state) {
        show(state);
        if (state.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  window.setTimeout(poll, 500);
})();
