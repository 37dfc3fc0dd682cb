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
    var charts = [funnel, bars];
    var axisMoney = { formatter: function (v) { return money(v, en); } };
    var pe = document.getElementById("progress-chart"), pg = d.progress;
    if (pe && pg && pg.weeks.length) {
      var progress = echarts.init(pe, null, { renderer: "svg" });
      progress.setOption({
        color: ["#2563eb", "#0f9d58", "#f59e0b", "#94a3b8"],
        legend: { top: 0, data: [d.labels.forecast, d.labels.sales, d.labels.progress, d.labels.target] },
        grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis", formatter: function (ps) {
          var out = "<b>" + ps[0].axisValue + "</b>";
          ps.forEach(function (p) {
            if (p.value == null) return;
            out += "<br>" + p.marker + p.seriesName + ": " + (p.seriesIndex < 2 ? money(p.value, en) : p.value + "%");
          });
          return out;
        } },
        xAxis: { type: "category", data: pg.weeks, axisTick: { show: false } },
        yAxis: [{ type: "value", axisLabel: axisMoney, splitLine: { lineStyle: { color: "#eef1f5" } } },
          { type: "value", axisLabel: { formatter: "{value}%" }, splitLine: { show: false } }],
        series: [
          { name: d.labels.forecast, type: "bar", data: pg.forecast, barGap: "10%", itemStyle: { borderRadius: [4, 4, 0, 0] } },
          { name: d.labels.sales, type: "bar", data: pg.sales, itemStyle: { borderRadius: [4, 4, 0, 0] } },
          { name: d.labels.progress, type: "line", yAxisIndex: 1, data: pg.progress, connectNulls: false, symbolSize: 7, lineStyle: { width: 2 } },
          { name: d.labels.target, type: "line", yAxisIndex: 1, data: pg.weeks.map(function () { return pg.target; }), symbol: "none", lineStyle: { type: "dashed", width: 1.5 } }
        ]
      });
      charts.push(progress);
    }
    var ce = document.getElementById("conversion-chart");
    if (ce && d.conversion && d.conversion.length) {
      var conv = echarts.init(ce, null, { renderer: "svg" });
      conv.setOption({
        grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
        tooltip: { trigger: "item", formatter: function (p) {
          var x = p.data;
          return "<b>" + x.name + "</b><br>" + d.labels.conversion + ": " + x.value + "%<br>" + d.labels.entered + ": " + x.count +
            "<br>" + d.labels.advanced + ": " + x.weighted + "<br>" + d.labels.dwell + ": " + x.text;
        } },
        xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { lineStyle: { color: "#eef1f5" } } },
        yAxis: { type: "category", inverse: true, data: d.conversion.map(function (c) { return c.name; }), axisTick: { show: false }, axisLine: { show: false } },
        series: [{ type: "bar", barWidth: "50%", data: d.conversion.map(function (c) {
          return { name: c.name, value: c.value, count: c.count, weighted: c.weighted, text: c.text,
            itemStyle: { color: c.value >= 50 ? "#0f9d58" : c.value >= 25 ? "#2563eb" : "#f59e0b", borderRadius: [0, 6, 6, 0] } };
        }), label: { show: true, position: "right", formatter: function (p) { return p.value + "%"; } } }]
      });
      charts.push(conv);
    }
    var te = document.getElementById("team-chart"), tm = d.team;
    if (te && tm && tm.owners.length) {
      var team = echarts.init(te, null, { renderer: "svg" });
      team.setOption({
        color: palette,
        legend: { top: 0, type: "scroll" },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return money(v, en); } },
        xAxis: { type: "value", axisLabel: axisMoney, splitLine: { lineStyle: { color: "#eef1f5" } } },
        yAxis: { type: "category", inverse: true, data: tm.owners, axisTick: { show: false } },
        series: tm.series.map(function (s) { return { name: s.name, type: "bar", stack: "w", data: s.data, barWidth: "55%" }; })
      });
      charts.push(team);
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
})();
