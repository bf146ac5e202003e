/* 领导看板: draws each [data-chart] element from the JSON the page embeds (#dashboard-charts), with the
   Apache ECharts the app serves itself (static/vendor/echarts-5.6.0). Each chart's numbers are also in the
   table beside it, so nothing here is the only place a number can be read. SVG renderer: sharp in print.
   Tooltips render as rich text inside the chart (renderMode "richText"): ECharts' HTML tooltip writes
   style="" attributes through innerHTML, which the Content-Security-Policy (style-src 'self', no
   'unsafe-inline') refuses; drawing and the chart's own sizing use the CSSOM, which the policy allows. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-charts");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var palette = ["#0d6efd", "#adb5bd", "#198754", "#fd7e14", "#6f42c1"];

  function axisLabels(labels, rotate) {
    return { type: "category", data: labels, axisLabel: { interval: 0, rotate: rotate || 0, fontSize: 11 } };
  }

  function option(spec) {
    var base = { color: palette, animation: false, tooltip: { trigger: spec.type === "funnel" ? "item" : "axis", renderMode: "richText" },
                 legend: { top: 0, show: spec.series.length > 1 },
                 grid: { left: 8, right: 16, top: spec.series.length > 1 ? 28 : 12, bottom: 8, containLabel: true } };
    if (spec.type === "funnel") {
      base.series = [{ type: "funnel", sort: "none", gap: 2, minSize: "8%", left: "10%", width: "80%",
                       label: { show: true, position: "inside", formatter: "{b}\n{c}" },
                       data: spec.labels.map(function (name, i) { return { name: name, value: spec.series[0].data[i] }; }) }];
      return base;
    }
    var horizontal = spec.type === "hbar";
    var category = axisLabels(spec.labels, horizontal ? 0 : (spec.labels.length > 8 ? 35 : 0));
    if (horizontal) { category.inverse = true; category.axisLabel.width = 220; category.axisLabel.overflow = "truncate"; }
    var value = { type: "value" };
    base.xAxis = horizontal ? value : category;
    base.yAxis = horizontal ? category : [value, { type: "value", show: spec.series.some(function (s) { return s.axis; }) }];
    base.series = spec.series.map(function (s) {
      var out = { name: s.name, type: spec.type === "line" ? "line" : "bar", data: s.data,
                  stack: spec.stack ? "total" : undefined, connectNulls: true };
      if (s.axis) { out.yAxisIndex = 1; }
      if (spec.mark) { out.markLine = { symbol: "none", data: [{ xAxis: spec.mark }], label: { formatter: "目标" } }; }
      return out;
    });
    return base;
  }

  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var spec = data[el.getAttribute("data-chart")];
    if (!spec) { return; }
    if (spec.type === "hbar") { el.style.height = Math.max(220, 26 * spec.labels.length + 40) + "px"; }
    var chart = echarts.init(el, null, { renderer: "svg", locale: "ZH" });
    var opts = option(spec);
    if (!spec.labels.length) {  /* drawn all the same (axes), saying so: the table beside says it too */
      opts.title = { text: "暂无数据", left: "center", top: "middle", textStyle: { color: "#6c757d", fontSize: 14 } };
      el.setAttribute("data-empty", "1");
    }
    chart.setOption(opts);
    el.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { chart.resize(); });
    window.addEventListener("beforeprint", function () { chart.resize(); });
  });
})();

/* Sortable tables: a click on a th.sortable orders the rows by that column (numbers as numbers). */
(function () {
  "use strict";
  function key(cell) {
    var text = (cell.getAttribute("data-sort") || cell.textContent).replace(/[,%‰\s]/g, "");
    var n = parseFloat(text);
    return isNaN(n) ? text : n;
  }
  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    table.querySelectorAll("th.sortable").forEach(function (th) {
      th.addEventListener("click", function () {
        var index = Array.prototype.indexOf.call(th.parentNode.children, th);
        var body = table.tBodies[0];
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.slice.call(body.rows).sort(function (a, b) {
          var x = key(a.cells[index]), y = key(b.cells[index]);
          if (x === y) { return 0; }
          if (typeof x !== typeof y) { return typeof x === "number" ? -1 : 1; }
          return (x < y ? -1 : 1) * (asc ? 1 : -1);
        }).forEach(function (row) { body.appendChild(row); });
        table.querySelectorAll("th.sortable").forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      });
    });
  });
})();
