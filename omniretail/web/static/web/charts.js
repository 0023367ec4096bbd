// Renders every [data-chart] element with the JSON data island it names, using the locally
// served ECharts. When ECharts did not load, the table next to the chart already says it all.
(function () {
  "use strict";
  function render(el) {
    var island = document.getElementById(el.getAttribute("data-chart"));
    if (!island || typeof window.echarts === "undefined") { el.hidden = true; return; }
    var data = JSON.parse(island.textContent);
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      color: ["#b4232a"],
      grid: { left: 40, right: 16, top: 24, bottom: 32, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: data.title, type: "bar", data: data.values, barMaxWidth: 48,
                 label: { show: true, position: "top" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function init() { document.querySelectorAll("[data-chart]").forEach(render); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
