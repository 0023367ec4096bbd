// Renders every [data-echart] element from the JSON island it names, with the locally served
// ECharts: line (trend with comparisons), bar (rankings; click drills down), pie (mixes),
// heatmap (hour × weekday) and graph (basket rule network). The table beside each chart
// holds the same numbers when ECharts is missing.
(function () {
  "use strict";
  var COLORS = ["#b4232a", "#8c8c8c", "#d9a441", "#2f6f9f", "#4f9a64", "#7a4fa0", "#c76f2f"];
  function lineOption(d) {
    return {
      tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 40, right: 16, top: 32, bottom: 32, containLabel: true },
      xAxis: { type: "category", data: d.rows.map(function (r) { return r[0]; }) },
      yAxis: { type: "value" },
      series: d.columns.slice(1).map(function (name, i) {
        return { name: name, type: "line", showSymbol: false,
                 lineStyle: i ? { type: "dashed" } : {},
                 data: d.rows.map(function (r) { return r[i + 1]; }) };
      })
    };
  }
  function barOption(d) {
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 16, top: 16, bottom: 16, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: d.rows.map(function (r) { return r[0]; }) },
      series: [{ name: d.columns[1], type: "bar", barMaxWidth: 24,
                 data: d.rows.map(function (r) { return r[1]; }) }]
    };
  }
  function pieOption(d) {
    return {
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      series: [{ type: "pie", radius: ["35%", "70%"],
                 data: d.rows.map(function (r) { return { name: r[0], value: r[1] }; }) }]
    };
  }
  function heatmapOption(d) {
    var max = 1;
    var data = d.rows.map(function (r) {
      max = Math.max(max, r[2]);
      return [d.x.indexOf(r[1]), d.y.indexOf(r[0]), r[2]];
    });
    return {
      tooltip: { position: "top" },
      grid: { left: 40, right: 16, top: 16, bottom: 64, containLabel: true },
      xAxis: { type: "category", data: d.x, splitArea: { show: true } },
      yAxis: { type: "category", data: d.y, splitArea: { show: true } },
      visualMap: { min: 0, max: max, calculable: true, orient: "horizontal", left: "center", bottom: 0,
                   inRange: { color: ["#fbeaea", "#b4232a"] } },
      series: [{ type: "heatmap", data: data }]
    };
  }
  function graphOption(d) {
    return {
      tooltip: {},
      series: [{ type: "graph", layout: "force", roam: true, label: { show: true },
                 force: { repulsion: 160, edgeLength: 90 }, edgeSymbol: ["none", "arrow"],
                 data: d.nodes.map(function (n) { return { id: n.id, name: n.name, symbolSize: 12 + 4 * n.value }; }),
                 links: d.links.map(function (l) {
                   return { source: l.source, target: l.target, value: l.value,
                            lineStyle: { width: Math.min(8, 1 + l.value) } };
                 }) }]
    };
  }
  function render(el) {
    var island = document.getElementById(el.getAttribute("data-echart"));
    if (!island || typeof window.echarts === "undefined") { el.hidden = true; return; }
    var d = JSON.parse(island.textContent);
    var build = { line: lineOption, bar: barOption, pie: pieOption, heatmap: heatmapOption }[d.type] || graphOption;
    var option = build(d);
    option.animation = false;
    option.color = COLORS;
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    if (d.links && d.type === "bar") {
      chart.on("click", function (p) { var url = d.links[p.dataIndex]; if (url) { window.location = url; } });
    }
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function init() { document.querySelectorAll("[data-echart]").forEach(render); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
