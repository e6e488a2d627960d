import { ChartwatchError } from '@chartwatch/errors';

/**
 * The score above which at most ⌊budgetPer1000 × actorDays / 1000⌋ of
 * `scores` lie: an alert budget turned into a cut-off. A row alerts when its
 * score is strictly greater than the returned value. Ties at the cut-off all
 * stay below it, so the budget is never exceeded (it may be under-used when
 * many rows share one score). With no budget at all the cut-off is the top
 * score (nothing above it); when the budget covers every row it is -Infinity.
 *
 * `scores` are one per actor-day (or whatever unit `actorDays` counts).
 */
export function chooseThreshold(scores: Float64Array, actorDays: number, budgetPer1000: number): number {
  if (!Number.isFinite(actorDays) || actorDays < 0) {
    throw new ChartwatchError('CW_ERR_INPUT', `chooseThreshold: actorDays ${actorDays} is not a finite number ≥ 0`);
  }
  if (!Number.isFinite(budgetPer1000) || budgetPer1000 < 0) {
    throw new ChartwatchError('CW_ERR_INPUT', `chooseThreshold: budgetPer1000 ${budgetPer1000} is not a finite number ≥ 0`);
  }
  const sorted = Float64Array.from(scores).sort();
  if (sorted.length > 0 && Number.isNaN(sorted[sorted.length - 1])) {
    throw new ChartwatchError('CW_ERR_INPUT', 'chooseThreshold: scores contain NaN');
  }
  const allowed = Math.floor((budgetPer1000 * actorDays) / 1000);
  if (allowed >= sorted.length) return -Infinity;
  // sorted is ascending; the (allowed + 1)-th highest score has at most `allowed` rows strictly above it.
  return sorted[sorted.length - 1 - allowed] as number;
}
