import { ApiRequestError, apiGet, errorText } from '../api-client.ts';
import { h, notAvailable, replace, section } from '../dom.ts';
import { formatNumber, formatTime } from '../format.ts';
import type { PageContext } from '../router.ts';
import { dataTable, stackedDailyChart } from '../svg-chart.ts';
import { SEVERITIES } from '../types.ts';
import type { AlertPage, Severity } from '../types.ts';

/**
 * The shape the dashboard asks of GET /overview (not yet served by the API;
 * until it is, alerts per day are counted here from the queue and the rest
 * is shown as not available).
 */
export interface Overview {
  from: string;
  to: string;
  alertsPerDay: { day: string; ruleId: string; severity: Severity; count: number }[];
  openAlerts?: { new: number; investigating: number } | null;
  eventRate?: { eventsPerSecond: number; windowSeconds: number } | null;
  consumerLag?: { group: string; topic: string; partition: number; lag: number }[] | null;
  model?: { version: string; trainedAt: string | null } | null;
}

const DAYS = 14;
const DAY = 86_400_000;
/** The browser-side fallback reads at most this many alerts (5 pages). */
const FALLBACK_PAGES = 5;

async function overviewFromQueue(from: string, to: string): Promise<{ overview: Overview; complete: boolean; counted: number }> {
  const perDay = new Map<string, number>();
  const open = { new: 0, investigating: 0 };
  let latestModel: { version: string; at: string } | null = null;
  let cursor: string | null = null;
  let counted = 0;
  let pages = 0;
  do {
    const page: AlertPage = await apiGet<AlertPage>('/alerts', { from, to, limit: 200, cursor, sort: '-firedAt' });
    for (const a of page.items) {
      counted++;
      const key = `${a.firedAt.slice(0, 10)}|${a.ruleId}|${a.severity}`;
      perDay.set(key, (perDay.get(key) ?? 0) + 1);
      if (a.triage.status === 'new') open.new++;
      if (a.triage.status === 'investigating') open.investigating++;
      if (a.modelVersion && (latestModel === null || a.firedAt > latestModel.at)) latestModel = { version: a.modelVersion, at: a.firedAt };
    }
    cursor = page.nextCursor;
    pages++;
  } while (cursor !== null && pages < FALLBACK_PAGES);
  const alertsPerDay = [...perDay].map(([k, count]) => {
    const [day = '', ruleId = '', severity = 'low'] = k.split('|');
    return { day, ruleId, severity: severity as Severity, count };
  });
  return {
    overview: { from, to, alertsPerDay, openAlerts: open, model: latestModel ? { version: latestModel.version, trainedAt: null } : null },
    complete: cursor === null,
    counted,
  };
}

function tile(title: string, value: HTMLElement | string, note: string, testId: string): HTMLElement {
  return h('section', { class: 'tile', 'aria-label': title, 'data-testid': testId }, h('h2', null, title), h('p', { class: 'tile-value' }, value), h('p', { class: 'small muted' }, note));
}

export async function overviewPage(ctx: PageContext): Promise<void> {
  const { main, signal } = ctx;
  const today = new Date();
  const toMs = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) + DAY;
  const from = new Date(toMs - DAYS * DAY).toISOString();
  const to = new Date(toMs).toISOString();
  replace(main, h('div', { class: 'page-head' }, h('h1', null, 'Overview')), h('p', { class: 'muted' }, 'Loading…'));

  let overview: Overview;
  let source: string;
  try {
    overview = await apiGet<Overview>('/overview', { from, to });
    source = 'From GET /overview.';
  } catch (err) {
    if (!(err instanceof ApiRequestError && err.isMissingRoute)) {
      replace(main, h('div', { class: 'page-head' }, h('h1', null, 'Overview')), h('p', { class: 'error', role: 'alert' }, `Could not load the overview: ${errorText(err)}`));
      return;
    }
    try {
      const r = await overviewFromQueue(from, to);
      overview = r.overview;
      source = `Counted in the browser from ${formatNumber(r.counted)} alerts${r.complete ? '' : ' (the first pages only)'}: the API has no GET /overview yet.`;
    } catch (err2) {
      replace(main, h('div', { class: 'page-head' }, h('h1', null, 'Overview')), h('p', { class: 'error', role: 'alert' }, `Could not load alerts: ${errorText(err2)}`));
      return;
    }
  }
  if (signal.aborted) return;

  const days: string[] = [];
  for (let t = Date.parse(overview.from.slice(0, 10)); t < Date.parse(overview.to); t += DAY) days.push(new Date(t).toISOString().slice(0, 10));
  const bySeverity = (sev: Severity): number[] => days.map((d) => overview.alertsPerDay.filter((x) => x.day === d && x.severity === sev).reduce((s, x) => s + x.count, 0));
  const ordered: Severity[] = ['low', 'medium', 'high', 'critical'];
  const total = overview.alertsPerDay.reduce((s, x) => s + x.count, 0);
  const rules = [...new Set(overview.alertsPerDay.map((x) => x.ruleId))];
  const ruleTotals = rules
    .map((r) => ({ r, bySev: SEVERITIES.map((sv) => overview.alertsPerDay.filter((x) => x.ruleId === r && x.severity === sv).reduce((s, x) => s + x.count, 0)) }))
    .map((x) => ({ ...x, total: x.bySev.reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.total - a.total);

  const tiles = h(
    'div',
    { class: 'tiles' },
    tile(
      'Open alerts',
      overview.openAlerts ? formatNumber(overview.openAlerts.new + overview.openAlerts.investigating) : '—',
      overview.openAlerts ? `${formatNumber(overview.openAlerts.new)} new · ${formatNumber(overview.openAlerts.investigating)} investigating (last ${DAYS} days)` : 'not available',
      'tile-open',
    ),
    tile(
      'Event rate',
      overview.eventRate ? `${formatNumber(overview.eventRate.eventsPerSecond)}/s` : 'not available',
      overview.eventRate ? `over the last ${overview.eventRate.windowSeconds} s` : 'needs GET /overview (eventRate)',
      'tile-rate',
    ),
    tile(
      'Consumer lag',
      overview.consumerLag ? formatNumber(overview.consumerLag.reduce((s, p) => s + p.lag, 0)) : 'not available',
      overview.consumerLag ? `${overview.consumerLag.length} partitions` : 'needs GET /overview (consumerLag)',
      'tile-lag',
    ),
    tile(
      'Model version',
      overview.model ? h('code', null, overview.model.version) : 'not available',
      overview.model ? (overview.model.trainedAt ? `trained ${formatTime(overview.model.trainedAt)}` : 'seen on the latest model alert') : 'no model alert in the range; needs GET /overview (model)',
      'tile-model',
    ),
  );

  replace(
    main,
    h('div', { class: 'page-head' }, h('h1', null, 'Overview'), h('p', { class: 'muted small' }, source)),
    tiles,
    section(
      `Alerts per day by severity (${formatNumber(total)} in ${DAYS} days)`,
      'per-day-title',
      stackedDailyChart({
        days,
        series: ordered.map((sv) => ({ name: sv, className: `fill-${sv}`, values: bySeverity(sv) })),
        label: `Alerts per day by severity from ${days[0] ?? ''} to ${days.at(-1) ?? ''}: ${total} in all, ${SEVERITIES.map((sv) => `${bySeverity(sv).reduce((a, b) => a + b, 0)} ${sv}`).join(', ')}.`,
        testId: 'alerts-per-day-chart',
        width: 1200,
      }),
      dataTable('Alerts per day', ['Day', ...SEVERITIES], days.map((d, i) => [d, ...SEVERITIES.map((sv) => bySeverity(sv)[i] ?? 0)])),
    ),
    section(
      'Alerts by rule',
      'by-rule-title',
      ruleTotals.length === 0
        ? h('p', { class: 'muted' }, 'No alerts in the range.')
        : h(
            'table',
            { class: 'table compact', 'data-testid': 'rule-table' },
            h('caption', { class: 'visually-hidden' }, 'Alerts by rule and severity'),
            h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Rule'), SEVERITIES.map((sv) => h('th', { scope: 'col', class: 'num' }, sv)), h('th', { scope: 'col', class: 'num' }, 'Total'))),
            h(
              'tbody',
              null,
              ruleTotals.map((x) =>
                h(
                  'tr',
                  null,
                  h('th', { scope: 'row' }, h('a', { href: `#/alerts?status=new,investigating,closed&rule=${encodeURIComponent(x.r)}` }, x.r)),
                  x.bySev.map((n) => h('td', { class: 'num' }, n === 0 ? '·' : formatNumber(n))),
                  h('td', { class: 'num' }, h('strong', null, formatNumber(x.total))),
                ),
              ),
            ),
          ),
    ),
    overview.consumerLag === undefined || overview.consumerLag === null
      ? section('Pipeline', 'pipeline-title', notAvailable('Event rate and consumer lag', 'the API does not expose the ingest and detector pipeline figures yet (GET /overview with eventRate and consumerLag).'))
      : section(
          'Consumer lag',
          'pipeline-title',
          h(
            'table',
            { class: 'table compact' },
            h('thead', null, h('tr', null, ['Group', 'Topic', 'Partition', 'Lag'].map((t) => h('th', { scope: 'col' }, t)))),
            h('tbody', null, overview.consumerLag.map((p) => h('tr', null, h('td', null, p.group), h('td', null, p.topic), h('td', { class: 'num' }, p.partition), h('td', { class: 'num' }, formatNumber(p.lag))))),
          ),
        ),
  );
}
