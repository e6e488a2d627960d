import { validationError } from './errors.ts';

export const DAY_MS = 86_400_000;

/**
 * A request's [from, to) with defaults: `to` defaults to now, `from` to
 * `to - defaultSpan`; the span may not exceed `maxSpan` (a bound on the work
 * one request can ask of ClickHouse).
 */
export function resolveRange(
  q: { from?: string | undefined; to?: string | undefined },
  now: Date,
  defaultSpanMs: number,
  maxSpanMs: number,
): { from: string; to: string } {
  const to = q.to ?? now.toISOString();
  const from = q.from ?? new Date(Math.max(0, Date.parse(to) - defaultSpanMs)).toISOString();
  if (Date.parse(from) >= Date.parse(to)) throw validationError('query.to', 'must be later than query.from');
  if (Date.parse(to) - Date.parse(from) > maxSpanMs) throw validationError('query.from', `range may span at most ${Math.round(maxSpanMs / DAY_MS)} days`);
  return { from, to };
}
