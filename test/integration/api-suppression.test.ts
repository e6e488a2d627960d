import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDetector, loadRulesDir } from '@chartwatch/detect';
import type { Alert, Detector } from '@chartwatch/detect';
import type { AccessEvent } from '@chartwatch/event';
import { ReferenceIndex } from '@chartwatch/reference';
import { activeSuppressions, isSuppressed } from '../../services/api/src/index.ts';
import type { Suppression } from '../../services/api/src/index.ts';
import type { ApiHarness } from './api-harness.ts';
import { json, makeEvent, openHarness } from './api-harness.ts';

/**
 * A suppression created through the API (closing an alert as a false
 * positive) is honoured by the detector: the real detection core with the
 * shipped rule pack raises the same rule for the same actor and patient
 * again, and the suppression list loaded back from ClickHouse marks exactly
 * that alert suppressed, until the suppression is revoked or expires.
 */

let h: ApiHarness;
let now = new Date('2025-03-03T12:00:00.000Z');
let detector: Detector;

const reference = new ReferenceIndex({
  staff: ['u-bob', 'u-carol'].map((actorId) => ({
    actorId,
    givenName: null,
    familyName: null,
    address: null,
    department: 'cardiology',
    role: 'physician',
    hiredAt: '2020-01-01T00:00:00.000Z',
    terminatedAt: null,
  })),
  patients: ['p-vip', 'p-vip2'].map((patientId) => ({
    patientId,
    givenName: null,
    familyName: null,
    address: null,
    birthDate: null,
    deceasedAt: null,
    vip: true,
    employeeActorId: null,
  })),
  vendors: [],
  encounters: [],
});

/** What the detector service does with each alert: raise it, or record it as suppressed. */
function detect(events: AccessEvent[], suppressions: readonly Suppression[]): { raised: Alert[]; suppressed: Alert[] } {
  const raised: Alert[] = [];
  const suppressed: Alert[] = [];
  for (const e of events) for (const a of detector.process(e)) (isSuppressed(a, suppressions) ? suppressed : raised).push(a);
  return { raised, suppressed };
}

const read = (eventId: string, actorId: string, patient: string, time: string) =>
  makeEvent({ eventId, actorId, patientIds: [patient], time });

beforeAll(async () => {
  h = await openHarness('api_suppression', { clock: () => now });
  const rules = (await loadRulesDir(fileURLToPath(new URL('../../rules', import.meta.url)))).filter((r) => r.id === 'vip-snoop');
  expect(rules).toHaveLength(1);
  detector = createDetector({ rules, reference });
});
afterAll(async () => {
  await h?.close();
});

describe('suppression honoured by the detector', () => {
  it('silences the rule for that actor and patient only, until revoked or expired', async () => {
    // Day 1: Bob opens a VIP chart; the detector raises an alert, stored like the detector service stores it.
    const day1 = [read('ev-s1', 'u-bob', 'p-vip', '2025-03-03T10:00:00.000Z')];
    const first = detect(day1, []);
    expect(first.raised.map((a) => [a.ruleId, a.actorId, a.patientIds])).toEqual([['vip-snoop', 'u-bob', ['p-vip']]]);
    await h.store.writeEvents(day1);
    await h.store.writeAlerts(first.raised);
    const alertId = first.raised[0]!.alertId;

    // The privacy officer closes it as a false positive (Bob covers that patient's ward), suppressing rule + actor + patient for 14 days.
    const closed = await h.app.inject({
      method: 'POST',
      url: `/alerts/${alertId}/transition`,
      headers: h.as.privacy_officer,
      payload: { to: 'closed', resolution: 'false_positive', reason: 'covering physician this month', suppress: { patientId: 'p-vip', days: 14 } },
    });
    expect(closed.statusCode, closed.body).toBe(200);
    const suppressionId = json<{ suppression: { suppressionId: string } }>(closed).suppression.suppressionId;

    // The detector service reloads active suppressions from ClickHouse.
    now = new Date('2025-03-05T00:00:00.000Z');
    let active = await activeSuppressions(h.store, now.toISOString());
    expect(active.map((s) => [s.ruleId, s.actorId, s.patientId])).toEqual([['vip-snoop', 'u-bob', 'p-vip']]);

    // Day 3: the same access again, plus two that must still alert.
    const day3 = [
      read('ev-s2', 'u-bob', 'p-vip', '2025-03-05T09:00:00.000Z'),
      read('ev-s3', 'u-bob', 'p-vip2', '2025-03-05T09:05:00.000Z'),
      read('ev-s4', 'u-carol', 'p-vip', '2025-03-05T09:10:00.000Z'),
    ];
    const second = detect(day3, active);
    expect(second.suppressed.map((a) => [a.actorId, a.patientIds])).toEqual([['u-bob', ['p-vip']]]);
    expect(second.raised.map((a) => [a.actorId, a.patientIds]).sort()).toEqual([
      ['u-bob', ['p-vip2']],
      ['u-carol', ['p-vip']],
    ]);

    // Revoked: the next day's access alerts again.
    now = new Date('2025-03-06T00:00:00.000Z');
    expect((await h.app.inject({ method: 'DELETE', url: `/suppressions/${suppressionId}`, headers: h.as.privacy_officer })).statusCode).toBe(200);
    active = await activeSuppressions(h.store, now.toISOString());
    expect(active).toEqual([]);
    const third = detect([read('ev-s5', 'u-bob', 'p-vip', '2025-03-06T09:00:00.000Z')], active);
    expect(third.raised).toHaveLength(1);
    expect(third.suppressed).toHaveLength(0);
  });

  it('stops suppressing when it expires, by the alert\u2019s own event time', async () => {
    const created = await h.app.inject({
      method: 'POST',
      url: '/suppressions',
      headers: h.as.privacy_officer,
      payload: { ruleId: 'vip-snoop', actorId: 'u-carol', expiresAt: '2025-03-09T00:00:00Z', reason: 'ward cover' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const active = await activeSuppressions(h.store, now.toISOString());
    const before = detect([read('ev-s6', 'u-carol', 'p-vip2', '2025-03-08T09:00:00.000Z')], active);
    expect(before.suppressed).toHaveLength(1);
    const after = detect([read('ev-s7', 'u-carol', 'p-vip2', '2025-03-09T09:00:00.000Z')], active);
    expect(after.raised).toHaveLength(1);
  });
});
