import { apiGet, errorText } from '../api-client.ts';
import { h, notAvailable, replace, section } from '../dom.ts';
import { clockTime, formatNumber, formatTime, shortLocalDay } from '../format.ts';
import type { PageContext } from '../router.ts';
import { activityStrip, dataTable, stackedDailyChart } from '../svg-chart.ts';
import { SEVERITIES } from '../types.ts';
import type { Severity } from '../types.ts';

/** What GET /overview answers (services/api/src/routes/overview.ts). */
export interface Overview {
  from: string;
  to: string;
  alertsPerDay: { day: string; ruleId: string; severity: Severity; count: number }[];
  /** Of the alerts fired in the range. */
  openAlerts: { new: number; investigating: number };
  /** Events stored per second over the last hour's whole minutes, and per minute. */
  eventRate: { eventsPerSecond: number; windowSeconds: number; perMinute: { minute: string; events: number }[] };
  /** Per group and partition (partition null: summed, when only totals are known); null with the reason when no source answered. */
  consumerLag: { group: string; topic: string; partition: number | null; lag: number }[] | null;
  consumerLagUnavailable?: string;
  model: { version: string; trainedAt: string } | null;
}

const DAYS = 14;
const DAY = 86_400_000;

function tile(title: string, value: HTMLElement | string, note: string, testId: string): HTMLElement {
  return h('section', { class: 'tile', 'aria-label': title, 'data-testid': testId }, h('h2', null, title), h('p', { class: 'tile-value' }, value), h('p', { class: 'small muted' }, note));
}

export async function overviewPage(ctx: PageContext): Promise<void> {
  const { main, me, signal } = ctx;
  const tz = me.timezone;
  // The API counts alerts per UTC day: the range is whole UTC days, and the page says so.
  const today = new Date();
  const toMs = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) + DAY;
  const from = new Date(toMs - DAYS * DAY).toISOString();
  const to = new Date(toMs).toISOString();
  replace(main, h('div', { class: 'page-head' }, h('h1', null, 'Overview')), h('p', { class: 'muted' }, 'Loading…'));

  let overview: Overview;
  try {
    overview = await apiGet<Overview>('/overview', { from, to });
  } catch (err) {
    replace(main, h('div', { class: 'page-head' }, h('h1', null, 'Overview')), h('p', { class: 'error', role: 'alert' }, `Could not load the overview: ${errorText(err)}`));
    return;
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

  const lagTotal = overview.consumerLag?.reduce((sum, p) => sum + p.lag, 0) ?? null;
  const lagGroups = overview.consumerLag === null ? [] : [...new Set(overview.consumerLag.map((p) => p.group))];
  const tiles = h(
    'div',
    { class: 'tiles' },
    tile(
      'Open alerts',
      formatNumber(overview.openAlerts.new + overview.openAlerts.investigating),
      `${formatNumber(overview.openAlerts.new)} new · ${formatNumber(overview.openAlerts.investigating)} investigating (fired in the last ${DAYS} days)`,
      'tile-open',
    ),
    tile('Event rate', `${formatNumber(Math.round(overview.eventRate.eventsPerSecond * 10) / 10)}/s`, `events stored, over the last ${Math.round(overview.eventRate.windowSeconds / 60)} min`, 'tile-rate'),
    tile(
      'Consumer lag',
      lagTotal === null ? 'not available' : formatNumber(lagTotal),
      lagTotal === null ? (overview.consumerLagUnavailable ?? 'no lag source') : `messages behind, ${lagGroups.join(' · ')}`,
      'tile-lag',
    ),
    tile(
      'Model version',
      overview.model ? h('code', null, overview.model.version) : 'none yet',
      overview.model ? `trained ${formatTime(overview.model.trainedAt, tz)}` : 'rules only until the trainer registers a model',
      'tile-model',
    ),
  );
  const perMinute = overview.eventRate.perMinute;

  replace(
    main,
    h('div', { class: 'page-head' }, h('h1', null, 'Overview'), h('p', { class: 'muted small' }, `Alerts fired from ${days[0] ?? ''} to ${days.at(-1) ?? ''} (UTC days); pipeline figures as of now.`)),
    tiles,
    section(
      `Alerts per UTC day by severity (${formatNumber(total)} in ${DAYS} days)`,
      'per-day-title',
      stackedDailyChart({
        days,
        series: ordered.map((sv) => ({ name: sv, className: `fill-${sv}`, values: bySeverity(sv) })),
        label: `Alerts per UTC day by severity from ${days[0] ?? ''} to ${days.at(-1) ?? ''}: ${total} in all, ${SEVERITIES.map((sv) => `${bySeverity(sv).reduce((a, b) => a + b, 0)} ${sv}`).join(', ')}.`,
        testId: 'alerts-per-day-chart',
        width: 1200,
      }),
      dataTable('Alerts per UTC day', ['UTC day', ...SEVERITIES], days.map((d, i) => [d, ...SEVERITIES.map((sv) => bySeverity(sv)[i] ?? 0)])),
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
    section(
      'Events stored per minute (last hour)',
      'rate-title',
      activityStrip({
        starts: perMinute.map((m) => m.minute),
        values: perMinute.map((m) => m.events),
        // Minutes of the last hour: the day alone said nothing on this axis.
        tickLabel: (iso) => clockTime(iso, tz),
        label: `Events stored per minute from ${formatTime(perMinute[0]?.minute, tz)} to ${formatTime(perMinute.at(-1)?.minute, tz)}: ${formatNumber(perMinute.reduce((sum, m) => sum + m.events, 0))} in all.`,
        testId: 'event-rate-chart',
        width: 1200,
      }),
    ),
    overview.consumerLag === null
      ? section('Consumer lag', 'pipeline-title', notAvailable('Consumer lag', overview.consumerLagUnavailable ?? 'no lag source'))
      : section(
          'Consumer lag',
          'pipeline-title',
          h(
            'table',
            { class: 'table compact', 'data-testid': 'lag-table' },
            h('caption', { class: 'visually-hidden' }, 'Messages each consumer group is behind, per partition'),
            h('thead', null, h('tr', null, ['Group', 'Topic', 'Partition', 'Lag'].map((t) => h('th', { scope: 'col' }, t)))),
            h(
              'tbody',
              null,
              overview.consumerLag.map((p) =>
                h('tr', null, h('td', null, p.group), h('td', null, p.topic), h('td', { class: 'num' }, p.partition === null ? 'all' : String(p.partition)), h('td', { class: 'num' }, formatNumber(p.lag))),
              ),
            ),
          ),
        ),
  );
}
