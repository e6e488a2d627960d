import { h, s } from './dom.ts';
import { formatNumber, shortDay } from './format.ts';

/**
 * Charts drawn by hand as inline SVG: no chart library, nothing fetched.
 * Every chart is one role="img" element with an aria-label that states what
 * a sighted reader would take from it, and a table of the same numbers
 * follows each chart for anyone who wants the figures.
 */

/** Default drawing size in SVG units; a chart spanning a whole page passes a wider width so its text is not blown up. */
const W = 680;
const H = 240;
const M = { top: 14, right: 104, bottom: 30, left: 56 };

function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
}

interface Scale {
  max: number;
  step: number;
  y(v: number): number;
}

function yScale(maxValue: number, plotH: number): Scale {
  const step = niceStep(Math.max(maxValue, 1) * 1.08, 4);
  const max = Math.ceil((Math.max(maxValue, 1) * 1.08) / step) * step;
  return { max, step, y: (v) => M.top + plotH - (v / max) * plotH };
}

function frame(label: string, testId: string | undefined, width: number, height: number): SVGSVGElement {
  return s('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: 'chart',
    role: 'img',
    'aria-label': label,
    'data-testid': testId,
    preserveAspectRatio: 'xMidYMid meet',
  });
}

function yAxis(svg: SVGSVGElement, sc: Scale, plotW: number): void {
  for (let v = 0; v <= sc.max + 1e-9; v += sc.step) {
    const y = sc.y(v);
    svg.append(
      s('line', { x1: M.left, x2: M.left + plotW, y1: y, y2: y, class: v === 0 ? 'axis' : 'grid' }),
      s('text', { x: M.left - 8, y: y + 4, class: 'tick', 'text-anchor': 'end' }, formatNumber(v)),
    );
  }
}

function xLabels(svg: SVGSVGElement, days: readonly string[], x: (i: number) => number, plotH: number, width: number): void {
  const every = Math.max(1, Math.ceil(days.length / Math.max(4, Math.floor(width / 90))));
  const last = days.length - 1;
  days.forEach((d, i) => {
    // Every k-th day and the last one, never two labels on top of each other.
    if (i !== last && (i % every !== 0 || last - i < every)) return;
    svg.append(s('text', { x: x(i), y: M.top + plotH + 18, class: 'tick', 'text-anchor': 'middle' }, shortDay(d)));
  });
}

export interface DailyBarChartOptions {
  days: readonly string[];
  values: readonly number[];
  /** Bars drawn in the alarm colour (e.g. over quota). */
  highlight?: readonly boolean[];
  /** A horizontal dashed line (e.g. the contract quota). */
  quota?: number | null;
  /** A step line per day (e.g. the rolling baseline); null where unknown. */
  baseline?: readonly (number | null)[];
  valueName: string;
  label: string;
  testId?: string;
  width?: number;
}

export function dailyBarChart(o: DailyBarChartOptions): SVGSVGElement {
  const width = o.width ?? W;
  const plotW = width - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const n = Math.max(o.days.length, 1);
  const peaks = [...o.values, o.quota ?? 0, ...(o.baseline ?? []).map((b) => b ?? 0)];
  const sc = yScale(Math.max(0, ...peaks), plotH);
  const slot = plotW / n;
  const x = (i: number): number => M.left + slot * i + slot / 2;
  const svg = frame(o.label, o.testId, width, H);
  svg.append(s('title', null, o.label));
  yAxis(svg, sc, plotW);

  const bars = s('g', { class: 'bars' });
  o.values.forEach((v, i) => {
    const y = sc.y(v);
    const bw = Math.max(2, slot * 0.68);
    bars.append(
      s(
        'rect',
        { x: x(i) - bw / 2, y, width: bw, height: Math.max(0, M.top + plotH - y), class: o.highlight?.[i] ? 'bar bar-alarm' : 'bar', 'data-day': o.days[i] },
        s('title', null, `${o.days[i]}: ${formatNumber(v)} ${o.valueName}${o.highlight?.[i] ? ' (over quota)' : ''}`),
      ),
    );
  });
  svg.append(bars);

  if (o.baseline && o.baseline.some((b) => b !== null)) {
    let d = '';
    o.baseline.forEach((b, i) => {
      if (b === null) return;
      const y = sc.y(b);
      const x0 = M.left + slot * i;
      d += `${d === '' || o.baseline?.[i - 1] === null ? 'M' : 'L'}${x0.toFixed(1)},${y.toFixed(1)} L${(x0 + slot).toFixed(1)},${y.toFixed(1)} `;
    });
    svg.append(s('path', { d, class: 'line-baseline', fill: 'none' }));
    const last = [...o.baseline].reverse().find((b) => b !== null) ?? 0;
    svg.append(s('text', { x: M.left + plotW + 6, y: sc.y(last) + 4, class: 'line-label baseline-label' }, `baseline ${formatNumber(last)}`));
  }
  if (o.quota !== null && o.quota !== undefined) {
    const y = sc.y(o.quota);
    svg.append(
      s('line', { x1: M.left, x2: M.left + plotW, y1: y, y2: y, class: 'line-quota' }),
      s('text', { x: M.left + plotW + 6, y: y + 4, class: 'line-label quota-label' }, `quota ${formatNumber(o.quota)}`),
    );
  }
  xLabels(svg, o.days, x, plotH, width);
  return svg;
}

export interface Series {
  name: string;
  /** CSS class giving the fill colour (so colours live in the stylesheet). */
  className: string;
  values: readonly number[];
}

/** Stacked bars per day (e.g. alerts per day by severity). */
export function stackedDailyChart(o: { days: readonly string[]; series: readonly Series[]; label: string; testId?: string; width?: number }): SVGSVGElement {
  const width = o.width ?? W;
  const plotW = width - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const n = Math.max(o.days.length, 1);
  const totals = o.days.map((_, i) => o.series.reduce((sum, se) => sum + (se.values[i] ?? 0), 0));
  const sc = yScale(Math.max(0, ...totals), plotH);
  const slot = plotW / n;
  const x = (i: number): number => M.left + slot * i + slot / 2;
  const svg = frame(o.label, o.testId, width, H);
  svg.append(s('title', null, o.label));
  yAxis(svg, sc, plotW);
  const bw = Math.max(2, slot * 0.68);
  o.days.forEach((day, i) => {
    let acc = 0;
    for (const se of o.series) {
      const v = se.values[i] ?? 0;
      if (v <= 0) continue;
      const y1 = sc.y(acc);
      const y2 = sc.y(acc + v);
      acc += v;
      svg.append(s('rect', { x: x(i) - bw / 2, y: y2, width: bw, height: y1 - y2, class: `bar ${se.className}` }, s('title', null, `${day}: ${v} ${se.name}`)));
    }
  });
  xLabels(svg, o.days, x, plotH, width);
  // Legend at the right, top to bottom in stacking order reversed (top of the stack first).
  [...o.series].reverse().forEach((se, k) => {
    const y = M.top + 6 + k * 18;
    svg.append(
      s('rect', { x: M.left + plotW + 10, y: y - 9, width: 11, height: 11, class: `bar ${se.className}` }),
      s('text', { x: M.left + plotW + 26, y: y + 1, class: 'tick' }, se.name),
    );
  });
  return svg;
}

/** A compact bar strip (e.g. an actor's hourly activity) with a marked span (the alert window). */
export function activityStrip(o: {
  starts: readonly string[];
  values: readonly number[];
  label: string;
  mark?: { from: string; to: string } | null;
  /** The first and last bars' day labels; default the UTC day, for buckets the API cut at UTC midnight. */
  tickLabel?: (start: string) => string;
  testId?: string;
  width?: number;
}): SVGSVGElement {
  const width = o.width ?? W;
  const height = 130;
  const m = { top: 10, bottom: 24, left: 56, right: 24 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const n = Math.max(o.values.length, 1);
  const max = Math.max(1, ...o.values);
  const slot = plotW / n;
  const svg = frame(o.label, o.testId, width, height);
  svg.append(s('title', null, o.label));
  o.values.forEach((v, i) => {
    const bh = (v / max) * plotH;
    svg.append(s('rect', { x: m.left + slot * i + 0.5, y: m.top + plotH - bh, width: Math.max(1, slot - 1), height: bh, class: 'bar' }, s('title', null, `${o.starts[i]}: ${v}`)));
  });
  if (o.mark && o.starts.length > 0) {
    const t0 = Date.parse(o.starts[0] ?? '');
    const step = o.starts.length > 1 ? Date.parse(o.starts[1] ?? '') - t0 : 3_600_000;
    const xa = m.left + ((Date.parse(o.mark.from) - t0) / step) * slot;
    const xb = m.left + ((Date.parse(o.mark.to) - t0) / step) * slot;
    const a = Math.max(m.left, Math.min(m.left + plotW, xa));
    const b = Math.max(m.left, Math.min(m.left + plotW, xb));
    if (b > a) svg.append(s('rect', { x: a, y: m.top, width: Math.max(2, b - a), height: plotH, class: 'mark-window' }));
  }
  svg.append(
    s('line', { x1: m.left, x2: m.left + plotW, y1: m.top + plotH, y2: m.top + plotH, class: 'axis' }),
    s('text', { x: m.left - 8, y: m.top + 8, class: 'tick', 'text-anchor': 'end' }, formatNumber(max)),
    s('text', { x: m.left - 8, y: m.top + plotH, class: 'tick', 'text-anchor': 'end' }, '0'),
  );
  const first = o.starts[0];
  const last = o.starts.at(-1);
  const tick = o.tickLabel ?? shortDay;
  if (first) svg.append(s('text', { x: m.left, y: height - 5, class: 'tick' }, tick(first)));
  if (last) svg.append(s('text', { x: m.left + plotW, y: height - 5, class: 'tick', 'text-anchor': 'end' }, tick(last)));
  return svg;
}

/** Observed against threshold (or baseline) as one horizontal bar: how far over the line the behaviour went. */
export function meter(o: { observed: number; threshold: number | null; baseline: number | null; measure: string }): SVGSVGElement {
  const width = 420;
  const height = 64;
  const left = 8;
  const plotW = width - 16;
  const max = Math.max(o.observed, o.threshold ?? 0, o.baseline ?? 0, 1) * 1.1;
  const x = (v: number): number => left + (v / max) * plotW;
  const parts = [`${o.measure}: observed ${formatNumber(o.observed)}`];
  if (o.threshold !== null) parts.push(`threshold ${formatNumber(o.threshold)}`);
  if (o.baseline !== null) parts.push(`baseline ${formatNumber(o.baseline)}`);
  const svg = frame(parts.join(', '), 'measure-meter', width, height);
  svg.append(
    s('rect', { x: left, y: 22, width: plotW, height: 16, class: 'meter-track', rx: 3 }),
    s('rect', { x: left, y: 22, width: Math.max(2, x(o.observed) - left), height: 16, class: o.threshold !== null && o.observed > o.threshold ? 'bar bar-alarm' : 'bar', rx: 3 }),
  );
  if (o.baseline !== null) {
    svg.append(
      s('line', { x1: x(o.baseline), x2: x(o.baseline), y1: 16, y2: 44, class: 'line-baseline' }),
      s('text', { x: x(o.baseline), y: 58, class: 'tick', 'text-anchor': 'middle' }, `baseline ${formatNumber(o.baseline)}`),
    );
  }
  if (o.threshold !== null) {
    svg.append(
      s('line', { x1: x(o.threshold), x2: x(o.threshold), y1: 16, y2: 44, class: 'line-quota' }),
      s('text', { x: x(o.threshold), y: 12, class: 'tick', 'text-anchor': 'middle' }, `threshold ${formatNumber(o.threshold)}`),
    );
  }
  return svg;
}

/** The numbers behind a chart, in a collapsed table. */
export function dataTable(caption: string, headers: readonly string[], rows: readonly (readonly (string | number)[])[]): HTMLElement {
  return h(
    'details',
    { class: 'chart-data' },
    h('summary', null, `${caption}: the figures`),
    h(
      'table',
      { class: 'table compact' },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', null, h('tr', null, headers.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, rows.map((r) => h('tr', null, r.map((c) => h('td', null, typeof c === 'number' ? formatNumber(c) : c))))),
    ),
  );
}
