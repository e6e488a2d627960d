import { describe, expect, it } from 'vitest';
import type { Alert } from '@chartwatch/detect';
import type { QueuedAlert } from './alert-list.ts';
import { untouchedTriage } from './alert-triage.ts';
import { groupCases } from './alert-cases.ts';

const HOUR = 3_600_000;

function queued(alertId: string, actorId: string, firedAt: string, severity: Alert['severity'], patientIds: string[] = ['p1']): QueuedAlert {
  return { alert: { alertId, actorId, firedAt, severity, patientIds, patientCount: patientIds.length } as Alert, triage: untouchedTriage(alertId) };
}

describe('groupCases', () => {
  it('chains one actor’s alerts within the span into one case, oldest first, with the worst severity', () => {
    const items = [
      queued('a3', 'u1', '2026-03-03T04:00:00.000Z', 'medium'),
      queued('a1', 'u1', '2026-03-03T01:00:00.000Z', 'high'),
      queued('a2', 'u1', '2026-03-03T02:30:00.000Z', 'critical'),
      queued('b1', 'u2', '2026-03-03T02:00:00.000Z', 'low'),
      // A day later: another case of u1.
      queued('a4', 'u1', '2026-03-05T01:00:00.000Z', 'low'),
    ];
    const cases = groupCases(items, 'actor', 12 * HOUR);
    expect(cases.map((c) => c.alerts.map((q) => q.alert.alertId))).toEqual([['a1', 'a2', 'a3'], ['a4'], ['b1']]);
    expect(cases[0]).toMatchObject({ caseId: 'actor:u1:a1', subject: 'u1', severity: 'critical', firstFiredAt: '2026-03-03T01:00:00.000Z', lastFiredAt: '2026-03-03T04:00:00.000Z' });
  });

  it('groups per patient: an alert naming two patients is in both patients’ cases', () => {
    const items = [queued('a1', 'u1', '2026-03-03T01:00:00.000Z', 'high', ['p1', 'p2']), queued('a2', 'u2', '2026-03-03T02:00:00.000Z', 'high', ['p2'])];
    const cases = groupCases(items, 'patient', 24 * HOUR);
    expect(cases.map((c) => [c.subject, c.alerts.map((q) => q.alert.alertId)])).toEqual([['p2', ['a1', 'a2']], ['p1', ['a1']]]);
  });
});
