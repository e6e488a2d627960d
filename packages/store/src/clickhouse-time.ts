import { ChartwatchError } from '@chartwatch/errors';

/**
 * Times cross the ClickHouse boundary in forms that do not depend on session
 * settings: written as 'YYYY-MM-DD HH:MM:SS.mmm' (the basic DateTime64
 * parser's form, which chDB and a server both accept without
 * date_time_input_format), read back as epoch milliseconds and turned into
 * ISO-8601 UTC strings here.
 */

export function toClickHouseTime(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new ChartwatchError('CW_ERR_INPUT', `"${iso}" is not an ISO-8601 time`);
  const s = new Date(ms).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 23)}`;
}

export function toNullableClickHouseTime(iso: string | null): string | null {
  return iso === null ? null : toClickHouseTime(iso);
}

/** ClickHouse returns Int64 as a JSON string or number depending on settings; both land here. */
export function fromEpochMillis(ms: number | string): string {
  return new Date(Number(ms)).toISOString();
}

export function fromNullableEpochMillis(ms: number | string | null): string | null {
  return ms === null ? null : fromEpochMillis(ms);
}
