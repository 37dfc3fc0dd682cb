// Dashboard charts with ECharts. The data and every label come from the
// server (#chart-data); this file only draws.
(function () {
  "use strict";
  function money(v, en) {
    if (en) return "¥" + Math.round(v).toLocaleString("en-US");
    if (Math.abs(v) >= 1e8) return "¥" + (v / 1e8).toFixed(2).replace(/\.?0+$/, "") + "亿";
    if (Math.abs(v) >= 1e4) return "¥" + (v / 1e4).toFixed(1).replace(/\.0$/, "") + "万";
    return "¥" + Math.round(v);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("chart-data");
    if (!el || !window.echarts) return;
    var d = JSON.parse(el.textContent), en = d.english;
    var palette = ["#2563eb", "#3b82f6", "#60a5fa", "#34d399", "#0f9d58", "#059669"];
    var funnel = echarts.init(document.getElementById("funnel-chart"), null, { renderer: "svg" });
    funnel.setOption({
      color: palette,
      tooltip: { trigger: "item", formatter: function (p) {
        var x = p.data;
        return "<b>" + x.name + "</b><br>" + d.labels.count + ": " + x.count + "<br>" + d.labels.amount + ": " + x.text +
          "<br>" + d.labels.weighted + ": " + money(x.weighted, en);
      } },
      series: [{ type: "funnel", sort: "none", left: "8%", width: "84%", top: 10, bottom: 10, gap: 3, minSize: "28%",
        label: { position: "inside", color: "#fff", fontWeight: 600, formatter: function (p) { return p.data.name + "  " + p.data.count + " · " + p.data.text; } },
        itemStyle: { borderColor: "#fff", borderWidth: 1 },
        data: d.funnel }]
    });
    var bars = echarts.init(document.getElementById("forecast-chart"), null, { renderer: "svg" });
    var colors = ["#94a3b8", "#0f9d58", "#2563eb", "#f59e0b"];
    bars.setOption({
      grid: { left: 8, right: 96, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return money(v, en); } },
      xAxis: { type: "value", axisLabel: { formatter: function (v) { return money(v, en); } }, splitLine: { lineStyle: { color: "#eef1f5" } } },
      yAxis: { type: "category", inverse: true, data: d.bars.map(function (b) { return b.name; }), axisTick: { show: false }, axisLine: { show: false } },
      series: [{ type: "bar", barWidth: "50%", data: d.bars.map(function (b, i) {
        return { value: b.value, text: b.text, itemStyle: { color: colors[i], borderRadius: [0, 6, 6, 0] } };
      }), label: { show: true, position: "right", formatter: function (p) { return p.data.text; } } }]
    });
    window.addEventListener("resize", function () { funnel.resize(); bars.resize(); });
  });
})();
