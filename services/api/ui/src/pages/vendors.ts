import { apiDownload, apiGet, errorText } from '../api-client.ts';
import { announce, field, h, replace, section } from '../dom.ts';
import { dayEndIso, dayStartIso, formatNumber, formatTime } from '../format.ts';
import { go, hashFor } from '../router.ts';
import type { PageContext } from '../router.ts';
import { dailyBarChart, dataTable } from '../svg-chart.ts';
import type { VendorSummary, VendorUsage } from '../types.ts';

/** Charts drawn at most for this many applications at once; the rest are listed in the table. */
const MAX_CHARTS = 12;

function usageCard(u: VendorUsage): HTMLElement {
  const name = u.vendor.name ? `${u.vendor.name} (${u.vendor.clientId})` : u.vendor.clientId;
  const quota = u.vendor.dailyQuota;
  const lastBaseline = [...u.days].reverse().find((d) => d.baseline !== null)?.baseline ?? null;
  const label =
    `Records pulled per UTC day by ${name}, ${u.days[0]?.day ?? ''} to ${u.days.at(-1)?.day ?? ''}: ` +
    `total ${formatNumber(u.totals.records)}, peak ${formatNumber(u.totals.peakRecords)}${u.totals.peakDay ? ` on ${u.totals.peakDay}` : ''}; ` +
    `${quota === null ? 'no daily quota' : `daily quota ${formatNumber(quota)}, exceeded on ${u.totals.daysOverQuota} day${u.totals.daysOverQuota === 1 ? '' : 's'}`}; ` +
    `latest 28-day baseline ${formatNumber(lastBaseline)}.`;
  const download = h('button', { type: 'button', class: 'small-button' }, 'Export CSV');
  download.addEventListener('click', () => {
    apiDownload(`/vendors/${encodeURIComponent(u.vendor.clientId)}/usage`, { from: u.from, to: u.to, format: 'csv' }, 'vendor-usage.csv')
      .then((r) => announce(`Downloaded ${r.name}.`))
      .catch((err: unknown) => announce(`Export failed: ${errorText(err)}`));
  });
  const id = `vendor-${u.vendor.clientId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return h(
    'section',
    { class: `card vendor-card${u.totals.daysOverQuota > 0 ? ' over' : ''}`, 'aria-labelledby': id, 'data-vendor': u.vendor.clientId },
    h(
      'div',
      { class: 'card-head' },
      h('h2', { id }, name),
      h(
        'p',
        { class: 'muted small' },
        quota === null ? 'No quota' : `Quota ${formatNumber(quota)}/day`,
        ' · ',
        `${formatNumber(u.totals.records)} records`,
        ' · ',
        u.totals.daysOverQuota > 0 ? h('strong', { class: 'alarm-text' }, `${u.totals.daysOverQuota} day${u.totals.daysOverQuota === 1 ? '' : 's'} over quota`) : 'never over quota',
      ),
      download,
    ),
    dailyBarChart({
      days: u.days.map((d) => d.day),
      values: u.days.map((d) => d.records),
      highlight: u.days.map((d) => d.overQuota),
      quota,
      baseline: u.days.map((d) => d.baseline),
      valueName: 'records',
      label,
      testId: 'vendor-chart',
    }),
    h(
      'p',
      { class: 'legend small', 'aria-hidden': 'true' },
      h('span', { class: 'key key-bar' }),
      ' records per day  ',
      h('span', { class: 'key key-alarm' }),
      ' over quota  ',
      h('span', { class: 'key key-quota' }),
      ' quota  ',
      h('span', { class: 'key key-baseline' }),
      ' 28-day baseline (median)',
    ),
    dataTable(
      `Daily usage of ${name}`,
      ['UTC day', 'Records', 'Events', 'Distinct patients', 'Quota', 'Over quota', 'Baseline', 'Ratio to baseline'],
      u.days.map((d) => [d.day, d.records, d.events, d.distinctPatients, d.quota === null ? '—' : d.quota, d.overQuota ? 'yes' : 'no', d.baseline === null ? '—' : d.baseline, d.ratioToBaseline === null ? '—' : formatNumber(d.ratioToBaseline)]),
    ),
  );
}

/** Vendor oversight: every application's daily pulls against its quota and its own baseline. */
export async function vendorsPage(ctx: PageContext): Promise<void> {
  const { main, query, me, signal } = ctx;
  const from = h('input', { type: 'date', name: 'from', value: query.get('from') ?? '' });
  const to = h('input', { type: 'date', name: 'to', value: query.get('to') ?? '' });
  const form = h(
    'form',
    { class: 'filters inline-form', 'aria-label': 'Range' },
    field('From (UTC day)', from),
    field('To (UTC day, included)', to),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Show')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    go(hashFor('/vendors', { from: from.value, to: to.value }));
  });
  const listBox = h('div', null, h('p', { class: 'muted' }, 'Loading vendors…'));
  const charts = h('div', { class: 'vendor-grid' });
  replace(main, h('div', { class: 'page-head' }, h('h1', null, 'Vendor access'), form), listBox, charts);

  // UTC days, as the API counts the per-day usage the charts show.
  const range = { from: dayStartIso(query.get('from') ?? '', 'UTC'), to: dayEndIso(query.get('to') ?? '', 'UTC') };
  let list: { from: string; to: string; vendors: VendorSummary[] };
  try {
    list = await apiGet<{ from: string; to: string; vendors: VendorSummary[] }>('/vendors', range);
  } catch (err) {
    replace(listBox, h('p', { class: 'error', role: 'alert' }, `Could not load vendors: ${errorText(err)}`));
    return;
  }
  if (signal.aborted) return;
  const vendors = [...list.vendors].sort((a, b) => b.daysOverQuota - a.daysOverQuota || b.records - a.records);
  replace(
    listBox,
    section(
      `Applications (${vendors.length})`,
      'vendors-title',
      h('p', { class: 'muted' }, `${formatTime(list.from, me.timezone)} – ${formatTime(list.to, me.timezone)}`),
      vendors.length === 0
        ? h('p', { class: 'muted' }, 'No vendor applications and no application traffic in this range.')
        : h(
            'table',
            { class: 'table compact', 'data-testid': 'vendor-table' },
            h('caption', { class: 'visually-hidden' }, 'Vendor applications with totals over the range'),
            h('thead', null, h('tr', null, ['Application', 'Daily quota', 'Records', 'Events', 'Active days', 'Peak daily records', 'Days over quota'].map((t) => h('th', { scope: 'col' }, t)))),
            h(
              'tbody',
              null,
              vendors.map((v) =>
                h(
                  'tr',
                  null,
                  h('th', { scope: 'row' }, v.name ? `${v.name} ` : '', h('code', null, v.clientId)),
                  h('td', { class: 'num' }, v.dailyQuota === null ? '—' : formatNumber(v.dailyQuota)),
                  h('td', { class: 'num' }, formatNumber(v.records)),
                  h('td', { class: 'num' }, formatNumber(v.events)),
                  h('td', { class: 'num' }, formatNumber(v.activeDays)),
                  h('td', { class: 'num' }, formatNumber(v.maxDailyRecords)),
                  h('td', { class: `num${v.daysOverQuota > 0 ? ' alarm-text' : ''}` }, formatNumber(v.daysOverQuota)),
                ),
              ),
            ),
          ),
    ),
  );
  const shown = vendors.slice(0, MAX_CHARTS);
  const usages = await Promise.all(
    shown.map((v) =>
      apiGet<VendorUsage>(`/vendors/${encodeURIComponent(v.clientId)}/usage`, { from: list.from, to: list.to }).catch((err: unknown) => {
        return new Error(`${v.clientId}: ${errorText(err)}`);
      }),
    ),
  );
  if (signal.aborted) return;
  // With no range asked for, the charts start at the first day any application pulled records: the API's default
  // 30 days on a week-old hospital drew three quarters of every chart empty. A range the user chose is drawn whole.
  const loaded = usages.filter((u): u is VendorUsage => !(u instanceof Error));
  const firstActive = query.get('from') ? null : loaded.map((u) => u.days.find((d) => d.records > 0)?.day).filter((d): d is string => d !== undefined).sort()[0] ?? null;
  const trim = (u: VendorUsage): VendorUsage => (firstActive === null ? u : { ...u, days: u.days.filter((d) => d.day >= firstActive) });
  replace(charts, usages.map((u) => (u instanceof Error ? h('p', { class: 'error' }, `Could not load usage for ${u.message}`) : usageCard(trim(u)))));
}
