import { apiGet, errorText } from '../api-client.ts';
import { h, replace, s, section } from '../dom.ts';
import { formatNumber, formatTime, shortDay } from '../format.ts';
import { hashFor } from '../router.ts';
import type { PageContext } from '../router.ts';
import type { PrecisionReport, RulePrecision } from '../types.ts';

const HOUR = 3_600_000;

function percent(p: number | null): string {
  return p === null ? '—' : `${Math.round(p * 1000) / 10} %`;
}

function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < HOUR) return `${Math.max(1, Math.round(ms / 60_000))} min`;
  if (ms < 48 * HOUR) return `${Math.round((ms / HOUR) * 10) / 10} h`;
  return `${Math.round(ms / (24 * HOUR))} days`;
}

/** Weekly precision as small bars (a week with nothing closed is a gap, not a zero), with its words for screen readers. */
function trend(r: RulePrecision): SVGSVGElement {
  const w = 14;
  const height = 28;
  const weeks = r.weeks;
  const label = `Weekly precision of ${r.ruleId}: ${weeks.map((x) => `week of ${shortDay(x.week.slice(0, 10))} ${percent(x.precision)} of ${x.closed} closed`).join('; ')}`;
  return s(
    'svg',
    { class: 'chart trend', role: 'img', 'aria-label': label, viewBox: `0 0 ${Math.max(1, weeks.length) * w} ${height}`, width: Math.max(1, weeks.length) * w, height, 'data-testid': 'precision-trend' },
    weeks.map((x, i) => {
      if (x.precision === null) return s('rect', { x: i * w + 2, y: height - 2, width: w - 4, height: 2, class: 'gap' });
      const bh = Math.max(2, Math.round(x.precision * (height - 2)));
      return s('rect', { x: i * w + 2, y: height - bh, width: w - 4, height: bh, class: 'bar' }, s('title', null, `week of ${x.week.slice(0, 10)}: ${percent(x.precision)} (${x.confirmed}/${x.closed})`));
    }),
  );
}

/** Precision per rule and for the model, from how analysts closed the alerts (GET /precision). */
export async function precisionPage(ctx: PageContext): Promise<void> {
  const { main, me, signal } = ctx;
  replace(main, h('div', { class: 'page-head' }, h('h1', null, 'Precision per rule')), h('p', { class: 'muted' }, 'Loading…'));
  let report: PrecisionReport;
  try {
    report = await apiGet<PrecisionReport>('/precision');
  } catch (err) {
    replace(main, h('div', { class: 'page-head' }, h('h1', null, 'Precision per rule')), h('p', { class: 'error', role: 'alert' }, `Could not load precision: ${errorText(err)}`));
    return;
  }
  if (signal.aborted) return;
  const queueLink = (r: RulePrecision, status: string, text: string): HTMLElement => h('a', { href: hashFor('/alerts', { rule: r.ruleId, status }) }, text);
  replace(
    main,
    h('div', { class: 'page-head' }, h('h1', null, 'Precision per rule')),
    section(
      `Alerts fired ${formatTime(report.from, me.timezone)} – ${formatTime(report.to, me.timezone)}`,
      'precision-title',
      h(
        'p',
        { class: 'muted small' },
        'Precision is confirmed incidents over closed alerts: the share of an analyst’s closing work that found something. Open alerts count in volume only. ',
        'Each rule links to its YAML (thresholds, false-positive notes) under rules/ in the repository.',
      ),
      report.rules.length === 0
        ? h('p', { class: 'muted' }, 'No alerts in this range.')
        : h(
            'table',
            { class: 'table compact', 'data-testid': 'precision-table' },
            h('caption', { class: 'visually-hidden' }, 'Precision per rule'),
            h('thead', null, h('tr', null, ['Rule', 'Alerts', 'Open', 'Confirmed', 'False positive', 'Benign', 'Precision', 'Median time to close', 'Weekly precision'].map((t) => h('th', { scope: 'col' }, t)))),
            h(
              'tbody',
              null,
              report.rules.map((r) =>
                h(
                  'tr',
                  { 'data-rule-id': r.ruleId },
                  h(
                    'th',
                    { scope: 'row' },
                    h('code', null, r.ruleId),
                    h('div', { class: 'small' }, r.detector === 'model' ? 'isolation-forest model' : h('span', { class: 'muted' }, `rules/${r.ruleId}.yaml`)),
                  ),
                  h('td', { class: 'num' }, queueLink(r, 'new,investigating,closed', formatNumber(r.alerts))),
                  h('td', { class: 'num' }, queueLink(r, 'new,investigating', formatNumber(r.open))),
                  h('td', { class: 'num', 'data-testid': 'confirmed' }, formatNumber(r.confirmed)),
                  h('td', { class: 'num', 'data-testid': 'false-positive' }, formatNumber(r.falsePositive)),
                  h('td', { class: 'num' }, formatNumber(r.benign)),
                  h('td', { class: 'num', 'data-testid': 'precision' }, percent(r.precision)),
                  h('td', { class: 'num' }, duration(r.medianTimeToCloseMs)),
                  h('td', null, trend(r)),
                ),
              ),
            ),
          ),
    ),
  );
}
