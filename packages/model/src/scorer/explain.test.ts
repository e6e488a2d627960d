import { describe, expect, it } from 'vitest';
import { describeFeature, explainModelAlert } from './explain.ts';

describe('explainModelAlert', () => {
  it('says who, when, what stood out against the peers, and the score against the threshold', () => {
    const text = explainModelAlert({
      actorId: 'u123',
      actorKind: 'user',
      group: 'billing clerk',
      peers: 'billing clerk',
      when: '2026-03-04',
      top: [
        { feature: 'clinicalShare', value: 0.2249, peerMedian: 0, contribution: 0.3 },
        { feature: 'patients', value: 41, peerMedian: 26, contribution: 0.2 },
        { feature: 'departments', value: 12, peerMedian: 1, contribution: 0.1 },
      ],
      score: 0.7149,
      threshold: 0.6201,
      modelVersion: 'v3',
    });
    expect(text).toBe(
      'Billing clerk u123 on 2026-03-04: 22% of events on clinical records, 41 patients, patients from 12 departments; ' +
        'peers (billing clerk, median): 0% of events on clinical records, 26 patients, patients from 1 department. Score 0.71 > 0.62 (model v3).',
    );
  });

  it('compares an application with its own days', () => {
    const text = explainModelAlert({
      actorId: 'app-x',
      actorKind: 'application',
      group: 'application:app-x',
      peers: 'its own days',
      when: '2026-03-04',
      top: [{ feature: 'records', value: 9000, peerMedian: 1200.5, contribution: 1 }],
      score: 0.8,
      threshold: 0.6,
      modelVersion: 'sha-abc',
    });
    expect(text).toBe('Application app-x on 2026-03-04: 9000 records pulled; usually (its own days, median): 1200.5 records pulled. Score 0.80 > 0.60 (model sha-abc).');
  });

  it('has a phrase for every feature and falls back to the name for others', () => {
    expect(describeFeature('exports', 1)).toBe('1 export');
    expect(describeFeature('noCareShare', 0.5)).toBe('50% of patients without a care relationship');
    expect(describeFeature('role', -1)).toBe('a role not seen in training');
    expect(describeFeature('mystery', 2)).toBe('mystery 2');
  });
});
