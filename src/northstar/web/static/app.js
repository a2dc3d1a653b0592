// Draw every chart on the page (times are rendered by the server, in the company's timezone).
(function () {
  function draw(root) {
    root.querySelectorAll("[data-figure]").forEach(function (el) {
      if (el.dataset.drawn || typeof Plotly === "undefined") return;
      var fig = JSON.parse(el.dataset.figure);
      Plotly.newPlot(el, fig.data, fig.layout, {displayModeBar: false, responsive: true});
      el.dataset.drawn = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // the whole page: an outerHTML swap (a table tile's next page) replaces e.target itself
  document.addEventListener("htmx:afterSwap", function () { draw(document); });
})();
