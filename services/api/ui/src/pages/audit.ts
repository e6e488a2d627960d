import { apiDownload, apiGet, errorText } from '../api-client.ts';
import { announce, h, replace, section } from '../dom.ts';
import { formatTime } from '../format.ts';
import { localTime } from '../local-time.ts';
import type { PageContext } from '../router.ts';
import type { AuditRow } from '../types.ts';

/** The API's own audit trail (auditors and admins): who looked at which patient or alert. */
export async function auditPage(ctx: PageContext): Promise<void> {
  const { main, me, signal } = ctx;
  replace(main, h('div', { class: 'page-head' }, h('h1', null, 'API audit trail')), h('p', { class: 'muted' }, 'Loading…'));
  let page: { from: string; to: string; items: AuditRow[] };
  try {
    page = await apiGet<{ from: string; to: string; items: AuditRow[] }>('/audit', { limit: 200 });
  } catch (err) {
    replace(main, h('div', { class: 'page-head' }, h('h1', null, 'API audit trail')), h('p', { class: 'error', role: 'alert' }, `Could not load the audit trail: ${errorText(err)}`));
    return;
  }
  if (signal.aborted) return;
  const exportCsv = h('button', { type: 'button' }, 'Export CSV');
  exportCsv.addEventListener('click', () => {
    apiDownload('/audit', { from: page.from, to: page.to, format: 'csv', limit: 5000 }, 'api-audit.csv')
      .then((r) => announce(`Downloaded ${r.name}.`))
      .catch((err: unknown) => announce(`Export failed: ${errorText(err)}`));
  });
  replace(
    main,
    h('div', { class: 'page-head' }, h('h1', null, 'API audit trail')),
    section(
      `Latest ${page.items.length} requests on patient data`,
      'audit-title',
      h('p', { class: 'muted' }, `${formatTime(page.from, me.timezone)} – ${formatTime(page.to, me.timezone)}`),
      h('div', { class: 'actions' }, exportCsv),
      h(
        'table',
        { class: 'table compact' },
        h('caption', { class: 'visually-hidden' }, 'API audit trail'),
        h('thead', null, h('tr', null, ['At', 'Principal', 'Role', 'Route', 'Status', 'Patients', 'Alerts', 'Actors', 'Address'].map((t) => h('th', { scope: 'col' }, t)))),
        h(
          'tbody',
          null,
          page.items.map((r) =>
            h(
              'tr',
              null,
              h('td', { class: 'nowrap' }, localTime(r.at, me.timezone)),
              h('td', null, r.principalId),
              h('td', null, r.role),
              h('td', null, h('code', null, r.routeId)),
              h('td', { class: 'num' }, r.status),
              h('td', null, r.patientIds.slice(0, 5).join(', '), r.patientIds.length > 5 ? ` +${r.patientIds.length - 5}` : ''),
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
