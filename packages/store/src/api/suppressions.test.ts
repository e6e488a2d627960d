import { describe, expect, it } from 'vitest';
import { isSuppressed, matchingSuppressions } from './suppressions.ts';
import type { Suppression, SuppressibleAlert } from './suppressions.ts';

const base: Suppression = {
  suppressionId: 's1',
  ruleId: 'vip-snoop',
  actorId: 'u-bob',
  patientId: null,
  expiresAt: '2025-03-10T00:00:00.000Z',
  createdAt: '2025-03-01T00:00:00.000Z',
  createdBy: 'key:k1',
  reason: 'covering',
  sourceAlertId: 'al-1',
  revokedAt: null,
  revokedBy: '',
};
const alert: SuppressibleAlert = { ruleId: 'vip-snoop', actorId: 'u-bob', patientIds: ['p-1'], patientCount: 1, firedAt: '2025-03-05T00:00:00.000Z' };

describe('isSuppressed', () => {
  it('matches rule and actor for every patient when no patient is given', () => {
    expect(isSuppressed(alert, [base])).toBe(true);
    expect(isSuppressed({ ...alert, patientIds: ['p-1', 'p-2'], patientCount: 2 }, [base])).toBe(true);
  });

  it('needs the same rule and the same actor', () => {
    expect(isSuppressed({ ...alert, ruleId: 'family-snoop' }, [base])).toBe(false);
    expect(isSuppressed({ ...alert, actorId: 'u-carol' }, [base])).toBe(false);
    expect(isSuppressed(alert, [])).toBe(false);
  });

  it('ends at expiry, judged by the alert\u2019s own event time, and when revoked', () => {
    expect(isSuppressed({ ...alert, firedAt: '2025-03-09T23:59:59.999Z' }, [base])).toBe(true);
    expect(isSuppressed({ ...alert, firedAt: '2025-03-10T00:00:00.000Z' }, [base])).toBe(false);
    expect(isSuppressed(alert, [{ ...base, revokedAt: '2025-03-02T00:00:00.000Z' }])).toBe(false);
  });

  it('covers a multi-patient alert only when every patient is covered', () => {
    const p1 = { ...base, suppressionId: 's-p1', patientId: 'p-1' };
    const p2 = { ...base, suppressionId: 's-p2', patientId: 'p-2' };
    const two = { ...alert, patientIds: ['p-1', 'p-2'], patientCount: 2 };
    expect(isSuppressed(alert, [p1])).toBe(true);
    expect(isSuppressed(two, [p1])).toBe(false);
    expect(matchingSuppressions(two, [p1, p2]).map((s) => s.suppressionId)).toEqual(['s-p1', 's-p2']);
    // A capped list hides patients nobody judged.
    expect(isSuppressed({ ...two, patientCount: 250 }, [p1, p2])).toBe(false);
    expect(isSuppressed({ ...alert, patientIds: [], patientCount: 0 }, [p1])).toBe(false);
  });

  it('prefers the actor-wide suppression when both apply', () => {
    const p1 = { ...base, suppressionId: 's-p1', patientId: 'p-1' };
    expect(matchingSuppressions(alert, [p1, base]).map((s) => s.suppressionId)).toEqual(['s1']);
  });
});
