import { ChartwatchError } from '@chartwatch/errors';
import { toClickHouseTime } from './clickhouse-time.ts';

/** A half-open event-time range [from, to), ISO-8601 UTC. */
export interface TimeRange {
  from: string;
  to: string;
}

/** The range as query parameters for `{from:DateTime64(3, 'UTC')}` and `{to:DateTime64(3, 'UTC')}`. */
export function rangeParams(from: string, to: string): { from: string; to: string } {
  const f = Date.parse(from);
  const t = Date.parse(to);
  if (!Number.isFinite(f) || !Number.isFinite(t)) {
    throw new ChartwatchError('CW_ERR_INPUT', `time range needs two ISO-8601 times, got from "${from}" to "${to}"`);
  }
  return { from: toClickHouseTime(from), to: toClickHouseTime(to) };
}

export const RANGE_CONDITION = "event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}";
