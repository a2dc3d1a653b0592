// Draw every chart on the page and show UTC timestamps in the browser's own timezone.
(function () {
  function draw(root) {
    root.querySelectorAll("[data-figure]").forEach(function (el) {
      if (el.dataset.drawn || typeof Plotly === "undefined") return;
      var fig = JSON.parse(el.dataset.figure);
      Plotly.newPlot(el, fig.data, fig.layout, {displayModeBar: false, responsive: true});
      el.dataset.drawn = "1";
    });
    root.querySelectorAll("time[data-utc]").forEach(function (el) {
      var d = new Date(el.dataset.utc + "Z");
      if (!isNaN(d)) el.textContent = d.toLocaleString();
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // the whole page: an outerHTML swap (a table tile's next page) replaces e.target itself
  document.addEventListener("htmx:afterSwap", function () { draw(document); });
})();
