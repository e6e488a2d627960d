import { ApiRequestError, apiGet, errorText } from '../api-client.ts';
import { announce, field, h, replace } from '../dom.ts';
import { dayEndIso, dayStartIso } from '../format.ts';
import { localTime } from '../local-time.ts';
import { go, hashFor } from '../router.ts';
import type { PageContext } from '../router.ts';
import { actorLabel, canSeeNames, mergeNames, patientLabel } from '../session.ts';
import { askCloseReason, assignToMe, closeAlert, severityBadge, startInvestigating, statusBadge, statusText } from '../triage-actions.ts';
import { SEVERITIES, STATUSES } from '../types.ts';
import type { Alert, AlertPage, AlertStatus, Me, Names, Triage } from '../types.ts';

export const LAST_QUEUE_KEY = 'chartwatch.lastQueue';
const DEFAULT_STATUSES: readonly AlertStatus[] = ['new', 'investigating'];
const SORTS = [
  ['-firedAt', 'Newest first'],
  ['firedAt', 'Oldest first'],
  ['-severity', 'Most severe first'],
  ['severity', 'Least severe first'],
] as const;

function listParam(q: URLSearchParams, name: string): string[] {
  return (q.get(name) ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

export function assigneeText(assignee: string | null, me: Me): string {
  if (assignee === null || assignee === '') return '—';
  return assignee === me.id ? 'me' : assignee;
}

/** The triage queue: filters in the URL, a keyboard-driven table, cursor paging. */
export async function queuePage(ctx: PageContext): Promise<void> {
  const { main, query, me, signal } = ctx;
  sessionStorage.setItem(LAST_QUEUE_KEY, location.hash);
  const statuses = query.has('status') ? listParam(query, 'status') : [...DEFAULT_STATUSES];
  const severities = listParam(query, 'severity');
  const withNames = canSeeNames(me);

  // ── filters ──
  const statusBoxes = STATUSES.map((st) => {
    const input = h('input', { type: 'checkbox', name: 'status', value: st, id: `st-${st}`, checked: statuses.includes(st) });
    return h('span', { class: 'choice' }, input, h('label', { for: input.id }, st));
  });
  const severityBoxes = SEVERITIES.map((sv) => {
    const input = h('input', { type: 'checkbox', name: 'severity', value: sv, id: `sv-${sv}`, checked: severities.includes(sv) });
    return h('span', { class: 'choice' }, input, h('label', { for: input.id }, sv));
  });
  const text = (name: string, placeholder: string): HTMLInputElement =>
    h('input', { type: 'text', name, value: query.get(name) ?? '', placeholder, autocomplete: 'off', spellcheck: 'false' });
  const rule = text('rule', 'vip-snoop, after-hours-bulk');
  const actor = text('actor', 'actor id');
  const patient = text('patient', 'patient id');
  const application = text('application', 'client id');
  const from = h('input', { type: 'date', name: 'from', value: query.get('from') ?? '' });
  const to = h('input', { type: 'date', name: 'to', value: query.get('to') ?? '' });
  const sort = h('select', { name: 'sort' }, SORTS.map(([v, label]) => h('option', { value: v, selected: (query.get('sort') ?? '-firedAt') === v }, label)));
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Alert filters' },
    h('fieldset', { class: 'inline' }, h('legend', null, 'Status'), statusBoxes),
    h('fieldset', { class: 'inline' }, h('legend', null, 'Severity'), severityBoxes),
    field('Rule', rule),
    field('Actor', actor),
    field('Patient', patient),
    field('Application', application),
    field(`Fired from (day, ${me.timezone})`, from),
    field(`Fired to (day, ${me.timezone}, included)`, to),
    field('Sort', sort),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Apply'), h('a', { href: '#/alerts', class: 'button' }, 'Reset')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const fd = new FormData(form);
    const params = new URLSearchParams();
    params.set('status', fd.getAll('status').join(','));
    const sev = fd.getAll('severity').join(',');
    if (sev) params.set('severity', sev);
    for (const name of ['rule', 'actor', 'patient', 'application', 'from', 'to']) {
      const v = String(fd.get(name) ?? '').trim();
      if (v) params.set(name, v);
    }
    if (sort.value !== '-firedAt') params.set('sort', sort.value);
    go(hashFor('/alerts', params));
  });

  const summary = h('p', { class: 'muted', id: 'queue-summary', 'aria-live': 'polite' }, 'Loading alerts…');
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'table queue', 'aria-describedby': 'queue-summary queue-keys', 'data-testid': 'alert-queue' },
    h('caption', { class: 'visually-hidden' }, 'Alerts'),
    h(
      'thead',
      null,
      h('tr', null, ['Severity', 'Alert', 'Actor', 'Patients', 'Fired', 'Status', 'Assignee'].map((t) => h('th', { scope: 'col' }, t))),
    ),
    tbody,
  );
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const keys = h(
    'p',
    { class: 'keys', id: 'queue-keys' },
    'Keyboard: ',
    ...[
      ['j', 'next'],
      ['k', 'previous'],
      ['Enter', 'open'],
      ['a', 'assign to me'],
      ['i', 'investigating'],
      ['c', 'close with reason'],
    ].flatMap(([k, what]) => [h('kbd', null, k), ` ${what}  `]),
  );

  replace(
    main,
    h('div', { class: 'page-head' }, h('h1', null, 'Alert queue'), h('a', { href: '#/cases', 'data-testid': 'view-cases' }, 'View as cases'), keys),
    h('div', { class: 'queue-layout' }, h('aside', { 'aria-label': 'Filters', class: 'card filters-card' }, form), h('section', { class: 'card', 'aria-label': 'Alerts' }, summary, table, more)),
  );

  // ── state ──
  const items: Alert[] = [];
  let names: Names | undefined;
  let cursor: string | null = null;
  let selected = -1;
  const rows = new Map<string, HTMLTableRowElement>();

  const apiQuery = {
    status: statuses,
    severity: severities,
    rule: listParam(query, 'rule'),
    actor: query.get('actor'),
    patient: query.get('patient'),
    application: query.get('application'),
    from: dayStartIso(query.get('from') ?? '', me.timezone),
    to: dayEndIso(query.get('to') ?? '', me.timezone),
    sort: query.get('sort') ?? '-firedAt',
    limit: 50,
    resolveNames: withNames ? 'true' : null,
  };

  function renderRow(a: Alert): HTMLTableRowElement {
    const first = a.patientIds[0];
    const rest = a.patientCount - (first === undefined ? 0 : 1);
    const tr = h(
      'tr',
      { 'data-alert-id': a.alertId, tabindex: -1, class: `sev-row-${a.severity}` },
      h('td', null, severityBadge(a.severity)),
      // The rule under the title rather than in its own column: with names resolved, eight columns overflowed a 1440 px card.
      h('td', { class: 'title-cell' }, h('a', { href: `#/alerts/${encodeURIComponent(a.alertId)}` }, a.title), h('div', { class: 'small muted' }, h('code', null, a.ruleId))),
      h('td', { class: 'name-cell' }, h('a', { href: `#/actors/${encodeURIComponent(a.actorId)}` }, actorLabel(a.actorId, names))),
      h('td', { class: 'name-cell' }, first === undefined ? '—' : patientLabel(first, names), rest > 0 ? h('span', { class: 'muted nowrap' }, ` +${rest}`) : null),
      h('td', { class: 'nowrap' }, localTime(a.firedAt, me.timezone, { short: true })),
      h('td', null, statusBadge(a.triage)),
      h('td', { class: 'assignee nowrap', title: a.triage.assignee ?? '' }, assigneeText(a.triage.assignee, me)),
    );
    tr.addEventListener('click', (ev) => {
      if (!(ev.target instanceof HTMLAnchorElement)) select(items.indexOf(a));
    });
    return tr;
  }

  function select(i: number, focus = true): void {
    if (items.length === 0) return;
    const next = Math.max(0, Math.min(items.length - 1, i));
    const prev = items[selected];
    if (prev) rows.get(prev.alertId)?.classList.remove('selected');
    selected = next;
    const a = items[selected];
    const tr = a ? rows.get(a.alertId) : undefined;
    if (tr) {
      tr.classList.add('selected');
      if (focus) {
        tr.focus();
        tr.scrollIntoView({ block: 'nearest' });
      }
    }
  }

  function updateSummary(): void {
    summary.textContent = items.length === 0 ? 'No alerts match these filters.' : `${items.length} alert${items.length === 1 ? '' : 's'} shown${cursor ? ' (more available)' : ''}.`;
  }

  function applyTriage(a: Alert, triage: Triage): void {
    a.triage = triage;
    const old = rows.get(a.alertId);
    if (!statuses.includes(triage.status)) {
      // Out of this view's filter: it leaves the queue now, and the next alert takes its place.
      const idx = items.indexOf(a);
      items.splice(idx, 1);
      old?.remove();
      rows.delete(a.alertId);
      if (selected >= items.length) selected = items.length - 1;
      const keep = selected;
      selected = -1;
      select(keep);
      updateSummary();
      return;
    }
    const fresh = renderRow(a);
    rows.set(a.alertId, fresh);
    old?.replaceWith(fresh);
    if (items[selected] === a) {
      fresh.classList.add('selected');
      fresh.focus();
    }
  }

  async function act(kind: 'assign' | 'investigate' | 'close'): Promise<void> {
    const a = items[selected];
    if (!a) return;
    try {
      let triage: Triage;
      if (kind === 'assign') {
        triage = await assignToMe(a, me);
        announce(`Alert assigned to you: ${a.title}`);
      } else if (kind === 'investigate') {
        if (a.triage.status === 'investigating') return announce('Already investigating.');
        triage = await startInvestigating(a);
        announce(`Investigating: ${a.title}`);
      } else {
        if (a.triage.status === 'closed') return announce('Already closed.');
        const choice = await askCloseReason(a, me);
        if (choice === null) {
          rows.get(a.alertId)?.focus();
          return;
        }
        triage = await closeAlert(a, choice);
        announce(`Alert ${statusText(triage)}: ${a.title}`);
      }
      applyTriage(a, triage);
    } catch (err) {
      if (err instanceof ApiRequestError && err.status === 409) {
        announce('Someone else changed this alert meanwhile; it has been reloaded. Try again.');
        const fresh = await apiGet<Alert>(`/alerts/${encodeURIComponent(a.alertId)}`);
        applyTriage(a, fresh.triage);
      } else {
        announce(`Could not update the alert: ${errorText(err)}`);
      }
    }
  }

  document.addEventListener(
    'keydown',
    (ev) => {
      if (ev.altKey || ev.ctrlKey || ev.metaKey || isTyping(ev.target) || document.querySelector('dialog[open]')) return;
      const handled = ['j', 'k', 'a', 'i', 'c', 'Enter'];
      if (!handled.includes(ev.key)) return;
      if (ev.key === 'Enter' && ev.target instanceof HTMLAnchorElement) return; // a focused link opens itself
      ev.preventDefault();
      if (ev.key === 'j') select(selected + 1);
      else if (ev.key === 'k') select(selected <= 0 ? 0 : selected - 1);
      else if (ev.key === 'Enter') {
        const a = items[selected];
        if (a) go(`#/alerts/${encodeURIComponent(a.alertId)}`);
      } else void act(ev.key === 'a' ? 'assign' : ev.key === 'i' ? 'investigate' : 'close');
    },
    { signal },
  );

  async function loadPage(): Promise<void> {
    more.disabled = true;
    try {
      const page = await apiGet<AlertPage>('/alerts', { ...apiQuery, cursor });
      if (signal.aborted) return;
      names = mergeNames(names, page.names);
      cursor = page.nextCursor;
      for (const a of page.items) {
        items.push(a);
        const tr = renderRow(a);
        rows.set(a.alertId, tr);
        tbody.appendChild(tr);
      }
      more.hidden = cursor === null;
      updateSummary();
      if (selected < 0 && items.length > 0) select(0, false);
    } catch (err) {
      summary.textContent = `Could not load alerts: ${errorText(err)}`;
      summary.classList.add('error');
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', () => void loadPage());
  await loadPage();
  if (query.get('focus') !== 'filters') main.querySelector<HTMLElement>('tr.selected')?.focus();
}
