// Draws the report's charts. Each chart is an element with data-figure="ID", where ID
// names a <script type="application/json"> block holding the plotly figure (data,
// layout, config). No chart data is ever evaluated as code: it is parsed as JSON.
// After plotly has drawn a chart the element gets data-drawn="1" (browser tests wait
// for `[data-figure][data-drawn] svg.main-svg`).
(function () {
  "use strict";

  function drawAll(root) {
    if (!window.Plotly) {
      return;
    }
    (root || document).querySelectorAll("[data-figure]:not([data-drawn])").forEach(function (el) {
      var block = document.getElementById(el.getAttribute("data-figure"));
      if (!block) {
        return;
      }
      var figure = JSON.parse(block.textContent);
      el.setAttribute("data-drawn", "0");
      window.Plotly.newPlot(el, figure.data, figure.layout, figure.config).then(function () {
        el.setAttribute("data-drawn", "1");
      });
    });
  }

  function resizeAll() {
    document.querySelectorAll("[data-figure][data-drawn='1']").forEach(function (el) {
      window.Plotly.Plots.resize(el);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
  // Charts drawn while the grid was still being laid out get their final size here.
  window.addEventListener("load", resizeAll);
  // Content swapped in by htmx may bring charts of its own.
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
