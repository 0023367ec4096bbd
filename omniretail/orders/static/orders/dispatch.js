// Dispatch board: the store, each courier's route (lines through its stops) and the orders
// not planned yet, drawn on longitude/latitude axes with the locally served ECharts.
(function () {
  "use strict";
  function render(el) {
    var island = document.getElementById(el.getAttribute("data-dispatch-chart"));
    if (!island || typeof window.echarts === "undefined") { el.hidden = true; return; }
    var data = JSON.parse(island.textContent);
    var series = [{ name: data.labels.store, type: "scatter", symbol: "rect", symbolSize: 16,
                    data: [data.store], label: { show: true, formatter: function (p) { return p.value[2]; }, position: "top" } }];
    data.routes.forEach(function (r) {
      series.push({ name: r.name, type: "line", data: r.path, showSymbol: false, lineStyle: { width: 2 } });
      series.push({ name: r.name, type: "scatter", symbolSize: 9, data: r.stops,
                    label: { show: true, formatter: function (p) { return String(p.dataIndex + 1); }, position: "right" } });
    });
    if (data.waiting.length) {
      series.push({ name: data.labels.waiting, type: "scatter", symbol: "triangle", symbolSize: 10, data: data.waiting });
    }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      legend: { type: "scroll" },
      tooltip: { trigger: "item", formatter: function (p) { return p.seriesName + (p.value && p.value[2] ? " · " + p.value[2] : ""); } },
      xAxis: { type: "value", scale: true, name: "lng" },
      yAxis: { type: "value", scale: true, name: "lat" },
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function init() { document.querySelectorAll("[data-dispatch-chart]").forEach(render); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
