/* Draw the chart of a chart page (a prepared question with a `chart` setting) on arrival: a stacked bar chart
   on a <canvas>, from the page's own JSON. At most eight series (the queries fold the rest into "other"), eight
   colours that stay distinct for colour-blind readers (Okabe & Ito), labels measured so they fit. No eval and no
   inline script, so it works under a strict Content-Security-Policy; the table below the chart holds the same
   numbers for screen readers and for copying. */
(function () {
  "use strict";
  var COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
  var OTHER = "#9a9a9a";
  var FONT = "13px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

  function fit(ctx, text, width) {
    text = String(text);
    if (ctx.measureText(text).width <= width) { return text; }
    while (text.length > 1 && ctx.measureText(text + "…").width > width) { text = text.slice(0, -1); }
    return text + "…";
  }

  function niceStep(max) {
    var raw = max / 5, mag = Math.pow(10, Math.floor(Math.log10(raw || 1))), n = raw / mag;
    return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
  }

  function draw(box, rows, spec) {
    var xs = [], series = [], totals = {}, cell = {};
    rows.forEach(function (r) {
      var x = String(r[spec.x]), s = String(r[spec.series]), y = Number(r[spec.y]) || 0;
      if (xs.indexOf(x) === -1) { xs.push(x); }
      if (series.indexOf(s) === -1) { series.push(s); }
      totals[x] = (totals[x] || 0) + y;
      cell[x + "\u0000" + s] = (cell[x + "\u0000" + s] || 0) + y;
    });
    xs.sort();
    // Largest series first in the stack and the legend; "other" always last.
    var sums = {};
    series.forEach(function (s) { sums[s] = xs.reduce(function (a, x) { return a + (cell[x + "\u0000" + s] || 0); }, 0); });
    var isOther = function (s) { return /^(other|all other)/i.test(s); };
    series.sort(function (a, b) { return (isOther(a) - isOther(b)) || (sums[b] - sums[a]) || (a < b ? -1 : 1); });
    var colour = {};
    series.forEach(function (s, i) { colour[s] = isOther(s) ? OTHER : COLOURS[i % COLOURS.length]; });

    // On a narrow screen the legend goes below the chart, so its labels keep their full width.
    var width = Math.min(box.clientWidth || 900, 1200), narrow = width < 560;
    var legendW = narrow ? 0 : Math.min(230, width * 0.3);
    var chartH = 380, height = chartH + (narrow ? 34 + series.length * 22 : 0), dpr = window.devicePixelRatio || 1;
    var canvas = document.createElement("canvas");
    canvas.width = width * dpr; canvas.height = height * dpr;
    canvas.style.width = width + "px"; canvas.style.height = height + "px";
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", spec.title + ": " + series.length + " series over " + xs.length + " " + spec.x +
                        " values; the numbers are in the table below");
    box.appendChild(canvas);
    var ctx = canvas.getContext("2d");
    ctx.scale(dpr, dpr);
    ctx.font = FONT;
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, width, height);

    var max = Math.max.apply(null, xs.map(function (x) { return totals[x]; }).concat([1]));
    var step = niceStep(max), top = Math.ceil(max / step) * step;
    var left = 8 + ctx.measureText(String(top)).width + 8, right = narrow ? width - 8 : width - legendW - 16;
    var labelRoom = 70, plotTop = 14, plotBottom = chartH - labelRoom;
    var band = (right - left) / xs.length, barW = Math.max(1, band * 0.8);
    var scale = function (v) { return plotBottom - (v / top) * (plotBottom - plotTop); };

    // Grid and y axis.
    ctx.strokeStyle = "#e3e3e3"; ctx.fillStyle = "#333"; ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (var v = 0; v <= top + 1e-9; v += step) {
      ctx.beginPath(); ctx.moveTo(left, scale(v) + 0.5); ctx.lineTo(right, scale(v) + 0.5); ctx.stroke();
      ctx.fillText(String(Math.round(v * 100) / 100), left - 6, scale(v));
    }
    // Bars.
    xs.forEach(function (x, i) {
      var base = 0, x0 = left + i * band + (band - barW) / 2;
      series.forEach(function (s) {
        var y = cell[x + "\u0000" + s] || 0;
        if (!y) { return; }
        ctx.fillStyle = colour[s];
        ctx.fillRect(x0, scale(base + y), barW, scale(base) - scale(base + y));
        base += y;
      });
    });
    // X labels: as many as fit, turned when the bands are narrow.
    ctx.fillStyle = "#333";
    var widest = Math.max.apply(null, xs.map(function (x) { return ctx.measureText(x).width; }));
    var turned = widest + 6 > band, every = turned ? Math.max(1, Math.ceil(16 / band)) : 1;
    xs.forEach(function (x, i) {
      if (i % every) { return; }
      var cx = left + i * band + band / 2;
      ctx.save();
      if (turned) {
        ctx.translate(cx, plotBottom + 6); ctx.rotate(-Math.PI / 2);
        ctx.textAlign = "right"; ctx.textBaseline = "middle";
        ctx.fillText(fit(ctx, x, labelRoom - 10), 0, 0);
      } else {
        ctx.textAlign = "center"; ctx.textBaseline = "top";
        ctx.fillText(fit(ctx, x, band - 4), cx, plotBottom + 6);
      }
      ctx.restore();
    });
    // Legend.
    ctx.textAlign = "left"; ctx.textBaseline = "middle";
    var lx = narrow ? left : right + 20, ly = narrow ? chartH + 8 : plotTop + 4;
    var lw = narrow ? width - left - 48 : legendW - 28;
    ctx.fillStyle = "#222";
    ctx.font = "bold " + FONT; ctx.fillText(spec.series, lx, ly); ctx.font = FONT;
    series.forEach(function (s, i) {
      var y = ly + 22 + i * 22;
      ctx.fillStyle = colour[s]; ctx.fillRect(lx, y - 7, 14, 14);
      ctx.fillStyle = "#222"; ctx.fillText(fit(ctx, s, lw), lx + 20, y);
    });
  }

  function start() {
    var meta = document.querySelector("meta[name='chart']");
    var json = document.querySelector(".export-links a[href*='.json']");
    var table = document.querySelector("table.rows-and-columns");
    if (!meta || !json || !table) { return; }
    var spec = {};
    meta.content.split("&").forEach(function (kv) {
      var p = kv.split("="); spec[decodeURIComponent(p[0])] = decodeURIComponent(p[1] || "");
    });
    spec.title = document.title;
    var box = document.createElement("figure");
    box.className = "chart";
    table.parentNode.parentNode.insertBefore(box, table.parentNode);
    var url = json.getAttribute("href");
    url += (url.indexOf("?") === -1 ? "?" : "&") + "_shape=array&_size=max";
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (rows) {
      if (rows.length) { draw(box, rows, spec); box.setAttribute("data-drawn", "yes"); }
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
