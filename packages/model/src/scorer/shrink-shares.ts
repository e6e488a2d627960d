import type { FeatureName } from '../features/feature-names.ts';
import { FEATURE_INDEX } from '../features/feature-names.ts';

/**
 * Each share the model shrinks, and the count it is a share of. (clinicalShare
 * is left raw: its denominator, clinical plus administrative resources, is
 * not a feature.)
 */
const SHARES: readonly (readonly [FeatureName, FeatureName])[] = [
  ['afterHoursShare', 'events'],
  ['sensitiveShare', 'events'],
  ['noCareShare', 'patients'],
  ['newPatientShare', 'patients'],
  ['otherDepartmentShare', 'patients'],
];

/** Pseudo-observations of the peer group's median mixed into each share (see shrinkShares). */
export const DEFAULT_SHRINKAGE = 5;

/**
 * The row's shares pulled toward its peer group's median share:
 * (share × n + k × peerMedian) / (n + k), n the share's denominator.
 *
 * Why: a raw share of a small denominator is mostly noise. A porter who
 * opened one chart, without a care relationship, has noCareShare 1.0 and
 * isolates as fast as a snoop who opened forty; with k = 5 the porter's
 * share is 1/6 above the peers' and the snoop's 40/45. Large days keep their
 * share, small days move to their peers', so the budget's places go to
 * behaviour rather than to thin days. Pure: the trainer and the scorer call
 * it with the same medians (the group's, saved in the model).
 */
export function shrinkShares(values: readonly number[], peerMedians: readonly number[], k: number): number[] {
  const out = values.slice();
  if (!(k > 0)) return out;
  for (const [name, of] of SHARES) {
    const c = FEATURE_INDEX[name];
    const n = values[FEATURE_INDEX[of]] as number;
    out[c] = ((values[c] as number) * n + k * (peerMedians[c] as number)) / (n + k);
  }
  return out;
}
