import { apiGet, apiPost, errorText, request } from '../api-client.ts';
import { announce, field, h, replace, section } from '../dom.ts';
import { formatNumber, humanize } from '../format.ts';
import { localTime } from '../local-time.ts';
import type { PageContext } from '../router.ts';
import { severityBadge } from '../triage-actions.ts';
import type { Me, SuppressionBacktest, SuppressionHitView, SuppressionReview, SuppressionReviewItem } from '../types.ts';

const DAY = 86_400_000;

/** Roles the API lets create and lift suppressions (permissions.ts): the others see the list and backtests only. */
function mayManage(me: Me): boolean {
  return me.roles.some((r) => r === 'privacy_officer' || r === 'admin');
}

function who(id: string, principals: Record<string, string>, me: Me): string {
  if (id === '') return '—';
  if (id === me.id) return `you (${me.name})`;
  return principals[id] ?? id;
}

function resolutionText(a: { status: string; resolution: string | null }): string {
  return a.status === 'closed' && a.resolution ? `closed: ${humanize(a.resolution)}` : a.status;
}

/** The backtest as a table: what the proposed suppression would have hidden, confirmed incidents first to the eye. */
function backtestTable(b: SuppressionBacktest, tz: string): HTMLElement {
  if (b.alerts.length === 0) return h('p', { class: 'muted', 'data-testid': 'backtest-summary' }, 'It would have hidden no stored alert in the last 90 days.');
  return h(
    'div',
    null,
    h(
      'p',
      { 'data-testid': 'backtest-summary', class: b.confirmed > 0 ? 'alarm-text' : '' },
      `It would have hidden ${formatNumber(b.alerts.length)} alert${b.alerts.length === 1 ? '' : 's'} in the last 90 days`,
      b.confirmed > 0 ? `, ${b.confirmed} of them closed as a confirmed incident.` : ', none of them a confirmed incident.',
      b.truncated ? ' (the newest 1,000 are listed)' : '',
    ),
    h(
      'table',
      { class: 'table compact', 'data-testid': 'backtest-table' },
      h('caption', { class: 'visually-hidden' }, 'Alerts the suppression would have hidden'),
      h('thead', null, h('tr', null, ['Severity', 'Alert', 'Patients', 'Fired', 'Triage'].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        null,
        b.alerts.map((a) =>
          h(
            'tr',
            { class: a.resolution === 'confirmed' ? 'above-peers' : '', 'data-alert-id': a.alertId },
            h('td', null, severityBadge(a.severity)),
            h('td', null, h('a', { href: `#/alerts/${encodeURIComponent(a.alertId)}` }, a.title)),
            h('td', null, a.patientIds.slice(0, 3).join(', '), a.patientCount > 3 ? ` +${a.patientCount - 3}` : ''),
            h('td', { class: 'nowrap' }, localTime(a.firedAt, tz, { short: true })),
            h('td', { 'data-testid': 'backtest-resolution' }, resolutionText(a)),
          ),
        ),
      ),
    ),
  );
}

/**
 * Suppressions: every one with what it has hidden, who made it, until when,
 * and a lift button; a new one is checked against the stored alerts first,
 * and a confirmed incident among them must be acknowledged before saving.
 */
export async function suppressionsPage(ctx: PageContext): Promise<void> {
  const { main, me, query, signal } = ctx;
  const tz = me.timezone;
  const list = h('div', null, h('p', { class: 'muted' }, 'Loading…'));

  // ── a new suppression, backtested first ──
  const text = (name: string, value = '', required = true): HTMLInputElement => h('input', { type: 'text', name, value, required, autocomplete: 'off', spellcheck: 'false' });
  const rule = text('rule', query.get('rule') ?? '');
  const actor = text('actor', query.get('actor') ?? '');
  const patient = text('patient', query.get('patient') ?? '', false);
  const days = h('input', { type: 'number', name: 'days', min: 1, max: 365, value: 30, class: 'narrow' });
  const reason = h('textarea', { name: 'reason', rows: 2, maxlength: 4000, class: 'wide' });
  const result = h('div', { 'aria-live': 'polite' });
  const ack = h('input', { type: 'checkbox', name: 'ack', id: 'ack-confirmed' });
  const ackRow = h('div', { class: 'notice', hidden: true, 'data-testid': 'confirm-ack' }, h('span', { class: 'choice' }, ack, h('label', { for: ack.id, 'data-testid': 'ack-label' }, '')));
  const check = h('button', { type: 'submit', class: 'primary' }, 'Check what it would hide');
  const create = h('button', { type: 'button', disabled: true, 'data-testid': 'create-suppression' }, 'Create suppression');
  const error = h('p', { class: 'error', role: 'alert' });
  let tested: { key: string; backtest: SuppressionBacktest } | null = null;
  const scopeKey = (): string => [rule.value.trim(), actor.value.trim(), patient.value.trim()].join('\u0000');
  const syncCreate = (): void => {
    create.disabled = tested === null || tested.key !== scopeKey() || (tested.backtest.confirmed > 0 && !ack.checked);
  };
  for (const el of [rule, actor, patient]) el.addEventListener('input', syncCreate);
  ack.addEventListener('change', syncCreate);
  const form = h(
    'form',
    { class: 'inline-form', 'aria-label': 'New suppression' },
    field('Rule id', rule),
    field('Actor id', actor),
    field('Patient id (empty: every patient)', patient),
    field('Days', days),
    h('div', { class: 'filter-actions' }, check),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    error.textContent = '';
    const key = scopeKey();
    apiPost<SuppressionBacktest>('/suppressions/backtest', { ruleId: rule.value.trim(), actorId: actor.value.trim(), patientId: patient.value.trim() || null })
      .then((b) => {
        tested = { key, backtest: b };
        replace(result, backtestTable(b, tz));
        ack.checked = false;
        ackRow.hidden = b.confirmed === 0;
        const label = ackRow.querySelector('label');
        if (label) label.textContent = `I have read the ${b.confirmed} confirmed incident${b.confirmed === 1 ? '' : 's'} above and still want this actor’s next alerts of this rule hidden.`;
        syncCreate();
      })
      .catch((err: unknown) => {
        error.textContent = `Could not run the backtest: ${errorText(err)}`;
      });
  });
  create.addEventListener('click', () => {
    if (tested === null) return;
    if (reason.value.trim() === '') {
      error.textContent = 'Give a reason: it is kept with the suppression.';
      reason.focus();
      return;
    }
    const n = Math.min(365, Math.max(1, Number(days.value) || 30));
    apiPost('/suppressions', {
      ruleId: rule.value.trim(),
      actorId: actor.value.trim(),
      patientId: patient.value.trim() || null,
      expiresAt: new Date(Date.now() + n * DAY).toISOString(),
      reason: reason.value.trim(),
    })
      .then(async () => {
        announce('Suppression created.');
        tested = null;
        replace(result);
        ackRow.hidden = true;
        reason.value = '';
        syncCreate();
        await loadList();
      })
      .catch((err: unknown) => {
        error.textContent = `Could not create the suppression: ${errorText(err)}`;
      });
  });

  async function showHidden(item: SuppressionReviewItem, cell: HTMLElement): Promise<void> {
    try {
      const r = await apiGet<{ items: SuppressionHitView[] }>(`/suppression-review/${encodeURIComponent(item.suppression.suppressionId)}/hidden`);
      replace(
        cell,
        h(
          'ul',
          { class: 'hidden-alerts', 'data-testid': 'hidden-alerts' },
          r.items.map((x) => {
            // A hidden alert was never stored: the link is the actor's timeline on the day it would have fired.
            const day = x.firedAt.slice(0, 10);
            return h('li', null, severityBadge(x.severity), ' ', h('a', { href: `#/actors/${encodeURIComponent(x.actorId)}?from=${day}&to=${day}` }, x.title), ' ', localTime(x.firedAt, tz, { short: true, class: 'muted small' }));
          }),
        ),
      );
    } catch (err) {
      replace(cell, h('p', { class: 'error' }, `Could not load: ${errorText(err)}`));
    }
  }

  async function lift(item: SuppressionReviewItem): Promise<void> {
    const s = item.suppression;
    if (!window.confirm(`Lift the suppression of ${s.ruleId} for ${s.actorId}${s.patientId ? ` and ${s.patientId}` : ''}? Its alerts are raised again.`)) return;
    try {
      await request('DELETE', `/suppressions/${encodeURIComponent(s.suppressionId)}`);
      announce('Suppression lifted: the detector raises these alerts again within a minute.');
      await loadList();
    } catch (err) {
      announce(`Could not lift it: ${errorText(err)}`);
    }
  }

  async function loadList(): Promise<void> {
    let review: SuppressionReview;
    try {
      review = await apiGet<SuppressionReview>('/suppression-review');
    } catch (err) {
      replace(list, h('p', { class: 'error', role: 'alert' }, `Could not load the suppressions: ${errorText(err)}`));
      return;
    }
    if (signal.aborted) return;
    if (review.items.length === 0) {
      replace(list, h('p', { class: 'muted' }, 'No suppressions yet. Closing an alert as a false positive can create one, or use the form above.'));
      return;
    }
    replace(
      list,
      h(
        'table',
        { class: 'table compact', 'data-testid': 'suppression-table' },
        h('caption', { class: 'visually-hidden' }, 'Suppressions, newest first'),
        h('thead', null, h('tr', null, ['Rule', 'Actor', 'Patient', 'Reason', 'Made by', 'Until', 'State', 'Hidden', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h(
          'tbody',
          null,
          review.items.map((item) => {
            const s = item.suppression;
            const hiddenCell = h('div', null);
            const hiddenButton = h('button', { type: 'button', class: 'small-button', 'data-testid': 'hidden-count', disabled: item.hidden === 0 }, `${formatNumber(item.hidden)} hidden`);
            hiddenButton.addEventListener('click', () => void showHidden(item, hiddenCell));
            const liftButton = item.state === 'active' && mayManage(me) ? h('button', { type: 'button', class: 'small-button' }, 'Lift') : null;
            liftButton?.addEventListener('click', () => void lift(item));
            return h(
              'tr',
              { 'data-suppression-id': s.suppressionId },
              h('td', null, h('code', null, s.ruleId)),
              h('td', null, h('a', { href: `#/actors/${encodeURIComponent(s.actorId)}` }, s.actorId)),
              h('td', null, s.patientId ?? 'every patient'),
              h('td', null, s.reason, s.sourceAlertId ? h('div', { class: 'small' }, h('a', { href: `#/alerts/${encodeURIComponent(s.sourceAlertId)}` }, 'from the alert it closed')) : null),
              h('td', null, who(s.createdBy, review.principals, me), h('div', { class: 'small muted' }, localTime(s.createdAt, tz, { short: true }))),
              h('td', { class: 'nowrap' }, localTime(s.expiresAt, tz, { short: true })),
              h('td', { 'data-testid': 'suppression-state' }, item.state === 'lifted' ? `lifted by ${who(s.revokedBy, review.principals, me)}` : item.state),
              h('td', null, hiddenButton, hiddenCell),
              h('td', null, liftButton),
            );
          }),
        ),
      ),
    );
  }

  replace(
    main,
    h('div', { class: 'page-head' }, h('h1', null, 'Suppressions')),
    mayManage(me)
      ? section(
          'New suppression',
          'new-suppression-title',
          h('p', { class: 'muted small' }, 'A suppression hides one rule’s alerts for one actor (optionally one patient) until it expires. It is checked first against the stored alerts of the last 90 days.'),
          form,
          result,
          ackRow,
          field('Reason (kept with the suppression)', reason),
          error,
          h('div', { class: 'actions' }, create),
        )
      : null,
    section('All suppressions', 'suppressions-title', list),
  );
  await loadList();
}
