import { describe, expect, it } from 'vitest';
import { FEATURE_INDEX, FEATURE_NAMES } from '../features/feature-names.ts';
import { shrinkShares } from './shrink-shares.ts';

function row(set: Partial<Record<(typeof FEATURE_NAMES)[number], number>>): number[] {
  return FEATURE_NAMES.map((n) => set[n] ?? 0);
}

describe('shrinkShares', () => {
  const peers = row({ noCareShare: 0.1, afterHoursShare: 0.2 });

  it('pulls a share of a few patients toward the peers and leaves a share of many nearly as it was', () => {
    const thin = shrinkShares(row({ patients: 1, noCareShare: 1, events: 1 }), peers, 5);
    const wide = shrinkShares(row({ patients: 40, noCareShare: 1, events: 40 }), peers, 5);
    expect(thin[FEATURE_INDEX.noCareShare]).toBeCloseTo((1 + 5 * 0.1) / 6);
    expect(wide[FEATURE_INDEX.noCareShare]).toBeCloseTo((40 + 5 * 0.1) / 45);
    // An empty day is its peers' share; counts are not touched.
    const empty = shrinkShares(row({}), peers, 5);
    expect(empty[FEATURE_INDEX.afterHoursShare]).toBeCloseTo(0.2);
    expect(wide[FEATURE_INDEX.patients]).toBe(40);
  });

  it('leaves the row as it is with no shrinkage', () => {
    const r = row({ patients: 1, noCareShare: 1 });
    expect(shrinkShares(r, peers, 0)).toEqual(r);
  });
});
