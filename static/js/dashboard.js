// 支部通 考核看板: four ECharts charts from the page's json_script data (no inline scripts).
// Clicking a child organisation's bar opens its dashboard (or the branch's page); charts follow the window's size.
(function () {
  "use strict";
  const source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const RED = "#b71c1c";
  const GREY = "#9e9e9e";
  const charts = [];
  const narrow = () => window.innerWidth < 576;

  function pct(value) {
    return value === null || value === undefined ? "无数据" : value.toFixed(1) + "%";
  }

  function make(id, option) {
    const el = document.getElementById(id);
    if (!el) return null;
    const chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    charts.push(chart);
    return chart;
  }

  function rateColour(value) {
    if (value === null || value === undefined) return GREY;
    if (value >= 90) return "#2e7d32";
    if (value >= 80) return "#f9a825";
    return RED;
  }

  // Compliance by child organisation: horizontal bars, one row per child, tall enough for every name.
  const children = data.children || [];
  const childBox = document.getElementById("chart-children");
  if (childBox && children.length) {
    childBox.style.height = Math.max(220, children.length * 28 + 60) + "px";
    const chart = make("chart-children", {
      grid: { left: 8, right: 48, top: 8, bottom: 24, containLabel: true },
      tooltip: {
        trigger: "item",
        formatter: (p) => {
          const c = children[p.dataIndex];
          return `${c.name}<br>达标率 ${pct(c.rate)}（达标${c.met} / 未达标${c.short}）`;
        },
      },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: {
        type: "category",
        inverse: true,
        data: children.map((c) => c.name),
        axisLabel: { width: narrow() ? 90 : 160, overflow: "truncate" },
      },
      series: [
        {
          type: "bar",
          cursor: "pointer",
          barMaxWidth: 28,
          data: children.map((c) => ({ value: c.rate, itemStyle: { color: rateColour(c.rate) } })),
          label: { show: true, position: "right", formatter: (p) => pct(children[p.dataIndex].rate) },
        },
      ],
    });
    chart.on("click", (params) => {
      const child = children[params.dataIndex];
      if (child && child.url) window.location.href = child.url;
    });
  }

  const months = data.months || [];
  make("chart-months", {
    grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", formatter: (ps) => `${ps[0].axisValue}：${pct(ps[0].value)}` },
    xAxis: { type: "category", data: months.map((m) => m.month + "月"), axisLabel: { interval: narrow() ? 1 : 0 } },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      {
        type: "line",
        connectNulls: false,
        data: months.map((m) => m.rate),
        itemStyle: { color: RED },
        areaStyle: { opacity: 0.08 },
      },
    ],
  });

  const stars = data.stars || [];
  make("chart-stars", {
    grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: stars.map((s) => s.stars + "星") },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      {
        type: "bar",
        barMaxWidth: 48,
        data: stars.map((s) => ({ value: s.count, itemStyle: { color: s.stars <= 2 ? GREY : RED } })),
        label: { show: true, position: "top" },
      },
    ],
  });

  const sectors = data.sectors || [];
  make("chart-sectors", {
    tooltip: { trigger: "item", formatter: "{b}：{c}个（{d}%）" },
    legend: narrow()
      ? { type: "scroll", bottom: 0 }
      : { type: "scroll", orient: "vertical", right: 0, top: "middle" },
    series: [
      {
        type: "pie",
        radius: ["35%", "65%"],
        center: narrow() ? ["50%", "42%"] : ["38%", "50%"],
        label: { show: !narrow(), formatter: "{b} {c}" },
        data: sectors.map((s) => ({ name: s.sector, value: s.count })),
      },
    ],
  });

  let pending = null;
  window.addEventListener("resize", () => {
    if (pending) window.cancelAnimationFrame(pending);
    pending = window.requestAnimationFrame(() => charts.forEach((c) => c.resize()));
  });
})();
