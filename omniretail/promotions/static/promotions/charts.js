// Campaign charts: every [data-promo-chart] element names a JSON island
// {type: "bar"|"line", labels: [...], series: [{name, values}]} rendered with the locally
// served ECharts. Without ECharts the tables next to the charts carry the same figures.
(function () {
  "use strict";
  var COLORS = ["#b4232a", "#6b7280", "#2563eb"];
  function render(el) {
    var island = document.getElementById(el.getAttribute("data-promo-chart"));
    if (!island || typeof window.echarts === "undefined") { el.hidden = true; return; }
    var data = JSON.parse(island.textContent);
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      color: COLORS,
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 32, bottom: 32, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value" },
      series: data.series.map(function (s) {
        return { name: s.name, type: data.type, data: s.values, barMaxWidth: 48,
                 label: { show: data.type === "bar", position: "top" } };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function init() { document.querySelectorAll("[data-promo-chart]").forEach(render); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
