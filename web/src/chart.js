// A line chart in SVG for the Gateway panel. It is drawn at the pixel size it
// is shown at (not scaled from a fixed viewBox), so its labels keep the same
// size on a phone as on a desktop.

const SVG_NS = "http://www.w3.org/2000/svg";

/** `svg("line", {x1: 0, y1: 0})`: as ui.js's `el`, in SVG's namespace. */
export function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

/** The smallest 1, 2 or 5 × 10ⁿ at or above `value` (> 0): a top gridline with a round label. */
export function roundUp(value) {
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= value * (1 - 1e-9));
}

const MARGIN = { left: 76, right: 12, top: 10, bottom: 22 };

/**
 * `series` ([{name, points: [[time ms, value], …]}]) over the `span` ms up to
 * `now`, with gridlines at zero, half and the top. `ceiling(highest)` picks
 * the top from the largest value shown; `format` labels values. Each series
 * is a polyline with the class and `data-series` of its name (the colour is
 * in style.css, so the dark scheme applies). A point of `null` is left out.
 */
export function lineChart({ series, now, span, width, height, format, ceiling, label }) {
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const shown = series.map((s) => ({ ...s, points: s.points.filter(([t, v]) => v !== null && now - t <= span) }));
  const top = ceiling(Math.max(0, ...shown.flatMap((s) => s.points.map(([, v]) => v))));
  const x = (t) => MARGIN.left + plotWidth * (1 - (now - t) / span);
  const y = (v) => MARGIN.top + plotHeight * (1 - v / top);
  const chart = svg(
    "svg",
    { class: "chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label },
    svg("title", {}, label),
  );
  for (const fraction of [0, 0.5, 1]) {
    const at = y(top * fraction);
    chart.append(
      svg("line", { class: fraction === 0 ? "axis" : "grid", x1: MARGIN.left, x2: width - MARGIN.right, y1: at, y2: at }),
      svg("text", { class: "tick", x: MARGIN.left - 6, y: at, "text-anchor": "end", "dominant-baseline": "middle" }, format(top * fraction)),
    );
  }
  for (const [fraction, anchor] of [[1, "start"], [0.5, "middle"], [0, "end"]]) {
    const ago = span * fraction;
    const at = x(now - ago);
    chart.append(
      svg("line", { class: "grid", x1: at, x2: at, y1: MARGIN.top, y2: MARGIN.top + plotHeight }),
      svg("text", { class: "tick", x: at, y: height - 6, "text-anchor": anchor }, ago === 0 ? "now" : `−${Math.round(ago / 1000)} s`),
    );
  }
  for (const s of shown) {
    const points = s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    chart.append(svg("polyline", { class: `series ${s.name}`, "data-series": s.name, fill: "none", points }));
  }
  return chart;
}
