// Draws every chart on the page from its Vega-Lite spec (inline JSON), as SVG.
(function () {
  "use strict";
  var nodes = document.querySelectorAll("[data-chart]");
  nodes.forEach(function (node) {
    var source = document.getElementById(node.getAttribute("data-chart"));
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    vegaEmbed(node, spec, { actions: false, renderer: "svg" })
      .then(function () { node.setAttribute("data-drawn", "true"); })
      .catch(function (err) {
        node.setAttribute("data-drawn", "error");
        node.textContent = "The chart could not be drawn: " + err.message;
      });
  });
})();
