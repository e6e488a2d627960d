import { apiPost, errorText } from './api-client.ts';
import { field, h } from './dom.ts';
import { humanize } from './format.ts';
import { RESOLUTIONS } from './types.ts';
import type { Alert, Me, Resolution, SuppressionBacktest, Triage } from './types.ts';

/**
 * The triage moves shared by the queue (keyboard) and the alert page
 * (buttons). Each sends the triage version the user saw, so a change made
 * meanwhile by someone else is a 409 instead of being overwritten.
 */

export async function assignToMe(alert: Alert, me: Me): Promise<Triage> {
  const r = await apiPost<{ triage: Triage }>(`/alerts/${encodeURIComponent(alert.alertId)}/assign`, {
    assignee: me.id,
    expectedVersion: alert.triage.version,
  });
  return r.triage;
}

export async function startInvestigating(alert: Alert, reason = 'Investigation started'): Promise<Triage> {
  const r = await apiPost<{ triage: Triage }>(`/alerts/${encodeURIComponent(alert.alertId)}/transition`, {
    to: 'investigating',
    reason,
    expectedVersion: alert.triage.version,
  });
  return r.triage;
}

export interface CloseChoice {
  resolution: Resolution;
  reason: string;
  suppressDays: number | null;
}

export async function closeAlert(alert: Alert, choice: CloseChoice): Promise<Triage> {
  const body: Record<string, unknown> = { to: 'closed', resolution: choice.resolution, reason: choice.reason, expectedVersion: alert.triage.version };
  if (choice.suppressDays !== null) body['suppress'] = { days: choice.suppressDays };
  const r = await apiPost<{ triage: Triage }>(`/alerts/${encodeURIComponent(alert.alertId)}/transition`, body);
  return r.triage;
}

const RESOLUTION_HELP: Record<Resolution, string> = {
  false_positive: 'The rule fired on legitimate work (e.g. covering another ward).',
  benign: 'Real, but allowed: no privacy harm.',
  confirmed: 'Inappropriate access: follow the incident procedure.',
};

/** Suppressing (also while closing) is the privacy officer's and the admin's: the API refuses it to analysts. */
export function canSuppress(me: Me): boolean {
  return me.roles.some((r) => r === 'privacy_officer' || r === 'admin');
}

/**
 * Asks for a resolution and a reason in a modal <dialog> (focus is trapped
 * and restored by the browser; Escape cancels). Resolves null on cancel.
 * The suppress option is offered only to those allowed to suppress.
 */
export function askCloseReason(alert: Alert, me: Me): Promise<CloseChoice | null> {
  return new Promise((resolve) => {
    // A preselected "false positive" invites closing a critical alert with one key: high and critical ask for a choice.
    const preselect = alert.severity === 'high' || alert.severity === 'critical' ? null : 'false_positive';
    const radios = RESOLUTIONS.map((r) => {
      const input = h('input', { type: 'radio', name: 'resolution', value: r, id: `resolution-${r}`, required: true, checked: r === preselect });
      return h(
        'div',
        { class: 'choice-row' },
        input,
        h('label', { for: input.id }, h('strong', null, humanize(r)), h('span', { class: 'muted' }, ` — ${RESOLUTION_HELP[r]}`)),
      );
    });
    const reason = h('textarea', { name: 'reason', rows: 3, required: true, maxlength: 4000, class: 'wide' });
    const suppress = h('input', { type: 'checkbox', name: 'suppress', id: 'close-suppress' });
    const days = h('input', { type: 'number', name: 'days', min: 1, max: 365, value: 30, class: 'narrow' });
    const suppressRow = h(
      'div',
      { class: 'suppress-row' },
      h('span', { class: 'choice' }, suppress, h('label', { for: suppress.id }, `Suppress ${alert.ruleId} for ${alert.actorId}`)),
      field('for days', days),
    );
    // Suppressing is backtested first, as on the suppressions page: what it would have hidden over 90 days, and an
    // acknowledgement when a confirmed incident is among them.
    const backtest = h('p', { class: 'small', 'data-testid': 'close-backtest', 'aria-live': 'polite' });
    const ack = h('input', { type: 'checkbox', name: 'ack', id: 'close-ack' });
    const ackRow = h('div', { class: 'notice', hidden: true }, h('span', { class: 'choice' }, ack, h('label', { for: ack.id }, 'I have read the confirmed incidents it would have hidden and still want it.')));
    let confirmedHidden = 0;
    suppress.addEventListener('change', () => {
      backtest.textContent = '';
      ackRow.hidden = true;
      confirmedHidden = 0;
      if (!suppress.checked) return;
      backtest.textContent = 'Checking what it would have hidden…';
      apiPost<SuppressionBacktest>('/suppressions/backtest', { ruleId: alert.ruleId, actorId: alert.actorId })
        .then((b) => {
          confirmedHidden = b.confirmed;
          backtest.textContent = `In the last 90 days it would have hidden ${b.alerts.length} alert${b.alerts.length === 1 ? '' : 's'}${b.confirmed > 0 ? `, ${b.confirmed} of them a confirmed incident` : ', no confirmed incident'}.`;
          backtest.classList.toggle('alarm-text', b.confirmed > 0);
          ackRow.hidden = b.confirmed === 0;
        })
        .catch((err: unknown) => {
          backtest.textContent = `Could not check what it would hide: ${errorText(err)}`;
        });
    });
    const error = h('p', { class: 'error', role: 'alert' });
    const cancel = h('button', { type: 'button' }, 'Cancel');
    const ok = h('button', { type: 'submit', class: 'primary' }, 'Close alert');
    const form = h(
      'form',
      { method: 'dialog' },
      h('h2', { id: 'close-title' }, 'Close alert'),
      h('p', { class: 'muted' }, alert.title),
      h('fieldset', null, h('legend', null, 'Resolution'), radios),
      field('Reason (kept in the alert history)', reason),
      suppressRow,
      backtest,
      ackRow,
      error,
      h('div', { class: 'actions' }, cancel, ok),
    );
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'close-title', 'data-testid': 'close-dialog' }, form);
    const syncSuppress = (): void => {
      const fp = (form.elements.namedItem('resolution') as RadioNodeList).value === 'false_positive';
      suppressRow.hidden = !fp || !canSuppress(me);
      if (suppressRow.hidden && suppress.checked) {
        suppress.checked = false;
        suppress.dispatchEvent(new Event('change'));
      }
    };
    form.addEventListener('change', syncSuppress);
    syncSuppress();
    let result: CloseChoice | null = null;
    form.addEventListener('submit', (ev) => {
      const text = reason.value.trim();
      if (suppress.checked && confirmedHidden > 0 && !ack.checked) {
        ev.preventDefault();
        error.textContent = 'The suppression would have hidden a confirmed incident: tick the box to confirm, or untick Suppress.';
        return;
      }
      if ((form.elements.namedItem('resolution') as RadioNodeList).value === '') {
        ev.preventDefault();
        error.textContent = 'Choose a resolution.';
        return;
      }
      if (text === '') {
        ev.preventDefault();
        error.textContent = 'Give a reason: it is kept in the alert history.';
        reason.focus();
        return;
      }
      result = {
        resolution: (form.elements.namedItem('resolution') as RadioNodeList).value as Resolution,
        reason: text,
        suppressDays: suppress.checked ? Math.min(365, Math.max(1, Number(days.value) || 30)) : null,
      };
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(result);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    reason.focus();
  });
}

export function statusText(t: Triage): string {
  return t.status === 'closed' && t.resolution ? `closed: ${humanize(t.resolution)}` : t.status;
}

export function statusBadge(t: Triage, testId = 'status'): HTMLElement {
  return h('span', { class: `badge status-${t.status}${t.resolution ? ` resolution-${t.resolution}` : ''}`, 'data-testid': testId }, statusText(t));
}

export function severityBadge(sev: string): HTMLElement {
  return h('span', { class: `badge sev-${sev}` }, sev);
}
