// Draws an assessment's area on the ward map of the form (#area-map) and writes it as GeoJSON
// (a WGS84 MultiPolygon, lon/lat to 6 decimals, rings closed) into the area_geojson textarea,
// which the server validates and resolves to LSOAs. Without JavaScript the map stays hidden and
// the textarea and upload work as before. The map's projection (data-west, data-north, data-kx,
// data-ky on the <svg>) is the server's: x = (lon - west) * kx, y = (north - lat) * ky.
(function () {
  "use strict";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var root = document.getElementById("area-map");
  if (!root) { return; }
  var svg = root.querySelector("svg");
  var canvas = root.querySelector(".he-area-map__canvas");
  var textarea = document.getElementById(root.getAttribute("data-target"));
  if (!svg || !canvas || !textarea) { return; }
  var west = Number(svg.getAttribute("data-west"));
  var north = Number(svg.getAttribute("data-north"));
  var kx = Number(svg.getAttribute("data-kx"));
  var ky = Number(svg.getAttribute("data-ky"));
  var view = svg.viewBox.baseVal;
  var drawn = svg.querySelector(".he-area-map__drawn");
  var cursor = svg.querySelector(".he-area-map__cursor");
  var overlay = svg.querySelector(".he-area-map__overlay");
  var status = document.getElementById("area-map-status");
  var buttons = {
    finish: document.getElementById("area-map-finish"),
    undo: document.getElementById("area-map-undo"),
    clear: document.getElementById("area-map-clear"),
    wards: document.getElementById("area-map-wards"),
    lsoas: document.getElementById("area-map-lsoas")
  };
  var CLOSE_DISTANCE = view.width * 0.015;  // a click this near the first corner closes the shape

  var shapes = [];   // finished polygons: each a list of open rings of [lon, lat]
  var corners = [];  // the shape being drawn: [lon, lat] corners
  var point = { x: view.width / 2, y: view.height / 2 };  // the keyboard cross, in SVG units
  var wardMode = false;

  function round6(v) { return Math.round(v * 1e6) / 1e6; }
  function toLonLat(x, y) { return [round6(west + x / kx), round6(north - y / ky)]; }
  function toXY(p) { return [(p[0] - west) * kx, (north - p[1]) * ky]; }
  function say(message) { if (status) { status.textContent = message; } }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function element(name, attrs) {
    var el = document.createElementNS(SVG_NS, name);
    Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    return el;
  }

  function ringPath(ring) {
    return "M" + ring.map(function (p) {
      var xy = toXY(p);
      return xy[0].toFixed(1) + "," + xy[1].toFixed(1);
    }).join(" ") + "Z";
  }

  // --- GeoJSON in and out ------------------------------------------------------------------

  function openRing(coords) {
    var ring = coords.map(function (p) { return [Number(p[0]), Number(p[1])]; });
    var first = ring[0], last = ring[ring.length - 1];
    if (ring.length > 1 && first[0] === last[0] && first[1] === last[1]) { ring.pop(); }
    ring.forEach(function (p) { if (!isFinite(p[0]) || !isFinite(p[1])) { throw new Error("not a number"); } });
    return ring;
  }

  function polygonsOf(g) {
    if (!g || typeof g !== "object") { throw new Error("not a GeoJSON object"); }
    if (g.type === "FeatureCollection") {
      return (g.features || []).reduce(function (all, f) { return all.concat(polygonsOf(f)); }, []);
    }
    if (g.type === "Feature") { return polygonsOf(g.geometry); }
    if (g.type === "Polygon") { return [g.coordinates.map(openRing)]; }
    if (g.type === "MultiPolygon") {
      return g.coordinates.map(function (poly) { return poly.map(openRing); });
    }
    throw new Error("GeoJSON of type " + g.type + " has no area");
  }

  function read() {
    var text = textarea.value.trim();
    if (!text) { shapes = []; return true; }
    try {
      shapes = polygonsOf(JSON.parse(text));
      return true;
    } catch (err) {
      shapes = [];
      say("The GeoJSON box holds something the map cannot show (" + err.message +
          "); drawing on the map will replace it.");
      return false;
    }
  }

  function write() {
    if (!shapes.length) { textarea.value = ""; return; }
    var coordinates = shapes.map(function (poly) {
      return poly.map(function (ring) { return ring.concat([ring[0]]); });
    });
    textarea.value = JSON.stringify({ type: "MultiPolygon", coordinates: coordinates });
  }

  // --- drawing -------------------------------------------------------------------------------

  function render() {
    while (drawn.firstChild) { drawn.removeChild(drawn.firstChild); }
    shapes.forEach(function (poly) {
      drawn.appendChild(element("path", { d: poly.map(ringPath).join(""), "class": "he-area-map__shape" }));
    });
    if (corners.length) {
      var xy = corners.map(toXY);
      drawn.appendChild(element("polyline", {
        points: xy.map(function (p) { return p[0].toFixed(1) + "," + p[1].toFixed(1); }).join(" "),
        "class": "he-area-map__line"
      }));
      xy.forEach(function (p, i) {
        drawn.appendChild(element("circle", {
          cx: p[0].toFixed(1), cy: p[1].toFixed(1), r: i === 0 ? 7 : 4, "class": "he-area-map__corner"
        }));
      });
    }
    buttons.finish.disabled = corners.length < 3;
    buttons.undo.disabled = !corners.length && !shapes.length;
    buttons.clear.disabled = !corners.length && !shapes.length;
    cursor.setAttribute("transform", "translate(" + point.x.toFixed(1) + "," + point.y.toFixed(1) + ")");
  }

  function addCorner(x, y) {
    if (corners.length >= 3) {
      var first = toXY(corners[0]);
      if (Math.hypot(first[0] - x, first[1] - y) <= CLOSE_DISTANCE) { finish(); return; }
    }
    corners.push(toLonLat(x, y));
    render();
    say("Corner " + corners.length + " added" +
        (corners.length >= 3 ? "; finish the shape when it is complete." : "."));
  }

  function finish() {
    if (corners.length < 3) {
      say("A shape needs at least 3 corners: add " + (3 - corners.length) + " more.");
      return;
    }
    shapes.push([corners]);
    corners = [];
    write();
    render();
    say("Shape finished. The GeoJSON box below now holds " + plural(shapes.length, "shape") + ".");
  }

  function undo() {
    if (corners.length) {
      corners.pop();
      say(corners.length ? "Last corner removed: " + plural(corners.length, "corner") + " left."
                         : "Last corner removed.");
    } else if (shapes.length) {
      var last = shapes.pop();
      if (last.length === 1) {
        corners = last[0];  // reopen the shape: undoing its finish
        say("Shape reopened with " + plural(corners.length, "corner") + ".");
      } else {
        say("Last shape removed.");
      }
      write();
    }
    render();
  }

  function clear() {
    shapes = [];
    corners = [];
    write();
    render();
    say("Drawing cleared; the GeoJSON box is empty.");
  }

  // --- wards ---------------------------------------------------------------------------------

  var wardPaths = Array.prototype.slice.call(svg.querySelectorAll("path[data-code]"));

  function checkbox(code) { return document.getElementById("ward-" + code); }

  function showWards() {
    wardPaths.forEach(function (path) {
      var input = checkbox(path.getAttribute("data-code"));
      path.classList.toggle("is-chosen", Boolean(input && input.checked));
    });
  }

  function toggleWard(path) {
    var input = path && checkbox(path.getAttribute("data-code"));
    if (!input) { say("There is no ward there."); return; }
    input.checked = !input.checked;
    showWards();
    say(path.getAttribute("data-name") + (input.checked ? " added to" : " removed from") +
        " the wards affected.");
  }

  function wardAt(x, y) {
    var p = svg.createSVGPoint();
    p.x = x; p.y = y;
    return wardPaths.filter(function (path) { return path.isPointInFill(p); })[0];
  }

  // --- events --------------------------------------------------------------------------------

  function svgPoint(evt) {
    var p = svg.createSVGPoint();
    p.x = evt.clientX; p.y = evt.clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }

  svg.addEventListener("click", function (evt) {
    var p = svgPoint(evt);
    point = { x: p.x, y: p.y };
    if (wardMode) {
      toggleWard(evt.target.closest ? evt.target.closest("path[data-code]") : null);
      render();
    } else {
      addCorner(p.x, p.y);
    }
  });

  canvas.addEventListener("keydown", function (evt) {
    var step = view.width * (evt.shiftKey ? 0.05 : 0.01);
    var moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[evt.key]) {
      point.x = Math.min(view.width, Math.max(0, point.x + moves[evt.key][0]));
      point.y = Math.min(view.height, Math.max(0, point.y + moves[evt.key][1]));
      render();
      evt.preventDefault();
    } else if (evt.key === "Enter" || evt.key === " ") {
      if (wardMode) { toggleWard(wardAt(point.x, point.y)); } else { addCorner(point.x, point.y); }
      evt.preventDefault();
    }
  });
  canvas.addEventListener("focus", function () { cursor.removeAttribute("display"); });
  canvas.addEventListener("blur", function () { cursor.setAttribute("display", "none"); });

  buttons.finish.addEventListener("click", finish);
  buttons.undo.addEventListener("click", undo);
  buttons.clear.addEventListener("click", clear);
  buttons.wards.addEventListener("click", function () {
    wardMode = !wardMode;
    buttons.wards.setAttribute("aria-pressed", String(wardMode));
    root.classList.toggle("is-ward-mode", wardMode);
    say(wardMode ? "Clicking the map now adds or removes a ward." : "Clicking the map now adds a corner.");
  });
  buttons.lsoas.addEventListener("click", function () {
    var on = buttons.lsoas.getAttribute("aria-pressed") !== "true";
    if (on && !overlay.getAttribute("href")) { overlay.setAttribute("href", overlay.getAttribute("data-href")); }
    if (on) { overlay.removeAttribute("display"); } else { overlay.setAttribute("display", "none"); }
    buttons.lsoas.setAttribute("aria-pressed", String(on));
  });
  wardPaths.forEach(function (path) {
    var input = checkbox(path.getAttribute("data-code"));
    if (input) { input.addEventListener("change", showWards); }
  });
  textarea.addEventListener("input", function () {
    if (read()) { say("The map shows " + plural(shapes.length, "shape") + " from the GeoJSON box."); }
    render();
  });

  read();
  showWards();
  render();
  root.hidden = false;
  root.setAttribute("data-ready", "true");
})();
