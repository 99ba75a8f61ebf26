// The KPI dashboard's charts: each .chart[data-src] is drawn from its JSON endpoint
// (/api/v1/kpi/…) with Apache ECharts (vendored). No inline scripts (CSP).
(function () {
  "use strict";
  var RAG = { green: "#2e9d5b", amber: "#e6a23c", red: "#d64545", none: "#9aa5b1" };
  var PALETTE = ["#1f5fa8", "#2e9d5b", "#e6a23c", "#d64545", "#6b5bd6", "#2aa5b5", "#a86b1f", "#7b8794", "#c2458a", "#4a8f2e", "#355070"];
  var charts = [];

  function query() {
    var root = document.getElementById("kpi");
    return root ? root.getAttribute("data-query") : "";
  }

  function url(el) {
    var src = el.getAttribute("data-src");
    var sep = src.indexOf("?") >= 0 ? "&" : "?";
    var indicator = el.getAttribute("data-indicator");
    var q = query();
    if (el.id === "chart-ranking") {
      q = q.replace(/(^|&)town=[^&]*/, "");
    }
    return src + sep + q + (indicator ? "&indicator=" + encodeURIComponent(indicator) : "");
  }

  function drill(code, period) {
    window.location.href = "/dashboard/records?indicator=" + code + "&period=" + (period || "ytd") + "&" + query();
  }

  function fmt(v) {
    return v === null || v === undefined ? "—" : Number(v).toLocaleString("zh-CN", { maximumFractionDigits: 2 });
  }

  var draw = {
    "chart-cumulative": function (d) {
      var series = [
        { name: d.year + "年累计", type: "line", data: d.actual, smooth: false, symbolSize: 7, lineStyle: { width: 3 } },
        { name: "上年同期累计", type: "line", data: d.previous_year, lineStyle: { type: "dotted" }, symbol: "none" }
      ];
      if (d.schedule) {
        series.push({ name: "序时进度", type: "line", data: d.schedule, lineStyle: { type: "dashed" }, symbol: "none" });
      }
      return {
        color: ["#1f5fa8", "#9aa5b1", "#d64545"],
        tooltip: { trigger: "axis", valueFormatter: fmt },
        legend: { bottom: 0 },
        grid: { left: 60, right: 16, top: 24, bottom: 56 },
        xAxis: { type: "category", data: d.months },
        yAxis: { type: "value", name: d.unit },
        series: series,
        _click: function () { drill(d.indicator, "ytd"); }
      };
    },
    "chart-ranking": function (d) {
      var towns = d.towns.slice().reverse();
      return {
        tooltip: {
          trigger: "axis",
          formatter: function (p) {
            var t = towns[p[0].dataIndex];
            return t.town + "<br>累计 " + fmt(t.year_to_date) + " " + t.unit +
              "<br>序时进度 " + (t.schedule_ratio === null ? "未设目标" : (t.schedule_ratio * 100).toFixed(1) + "%");
          }
        },
        grid: { left: 96, right: 40, top: 8, bottom: 24 },
        xAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
        yAxis: { type: "category", data: towns.map(function (t) { return t.rank + ". " + t.town; }) },
        series: [{
          type: "bar",
          data: towns.map(function (t) {
            return { value: t.schedule_ratio === null ? 0 : Math.round(t.schedule_ratio * 1000) / 10, itemStyle: { color: RAG[t.rag] } };
          }),
          label: { show: true, position: "right", formatter: "{c}%" },
          markLine: { symbol: "none", data: [{ xAxis: 100 }], lineStyle: { color: "#2e9d5b" }, label: { formatter: "序时" } }
        }]
      };
    },
    "chart-type": function (d) {
      return {
        color: PALETTE,
        tooltip: { trigger: "item", formatter: "{b}<br>{c} 项（{d}%）" },
        legend: { bottom: 0 },
        series: [{
          type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], stillShowZeroSum: false,
          data: d.rows.map(function (r) { return { name: r.label, value: r.count }; })
        }],
        _click: function () { drill("contracts", "ytd"); }
      };
    },
    "chart-field": function (d) {
      var rows = d.rows.slice().sort(function (a, b) { return a.amount - b.amount; });
      return {
        tooltip: { trigger: "axis", valueFormatter: fmt },
        grid: { left: 150, right: 40, top: 8, bottom: 24 },
        xAxis: { type: "value", name: "万元" },
        yAxis: { type: "category", data: rows.map(function (r) { return r.label; }) },
        series: [{ type: "bar", name: "成交额", data: rows.map(function (r) { return r.amount; }), itemStyle: { color: "#1f5fa8" } }],
        _click: function () { drill("amount", "ytd"); }
      };
    },
    "chart-funnel": function (d) {
      return {
        color: PALETTE,
        tooltip: { trigger: "item", formatter: "{b}：{c}" },
        series: [{
          type: "funnel", sort: "none", left: "5%", width: "60%", minSize: "8%", gap: 2,
          label: { show: true, position: "right", formatter: "{b}：{c}", color: "#1f2933" },
          data: d.steps.map(function (s) { return { name: s.label, value: s.count, code: s.code }; })
        }],
        _click: function (p) {
          var code = p.data && p.data.code;
          if (code && code !== "dockings") { drill(code, "ytd"); }
        }
      };
    },
    "chart-origin": function (d) {
      return {
        color: ["#1f5fa8", "#2e9d5b"],
        tooltip: { trigger: "axis", valueFormatter: fmt },
        legend: { bottom: 0 },
        grid: { left: 60, right: 48, top: 24, bottom: 56 },
        xAxis: { type: "category", data: d.rows.map(function (r) { return r.label; }) },
        yAxis: [{ type: "value", name: "万元" }, { type: "value", name: "项" }],
        series: [
          { name: "登记合同成交额", type: "bar", data: d.rows.map(function (r) { return r.amount; }) },
          { name: "合作协议", type: "bar", yAxisIndex: 1, data: d.rows.map(function (r) { return r.agreements; }) }
        ]
      };
    }
  };

  function render(el) {
    var make = draw[el.id];
    if (!make || !window.echarts) { return; }
    fetch(url(el), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        return r.json();
      })
      .then(function (data) {
        var option = make(data);
        var click = option._click;
        delete option._click;
        var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "canvas" });
        chart.setOption(option, true);
        chart.off("click");
        if (click) { chart.on("click", click); }
        el.setAttribute("data-rendered", "1");
        charts.push(chart);
      })
      .catch(function () {
        el.textContent = "图表数据读取失败，请刷新页面重试。";
        el.classList.add("chart-error");
      });
  }

  function start() {
    var els = document.querySelectorAll(".chart[data-src]");
    Array.prototype.forEach.call(els, render);
    Array.prototype.forEach.call(document.querySelectorAll("select.chart-indicator"), function (sel) {
      sel.addEventListener("change", function () {
        var el = document.getElementById("chart-" + sel.getAttribute("data-for"));
        el.setAttribute("data-indicator", sel.value);
        render(el);
      });
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
    window.addEventListener("beforeprint", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
