// Draws the charts of crm/core/charts.py with ECharts: <div data-chart="id"> reads the JSON block #id.
// Loaded only by pages that have charts (after vendor/echarts/echarts.min.js).
(function () {
  var FONT = getComputedStyle(document.body).fontFamily;

  function options(spec) {
    var horizontal = spec.kind === "hbar" || spec.kind === "stacked-hbar";
    var stacked = spec.kind === "stacked-bar" || spec.kind === "stacked-hbar";
    var base = { textStyle: { fontFamily: FONT }, tooltip: {}, animation: false };
    if (spec.kind === "donut") {
      var series = spec.series[0] || { data: [] };
      return Object.assign(base, {
        tooltip: { trigger: "item" },
        // No legend: a donut's figures are listed beside it, each with its colour (the legend would repeat them).
        series: [{ type: "pie", radius: ["50%", "80%"], label: { show: false },
          data: spec.categories.map(function (name, i) {
            var item = { name: name, value: series.data[i] || 0 };
            if (series.colors && series.colors[i]) item.itemStyle = { color: series.colors[i] };
            return item;
          }).filter(function (item) { return item.value > 0; }) }]
      });
    }
    var category = { type: "category", data: spec.categories, axisLabel: { interval: 0, hideOverlap: true } };
    var value = { type: "value", minInterval: 1 };
    return Object.assign(base, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: spec.series.length > 1 ? { bottom: 0, type: "scroll" } : undefined,
      grid: { left: 8, right: 16, top: 16, bottom: spec.series.length > 1 ? 36 : 8, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign(category, { inverse: true }) : value,
      series: spec.series.map(function (s) {
        var item = { type: "bar", name: s.name, data: s.data, barMaxWidth: 28 };
        if (stacked) item.stack = "all";
        if (s.color) item.itemStyle = { color: s.color };
        return item;
      })
    });
  }

  function draw(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.chartDrawn) return;
      var source = document.getElementById(el.dataset.chart);
      if (!source) return;
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(options(JSON.parse(source.textContent)));
      el.dataset.chartDrawn = "1";
      new ResizeObserver(function () { chart.resize(); }).observe(el);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
})();
