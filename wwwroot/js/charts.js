// Charts for the dashboard: a thin layer over uPlot (wwwroot/lib/uplot, loaded by App.razor as the
// global `uPlot`). The Blazor components in Components/Charts import this module and keep the object
// each create* function returns as an IJSObjectReference; its methods are the only calls they make.
//
// Times arrive as Unix seconds (uPlot's default unit) and are shown in the browser's local time zone.
// Values may be null: a null is a gap in the line.

const ChartHostClass = "chart-host";
const BandEdgeClass = "chart-band-edge";
const SeriesVariables = [
  "--mud-palette-primary",
  "--mud-palette-secondary",
  "--mud-palette-warning",
  "--mud-palette-success",
  "--mud-palette-error",
  "--mud-palette-tertiary",
  "--mud-palette-info",
];
const FallbackSeriesColors = ["#0b6e99", "#6d4aff", "#ff9800", "#00c853", "#f44336", "#1ec8a5", "#2196f3"];

const charts = new Set();
const byElement = new Map();
let theme = null;
let themeKey = "";
let themeObserver = null;
let observedThemeStyle = null;
let resizeObserver = null;
let pendingThemeCheck = false;

// --- public API ---------------------------------------------------------------------------------

/**
 * A small line without axes or legend, sized to its element's width.
 * data: { t: number[] | null, v: (number | null)[] } (t in Unix seconds; without t the points are evenly spaced)
 * options: { height: number, color: string | null } (color: any CSS color, or var(--x) / --x for a CSS variable)
 */
export function createSparkline(element, data, options) {
  refreshTheme();
  return register(new Sparkline(element, data, options));
}

/**
 * A time-series chart: several series, local-time x axis, one y axis per unit, legend,
 * drag to zoom on x, double-click to reset.
 * payload: { times: number[][], series: [{ label, unit, times: index into payload.times, values, min?, max? }] }
 * options: { height: number }
 * dotnet: DotNetObjectReference with OnChartZoomed(fromSeconds, toSeconds) and OnChartZoomReset(), or null.
 */
export function createTimeSeries(element, payload, options, dotnet) {
  refreshTheme();
  return register(new TimeSeries(element, payload, options, dotnet));
}

/** Re-reads the palette from the CSS variables and redraws every chart if it changed. */
export function refreshTheme() {
  const next = readTheme();
  const key = JSON.stringify(next);
  if (key === themeKey) {
    return;
  }
  theme = next;
  themeKey = key;
  for (const chart of charts) {
    chart.applyTheme();
  }
}

// --- sparkline ----------------------------------------------------------------------------------

class Sparkline {
  constructor(element, data, options) {
    this.element = element;
    this.options = options;
    this.t = data.t;
    this.v = data.v;
    this.plot = null;
    this.build();
  }

  setData(data) {
    this.t = data.t;
    this.v = data.v;
    this.plot.setData(this.aligned());
  }

  /** Adds points at the end and keeps the last `keep` of them: the cheap path for a sliding window. */
  append(data, keep) {
    this.t.push(...data.t);
    this.v.push(...data.v);
    const extra = this.v.length - keep;
    if (extra > 0) {
      this.t.splice(0, extra);
      this.v.splice(0, extra);
    }
    this.plot.setData(this.aligned());
  }

  setOptions(options) {
    this.options = options;
    this.build();
  }

  resize(width) {
    if (this.plot && width > 0 && width !== this.plot.width) {
      this.plot.setSize({ width, height: this.options.height });
    }
  }

  applyTheme() {
    this.build();
  }

  destroy() {
    unregister(this);
    this.plot?.destroy();
    this.plot = null;
  }

  aligned() {
    const xs = this.t ?? this.v.map((_, i) => i);
    return [xs, this.v];
  }

  build() {
    this.plot?.destroy();
    const color = resolveColor(this.element, this.options.color) ?? theme.series[0];
    this.plot = new uPlot({
      width: widthOf(this.element),
      height: this.options.height,
      class: "chart-sparkline-plot",
      pxAlign: false,
      padding: [3, 2, 3, 2],
      legend: { show: false },
      cursor: { show: false },
      select: { show: false },
      scales: {
        x: { time: false },
        y: { range: sparkRange },
      },
      axes: [{ show: false }, { show: false }],
      series: [
        {},
        { stroke: color, width: 1.5, fill: withAlpha(color, 0.12), points: { show: false }, spanGaps: false },
      ],
    }, this.aligned(), this.element);
  }
}

function sparkRange(_, min, max) {
  if (min == null || max == null) {
    return [0, 1];
  }
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    return [min - pad, max + pad];
  }
  const pad = (max - min) * 0.08;
  return [min - pad, max + pad];
}

// --- time series --------------------------------------------------------------------------------

class TimeSeries {
  constructor(element, payload, options, dotnet) {
    this.element = element;
    this.options = options;
    this.dotnet = dotnet;
    this.payload = payload;
    this.zoom = null;
    this.plot = null;
    this.key = "";
    this.build();
  }

  setData(payload) {
    this.payload = payload;
    if (structureKey(payload) !== this.key) {
      this.build();
      return;
    }
    const data = alignSeries(payload);
    this.plot.setData(data);
    this.restoreZoom(data[0]);
    this.markEmpty(data);
  }

  setOptions(options) {
    this.options = options;
    this.fit(widthOf(this.element));
  }

  resize(width) {
    this.fit(width);
  }

  applyTheme() {
    this.build();
  }

  destroy() {
    unregister(this);
    this.plot?.destroy();
    this.plot = null;
    this.dotnet = null;
  }

  build() {
    const hidden = new Set();
    if (this.plot) {
      this.plot.series.forEach((s, i) => { if (i > 0 && !s.show) hidden.add(s.label); });
      this.plot.destroy();
    }
    this.key = structureKey(this.payload);
    const data = alignSeries(this.payload);
    const opts = timeSeriesOptions(this.payload, this.options, widthOf(this.element), hidden);
    // The axes are drawn on the canvas; the element names them too (for tests and tools that read the page).
    this.element.dataset.yAxes = opts.axes.slice(1).map(a => a.label ?? "").join("|");
    opts.hooks = {
      setSelect: [(u) => this.onSelect(u)],
      setSeries: [(u, index, change) => syncBand(u, index, change)],
    };
    this.plot = new uPlot(opts, data, this.element);
    this.plot.over.addEventListener("dblclick", () => this.onReset());
    this.restoreZoom(data[0]);
    this.markEmpty(data);
    this.fit(widthOf(this.element));
  }

  markEmpty(data) {
    this.element.classList.toggle("chart-no-data", data[0].length === 0);
  }

  // The legend sits below the plot inside the fixed-height element, so the plot gets what it leaves.
  fit(width) {
    if (!this.plot || width <= 0) {
      return;
    }
    const legend = this.plot.root.querySelector(".u-legend");
    const height = Math.max(80, this.options.height - (legend?.offsetHeight ?? 0));
    if (width !== this.plot.width || height !== this.plot.height) {
      this.plot.setSize({ width, height });
    }
  }

  // Keeps the user's zoom across data updates, unless the new data no longer reaches into it.
  restoreZoom(xs) {
    if (this.zoom === null) {
      return;
    }
    if (xs.length === 0 || xs[xs.length - 1] < this.zoom.min || xs[0] > this.zoom.max) {
      this.zoom = null;
      return;
    }
    this.plot.setScale("x", this.zoom);
  }

  onSelect(u) {
    if (u.select.width <= 0) {
      return;
    }
    const min = u.posToVal(u.select.left, "x");
    const max = u.posToVal(u.select.left + u.select.width, "x");
    this.zoom = { min, max };
    this.dotnet?.invokeMethodAsync("OnChartZoomed", min, max).catch(() => { });
  }

  onReset() {
    if (this.zoom === null) {
      return;
    }
    this.zoom = null;
    this.dotnet?.invokeMethodAsync("OnChartZoomReset").catch(() => { });
  }
}

// Column layout in uPlot's data: x, then for each series [max, min] (when it has a band) and its line.
// The band edges come first so the filled band is drawn behind the line.
function columnsOf(payload) {
  const columns = [];
  payload.series.forEach((s, i) => {
    if (hasBand(s)) {
      columns.push({ source: i, kind: "max" }, { source: i, kind: "min" });
    }
    columns.push({ source: i, kind: "line" });
  });
  return columns;
}

function hasBand(s) {
  return Array.isArray(s.min) && Array.isArray(s.max);
}

function structureKey(payload) {
  return JSON.stringify(payload.series.map(s => [s.label, s.unit ?? "", hasBand(s)]));
}

function alignSeries(payload) {
  const series = payload.series;
  const columnData = (s, kind) => kind === "max" ? s.max : kind === "min" ? s.min : s.values;
  const columns = columnsOf(payload);
  if (series.length === 0) {
    return [[]];
  }
  const shared = series.every(s => s.times === series[0].times);
  if (shared) {
    return [payload.times[series[0].times], ...columns.map(c => columnData(series[c.source], c.kind))];
  }
  // Different timestamps per series: uPlot.join merges them onto one x array. Real nulls stay gaps;
  // the holes the merge itself creates are undefined, which uPlot draws across.
  const tables = series.map(s => hasBand(s)
    ? [payload.times[s.times], s.max, s.min, s.values]
    : [payload.times[s.times], s.values]);
  return uPlot.join(tables);
}

function timeSeriesOptions(payload, options, width, hidden) {
  const units = [];
  for (const s of payload.series) {
    const unit = s.unit ?? "";
    if (!units.includes(unit)) {
      units.push(unit);
    }
  }
  // One scale and one axis per unit, labelled with it: the first on the left (with the grid), the second on the
  // right, further ones alternating outside them. Series without a unit share an unlabelled one.
  const scaleOf = (unit) => {
    const i = units.indexOf(unit ?? "");
    return i === 0 ? "y" : `y${i + 1}`;
  };
  const axisStyle = {
    stroke: theme.textSecondary,
    grid: { stroke: theme.lines, width: 1 },
    ticks: { stroke: theme.lines, width: 1, size: 5 },
    border: { show: false },
  };
  const axes = [{
    ...axisStyle,
    size: 48,
    space: 70,
    values: timeTicks,
  }];
  units.forEach((unit, i) => axes.push({
    ...axisStyle,
    scale: scaleOf(unit),
    side: i % 2 === 0 ? 3 : 1,
    label: unit || null,
    labelSize: unit ? 18 : 0,
    labelFont: "12px system-ui, sans-serif",
    grid: i === 0 ? axisStyle.grid : { show: false },
    size: axisSize,
    values: (u, splits) => splits.map(v => v == null ? "" : formatNumber(v)),
  }));

  // Away from the cursor the legend shows the latest readings, so it never reads "Time: –".
  const series = [{ label: "Time", value: (u, v) => v != null ? legendTime.format(new Date(v * 1000)) : latestTime(u) }];
  const bands = [];
  const columns = columnsOf(payload);
  const lineIndex = new Map();
  columns.forEach((c, i) => { if (c.kind === "line") lineIndex.set(c.source, i + 1); });
  columns.forEach((c, i) => {
    const s = payload.series[c.source];
    const color = theme.series[c.source % theme.series.length];
    const scale = scaleOf(s.unit);
    const show = !hidden.has(s.label);
    if (c.kind !== "line") {
      series.push({
        label: `${s.label} ${c.kind}`,
        class: BandEdgeClass,
        scale,
        show,
        // A faint edge, not just the fill: a one-bucket peak is a hairline the fill alone would hide.
        stroke: withAlpha(color, 0.45),
        width: 1,
        points: { show: false },
        spanGaps: false,
        band: { of: lineIndex.get(c.source) },
      });
      if (c.kind === "max") {
        bands.push({ series: [i + 1, i + 2], fill: withAlpha(color, 0.18) });
      }
      return;
    }
    series.push({
      label: s.label,
      scale,
      show,
      stroke: color,
      width: 1.5,
      spanGaps: false,
      points: { size: 5 },
      value: (u, v, si, idx) => legendValue(u, v, si, idx, s.unit),
    });
  });

  return {
    width,
    height: options.height,
    class: "chart-timeseries-plot",
    series,
    bands,
    axes,
    scales: { x: { time: true } },
    legend: { live: true, markers: { fill: (u, i) => u.series[i].stroke(u, i) } },
    cursor: { drag: { x: true, y: false, setScale: true, dist: 5 }, points: { size: 7 } },
    focus: { alpha: 0.35 },
  };
}

// The time of the last point that has a value, for the legend while the cursor is away.
function latestIndex(u, si) {
  const columns = si == null ? u.data.slice(1) : [u.data[si]];
  for (let k = u.data[0].length - 1; k >= 0; k--) {
    if (columns.some(c => c[k] != null)) {
      return k;
    }
  }
  return null;
}

function latestTime(u) {
  const k = latestIndex(u, null);
  return k == null ? "no readings" : `${legendTime.format(new Date(u.data[0][k] * 1000))} (latest)`;
}

// Legend value of a line: the value with its unit and, for downsampled data, the bucket's range; its latest while the
// cursor is away.
function legendValue(u, v, si, idx, unit) {
  if (idx == null) {
    idx = latestIndex(u, si);
    v = idx == null ? null : u.data[si][idx];
  }
  if (v == null) {
    return "–";
  }
  const suffix = unit ? ` ${unit}` : "";
  const edges = u.series
    .map((s, i) => ({ s, i }))
    .filter(e => e.s.band?.of === si);
  if (edges.length === 2 && idx != null) {
    const a = u.data[edges[0].i][idx];
    const b = u.data[edges[1].i][idx];
    if (a != null && b != null) {
      return `${formatNumber(v)}${suffix} (${formatNumber(Math.min(a, b))}–${formatNumber(Math.max(a, b))})`;
    }
  }
  return formatNumber(v) + suffix;
}

// Hiding a line from the legend hides its band too.
function syncBand(u, index, change) {
  if (!change || change.show === undefined) {
    return;
  }
  u.series.forEach((s, i) => {
    if (s.band?.of === index && s.show !== change.show) {
      u.setSeries(i, { show: change.show });
    }
  });
}

// Wide enough for the longest tick label, so large numbers are not cut off.
function axisSize(u, values, axisIndex, cycle) {
  const axis = u.axes[axisIndex];
  if (cycle > 1) {
    return axis._size;
  }
  let size = axis.ticks.size + axis.gap + 4;
  const longest = (values ?? []).reduce((a, v) => (v ?? "").length > a.length ? v : a, "");
  if (longest) {
    u.ctx.font = axis.font[0];
    size += u.ctx.measureText(longest).width / devicePixelRatio;
  }
  return Math.ceil(size);
}

// --- formatting ---------------------------------------------------------------------------------

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const timeOfDaySeconds = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dayOfMonth = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const monthOfYear = new Intl.DateTimeFormat(undefined, { month: "short", year: "numeric" });
const legendTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const numberFormats = [0, 1, 2, 3, 4].map(digits => new Intl.NumberFormat(undefined, { maximumFractionDigits: digits }));

// Local-time tick labels: a tick at midnight shows the date; otherwise the time, with the date under
// it on the first tick and wherever the day changes.
function timeTicks(u, splits, axisIndex, space, increment) {
  let previousDay = null;
  return splits.map(s => {
    if (s == null) {
      return null;
    }
    const date = new Date(s * 1000);
    if (increment >= 28 * 86400) {
      return monthOfYear.format(date);
    }
    const day = date.toDateString();
    const first = previousDay === null;
    const newDay = day !== previousDay;
    previousDay = day;
    if (increment >= 86400 || (increment >= 3600 && date.getHours() === 0 && date.getMinutes() === 0)) {
      return dayOfMonth.format(date);
    }
    const time = (increment < 60 ? timeOfDaySeconds : timeOfDay).format(date);
    return first || newDay ? `${time}\n${dayOfMonth.format(date)}` : time;
  });
}

function formatNumber(v) {
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : abs >= 0.01 ? 3 : 4;
  return numberFormats[digits].format(v);
}

// --- theme --------------------------------------------------------------------------------------

function readTheme() {
  const style = getComputedStyle(document.documentElement);
  const read = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  return {
    text: read("--mud-palette-text-primary", "#212121"),
    textSecondary: read("--mud-palette-text-secondary", "#616161"),
    lines: read("--mud-palette-lines-default", "rgba(127,127,127,0.25)"),
    series: SeriesVariables.map((name, i) => read(name, FallbackSeriesColors[i])),
  };
}

// MudBlazor switches light/dark by re-rendering the <style class="mud-theme-provider"> that holds its
// CSS variables (Blazor replaces the element, a direct child of <body>, or rewrites its text). Watching
// <body>'s children and that element (and the system preference) catches every toggle cheaply.
function watchTheme() {
  if (themeObserver === null) {
    themeObserver = new MutationObserver(scheduleThemeCheck);
    themeObserver.observe(document.body, { childList: true });
    themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ["class", "style", "data-theme"] });
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", scheduleThemeCheck);
  }
  if (observedThemeStyle?.isConnected) {
    return;
  }
  observedThemeStyle = document.querySelector("style.mud-theme-provider");
  if (observedThemeStyle !== null) {
    themeObserver.observe(observedThemeStyle, { characterData: true, childList: true, subtree: true });
  }
}

function scheduleThemeCheck() {
  if (pendingThemeCheck) {
    return;
  }
  pendingThemeCheck = true;
  requestAnimationFrame(() => {
    pendingThemeCheck = false;
    watchTheme();
    refreshTheme();
  });
}

// A CSS color with the given opacity, whatever notation it came in (canvas normalises it).
const colorContext = document.createElement("canvas").getContext("2d");
function withAlpha(color, alpha) {
  colorContext.fillStyle = "#000";
  colorContext.fillStyle = color;
  const normal = colorContext.fillStyle;
  if (normal.startsWith("#")) {
    const n = parseInt(normal.slice(1), 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  const parts = normal.match(/[\d.]+/g);
  return parts && parts.length >= 3 ? `rgba(${parts[0]}, ${parts[1]}, ${parts[2]}, ${alpha * (parts[3] ?? 1)})` : color;
}

function resolveColor(element, color) {
  if (!color) {
    return null;
  }
  const variable = color.startsWith("--") ? color : color.match(/^var\(\s*(--[^,)\s]+)/)?.[1];
  return variable ? getComputedStyle(element).getPropertyValue(variable).trim() || null : color;
}

// --- bookkeeping --------------------------------------------------------------------------------

function register(chart) {
  watchTheme();
  charts.add(chart);
  byElement.set(chart.element, chart);
  resizeObserver ??= new ResizeObserver(entries => {
    for (const entry of entries) {
      byElement.get(entry.target)?.resize(Math.floor(entry.contentRect.width));
    }
  });
  resizeObserver.observe(chart.element);
  return chart;
}

function unregister(chart) {
  charts.delete(chart);
  if (byElement.get(chart.element) === chart) {
    byElement.delete(chart.element);
    resizeObserver?.unobserve(chart.element);
  }
}

function widthOf(element) {
  return Math.floor(element.clientWidth) || 300;
}

// Chart styles that follow the MudBlazor palette; injected once so the components need no stylesheet.
function injectStyles() {
  if (document.getElementById("dashboard-chart-styles")) {
    return;
  }
  const style = document.createElement("style");
  style.id = "dashboard-chart-styles";
  style.textContent = `
.${ChartHostClass} { display: block; position: relative; width: 100%; min-width: 0; overflow: hidden; }
.${ChartHostClass}.chart-no-data::after { content: "No data"; position: absolute; inset: 0 0 2.5rem 0; display: flex; align-items: center; justify-content: center; color: var(--mud-palette-text-secondary); pointer-events: none; }
.${ChartHostClass} .uplot { width: 100%; font-family: inherit; }
.${ChartHostClass} .u-legend { color: var(--mud-palette-text-primary); font-size: 0.8125rem; line-height: 1.3; }
.${ChartHostClass} .u-legend .u-value { font-variant-numeric: tabular-nums; }
.${ChartHostClass} .u-legend tr.${BandEdgeClass}, .${ChartHostClass} .u-cursor-pt.${BandEdgeClass} { display: none !important; }
.${ChartHostClass} .u-select { background: rgba(127, 127, 127, 0.2); background: color-mix(in srgb, var(--mud-palette-primary) 22%, transparent); }
.${ChartHostClass} .u-cursor-x, .${ChartHostClass} .u-cursor-y { border-color: var(--mud-palette-text-secondary) !important; }
`;
  document.head.appendChild(style);
}

injectStyles();
