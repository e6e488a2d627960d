import { apiGet, errorText } from '../api-client.ts';
import { announce, h, replace } from '../dom.ts';
import { localTime } from '../local-time.ts';
import { go, hashFor } from '../router.ts';
import type { PageContext } from '../router.ts';
import { askCloseReason, assignToMe, closeAlert, severityBadge, statusBadge } from '../triage-actions.ts';
import type { Alert, AlertCase } from '../types.ts';

/**
 * The queue as cases: one actor's (or one patient's) open alerts chained
 * within a span, on one timeline, assigned and closed together so a case has
 * one owner and one resolution.
 */
export async function casesPage(ctx: PageContext): Promise<void> {
  const { main, me, query, signal } = ctx;
  const by = query.get('by') === 'patient' ? 'patient' : 'actor';
  const spanHours = Number(query.get('span') ?? '24') || 24;
  const toggle = h(
    'p',
    { class: 'small' },
    'Group by ',
    by === 'actor' ? h('strong', null, 'actor') : h('a', { href: hashFor('/cases', { by: 'actor', span: String(spanHours) }) }, 'actor'),
    ' · ',
    by === 'patient' ? h('strong', null, 'patient') : h('a', { href: hashFor('/cases', { by: 'patient', span: String(spanHours) }) }, 'patient'),
    ` · alerts within ${spanHours} h of each other · `,
    h('a', { href: '#/alerts' }, 'back to the alert queue'),
  );
  const list = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  replace(main, h('div', { class: 'page-head' }, h('h1', null, 'Cases'), toggle), list);

  let cases: AlertCase[];
  try {
    cases = (await apiGet<{ items: AlertCase[] }>('/cases', { by, spanHours })).items;
  } catch (err) {
    replace(list, h('p', { class: 'error', role: 'alert' }, `Could not load the cases: ${errorText(err)}`));
    return;
  }
  if (signal.aborted) return;

  async function assignAll(c: AlertCase): Promise<void> {
    try {
      for (const a of c.alerts) if (a.triage.assignee !== me.id) a.triage = await assignToMe(a, me);
      announce(`Case assigned to you: ${c.alerts.length} alerts.`);
      go(location.hash);
    } catch (err) {
      announce(`Could not assign the case: ${errorText(err)}`);
    }
  }

  async function closeAll(c: AlertCase): Promise<void> {
    const worst = c.alerts.find((a) => a.severity === c.severity) ?? (c.alerts[0] as Alert);
    const choice = await askCloseReason({ ...worst, title: `Case: ${c.alerts.length} alerts of ${c.subject}` }, me);
    if (choice === null) return;
    try {
      for (const a of c.alerts) a.triage = await closeAlert(a, { ...choice, suppressDays: null });
      announce(`Case closed: ${c.alerts.length} alerts, ${choice.resolution.replace('_', ' ')}.`);
      go(location.hash);
    } catch (err) {
      announce(`Could not close the case: ${errorText(err)}`);
    }
  }

  if (cases.length === 0) {
    replace(list, h('p', { class: 'muted' }, 'No open alerts.'));
    return;
  }
  replace(
    list,
    cases.map((c) => {
      const assign = h('button', { type: 'button', class: 'small-button' }, 'Assign case to me');
      const close = h('button', { type: 'button', class: 'small-button primary', 'data-testid': 'close-case' }, 'Close case…');
      assign.addEventListener('click', () => void assignAll(c));
      close.addEventListener('click', () => void closeAll(c));
      const subject = by === 'actor' ? h('a', { href: `#/actors/${encodeURIComponent(c.subject)}` }, c.subject) : h('a', { href: `#/patients/${encodeURIComponent(c.subject)}` }, c.subject);
      const owners = [...new Set(c.alerts.map((a) => a.triage.assignee ?? ''))];
      return h(
        'section',
        { class: 'card case-card', 'data-case-id': c.caseId, 'data-testid': 'case', 'aria-label': `Case of ${c.subject}` },
        h(
          'div',
          { class: 'card-head' },
          severityBadge(c.severity),
          h('h2', null, `${by === 'actor' ? 'Actor' : 'Patient'} `, subject, `: ${c.alerts.length} alert${c.alerts.length === 1 ? '' : 's'}`),
          h('p', { class: 'muted small' }, localTime(c.firstFiredAt, me.timezone, { short: true }), ' – ', localTime(c.lastFiredAt, me.timezone, { short: true })),
          h('p', { class: 'small', 'data-testid': 'case-owner' }, owners.length === 1 && owners[0] !== '' ? `owner: ${owners[0] === me.id ? 'you' : owners[0]}` : owners.length > 1 ? 'owners differ' : 'unassigned'),
          h('div', { class: 'actions' }, assign, close),
        ),
        h(
          'ol',
          { class: 'timeline', 'data-testid': 'case-timeline' },
          c.alerts.map((a) =>
            h(
              'li',
              { class: 'timeline-item', 'data-alert-id': a.alertId },
              localTime(a.firedAt, me.timezone, { class: 'timeline-time' }),
              h('div', { class: 'timeline-body' }, severityBadge(a.severity), ' ', h('a', { href: `#/alerts/${encodeURIComponent(a.alertId)}` }, a.title), ' ', h('code', { class: 'small' }, a.ruleId), ' ', statusBadge(a.triage)),
            ),
          ),
        ),
      );
    }),
  );
}
