import { apiDownload, apiGet, errorText } from '../api-client.ts';
import type { Query } from '../api-client.ts';
import { announce, field, h, replace, section } from '../dom.ts';
import { dayEndIso, dayStartIso, formatTime } from '../format.ts';
import { localTime } from '../local-time.ts';
import { go, hashFor } from '../router.ts';
import type { PageContext } from '../router.ts';
import type { AuditRow } from '../types.ts';

const FILTERS = ['principal', 'patient', 'alert', 'route'] as const;

/** The API's own audit trail (auditors, privacy officers, admins): who looked at which patient or alert, filtered in the URL. */
export async function auditPage(ctx: PageContext): Promise<void> {
  const { main, me, query, signal } = ctx;
  const tz = me.timezone;
  const input = (name: string, placeholder: string): HTMLInputElement =>
    h('input', { type: 'text', name, value: query.get(name) ?? '', placeholder, autocomplete: 'off', spellcheck: 'false' });
  const controls = {
    principal: input('principal', 'key:k_… or oidc:…'),
    patient: input('patient', 'patient id'),
    alert: input('alert', 'alert id'),
    route: input('route', 'patients.accessReport'),
  };
  const from = h('input', { type: 'date', name: 'from', value: query.get('from') ?? '' });
  const to = h('input', { type: 'date', name: 'to', value: query.get('to') ?? '' });
  const form = h(
    'form',
    { class: 'inline-form', role: 'search', 'aria-label': 'Audit trail filters' },
    field('Principal', controls.principal),
    field('Patient', controls.patient),
    field('Alert', controls.alert),
    field('Route', controls.route),
    field(`From (day, ${tz})`, from),
    field(`To (day, ${tz}, included)`, to),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Apply'), h('a', { href: '#/audit', class: 'button' }, 'Reset')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const params: Record<string, string> = { from: from.value, to: to.value };
    for (const k of FILTERS) params[k] = controls[k].value.trim();
    go(hashFor('/audit', params));
  });
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  replace(main, h('div', { class: 'page-head' }, h('h1', null, 'API audit trail')), section('Filters', 'audit-filters-title', form), body);

  const apiQuery: Query = { limit: 200, from: dayStartIso(query.get('from') ?? '', tz), to: dayEndIso(query.get('to') ?? '', tz) };
  for (const k of FILTERS) if (query.get(k)) apiQuery[k] = query.get(k);
  let page: { from: string; to: string; items: AuditRow[] };
  let names: Record<string, string> = {};
  try {
    page = await apiGet<{ from: string; to: string; items: AuditRow[] }>('/audit', apiQuery);
    const ids = [...new Set(page.items.map((r) => r.principalId))];
    if (ids.length > 0) names = (await apiGet<{ names: Record<string, string> }>('/principal-names', { ids: ids.join(',') })).names;
  } catch (err) {
    replace(body, h('p', { class: 'error', role: 'alert' }, `Could not load the audit trail: ${errorText(err)}`));
    return;
  }
  if (signal.aborted) return;
  const exportCsv = h('button', { type: 'button' }, 'Export CSV');
  exportCsv.addEventListener('click', () => {
    apiDownload('/audit', { ...apiQuery, from: page.from, to: page.to, format: 'csv', limit: 5000 }, 'api-audit.csv')
      .then((r) => announce(`Downloaded ${r.name}.`))
      .catch((err: unknown) => announce(`Export failed: ${errorText(err)}`));
  });
  const filterLink = (name: (typeof FILTERS)[number], value: string, text: string): HTMLElement => h('a', { href: hashFor('/audit', { ...Object.fromEntries(query), [name]: value }) }, text);
  replace(
    body,
    section(
      `Latest ${page.items.length} requests on patient data`,
      'audit-title',
      h('p', { class: 'muted' }, `${formatTime(page.from, tz)} – ${formatTime(page.to, tz)}`),
      h('div', { class: 'actions' }, exportCsv),
      h(
        'table',
        { class: 'table compact', 'data-testid': 'audit-table' },
        h('caption', { class: 'visually-hidden' }, 'API audit trail'),
        h('thead', null, h('tr', null, ['At', 'Who', 'Role', 'Route', 'Status', 'Patients', 'Alerts', 'Actors', 'Address'].map((t) => h('th', { scope: 'col' }, t)))),
        h(
          'tbody',
          null,
          page.items.map((r) =>
            h(
              'tr',
              null,
              h('td', { class: 'nowrap' }, localTime(r.at, tz)),
              h('td', { 'data-testid': 'audit-principal', title: r.principalId }, filterLink('principal', r.principalId, names[r.principalId] ?? r.principalId)),
              h('td', null, r.role),
              h('td', null, filterLink('route', r.routeId, r.routeId)),
              h('td', { class: 'num' }, r.status),
              h('td', null, r.patientIds.slice(0, 5).flatMap((p, i) => [i ? ', ' : '', filterLink('patient', p, p)]), r.patientIds.length > 5 ? ` +${r.patientIds.length - 5}` : ''),
              h('td', null, r.alertIds.slice(0, 3).join(', '), r.alertIds.length > 3 ? ` +${r.alertIds.length - 3}` : ''),
              h('td', null, r.actorIds.join(', ')),
              h('td', null, r.ip),
            ),
          ),
        ),
      ),
    ),
  );
}
