// A small time-series line chart in SVG (no library): one polyline per series, a time axis
// and a value axis with rounded ticks. Points are kept per series up to `maxPoints`;
// redrawing is batched to one per animation frame.
import { h } from './ui.js';

const W = 800;
const H = 280;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

// 1, 2 or 5 times a power of ten: about `count` ticks over [lo, hi].
function ticks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

// Time ticks on round seconds, minutes or hours (local time for days).
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
  .map((s) => s * 1000);
function timeTicks(t0, t1, count = 6) {
  const step = TIME_STEPS.find((s) => (t1 - t0) / s <= count) || 86400000 * Math.ceil((t1 - t0) / count / 86400000);
  const offset = step >= 3600000 ? new Date(t0).getTimezoneOffset() * 60000 : 0;
  const out = [];
  for (let t = Math.ceil((t0 - offset) / step) * step + offset; t <= t1; t += step) out.push(t);
  return out;
}

function timeLabel(ms, span) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (span > 2 * 86400000) return `${d.getMonth() + 1}/${d.getDate()} ${hm}`;
  return span > 600000 ? hm : `${hm}:${pad(d.getSeconds())}`;
}

export class LineChart {
  constructor({ maxPoints = 3000, windowMs = 5 * 60 * 1000 } = {}) {
    this.series = new Map();  // name -> {points: [[t, v]...], visible, color}
    this.maxPoints = maxPoints;
    this.windowMs = windowMs;  // live: the last windowMs; null: the range given to setRange
    this.range = null;
    this.svg = h('svg:svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': 'Telemetry chart',
                              'data-points': 0 });
    this.pending = false;
  }

  add(name, t, v) {
    let s = this.series.get(name);
    if (!s) {
      s = { points: [], visible: this.series.size < 8, color: this.series.size % 8 };
      this.series.set(name, s);
    }
    s.points.push([t, v]);
    if (s.points.length > this.maxPoints) s.points.splice(0, s.points.length - this.maxPoints);
    this.redraw();
  }

  clear() {
    this.series.clear();
    this.redraw();
  }

  setVisible(name, visible) {
    const s = this.series.get(name);
    if (s) s.visible = visible;
    this.redraw();
  }

  // Fixed time range (history) or null for live.
  setRange(range) {
    this.range = range;
    this.redraw();
  }

  // Batched: one draw for a burst of points. A timer, not requestAnimationFrame, which a
  // browser may hold back indefinitely for a tab it does not paint (a background tab, or
  // headless Chromium under load) and which would then stop the chart for good.
  redraw() {
    if (this.pending) return;
    this.pending = true;
    setTimeout(() => {
      this.pending = false;
      this.draw();
    }, 50);
  }

  draw() {
    const now = Date.now();
    const visible = [...this.series.entries()].filter(([, s]) => s.visible);
    // Live: the last windowMs, or less while the data is younger (at least 30 s), so a
    // chart just opened is not a single line at its right edge.
    let first = now;
    for (const [, s] of visible) if (s.points.length) first = Math.min(first, s.points[0][0]);
    const span = Math.min(this.windowMs, Math.max(30000, (now - first) * 1.1));
    const [t0, t1] = this.range || [now - span, now];
    let lo = Infinity;
    let hi = -Infinity;
    let count = 0;
    for (const [, s] of visible) {
      for (const [t, v] of s.points) {
        if (t < t0 || t > t1) continue;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
        count++;
      }
    }
    if (!count) [lo, hi] = [0, 1];
    if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
    const margin = (hi - lo) * 0.08;
    [lo, hi] = [lo - margin, hi + margin];
    const x = (t) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
    const y = (v) => H - PAD.bottom - ((v - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
    const parts = [];
    for (const v of ticks(lo, hi)) {
      parts.push(h('svg:line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: 'grid' }));
      parts.push(h('svg:text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, String(v)));
    }
    for (const t of timeTicks(t0, t1)) {
      parts.push(h('svg:line', { x1: x(t), x2: x(t), y1: PAD.top, y2: H - PAD.bottom, class: 'grid' }));
      parts.push(h('svg:text', { x: x(t), y: H - 8, 'text-anchor': 'middle', class: 'axis' }, timeLabel(t, t1 - t0)));
    }
    for (const [name, s] of visible) {
      const pts = s.points.filter(([t]) => t >= t0 && t <= t1).map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`);
      if (!pts.length) continue;
      parts.push(h('svg:polyline', { points: pts.join(' '), class: `line c${s.color}`, 'data-series': name }));
      if (pts.length < 60) {
        for (const p of pts) {
          const [cx, cy] = p.split(',');
          parts.push(h('svg:circle', { cx, cy, r: 2.5, class: `dot c${s.color}` }));
        }
      }
    }
    if (!count) parts.push(h('svg:text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty' }, 'No numeric values yet'));
    this.svg.replaceChildren(...parts);
    this.svg.setAttribute('data-points', count);
  }
}

// Numeric leaves of a message body: {"temp": 21, "m": {"h": 40}} -> [["temp", 21], ["m.h", 40]].
export function numericFields(body, prefix = '', out = [], depth = 0) {
  if (typeof body === 'number' && Number.isFinite(body)) out.push([prefix || 'value', body]);
  else if (body && typeof body === 'object' && !Array.isArray(body) && depth < 4)
    for (const [k, v] of Object.entries(body)) numericFields(v, prefix ? `${prefix}.${k}` : k, out, depth + 1);
  return out;
}
