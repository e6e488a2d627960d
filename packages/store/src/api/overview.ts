import type { ApiDb } from './db.ts';
import { isoFromMillis, millis, msParam, queryRows, table } from './db.ts';

/**
 * The dashboard's overview: alerts per UTC day by rule and severity, the
 * alerts still open and the rate events are being stored at, each one query
 * answered from ClickHouse (the newest model comes from the model registry).
 */

export interface AlertsPerDay {
  /** YYYY-MM-DD (UTC). */
  day: string;
  ruleId: string;
  severity: string;
  count: number;
}

/** Alerts fired in [from, to), per UTC day, rule and severity (an alert stored twice counts once). */
export async function alertsPerDay(db: ApiDb, from: string, to: string): Promise<AlertsPerDay[]> {
  const rows = await queryRows<{ day: string; rule_id: string; severity: string; n: string | number }>(
    db,
    `SELECT toString(toDate(fired_at, 'UTC')) AS day, rule_id, severity, uniqExact(alert_id) AS n
     FROM ${table(db, 'alert_queue')}
     WHERE fired_at >= ${msParam('from')} AND fired_at < ${msParam('to')}
     GROUP BY day, rule_id, severity ORDER BY day, rule_id, severity`,
    { from: millis(from), to: millis(to) },
  );
  return rows.map((r) => ({ day: r.day, ruleId: r.rule_id, severity: r.severity, count: Number(r.n) }));
}

/** Of the alerts fired in [from, to): how many are new (never triaged counts as new) and how many under investigation. */
export async function openAlertCounts(db: ApiDb, from: string, to: string): Promise<{ new: number; investigating: number }> {
  // Untouched alerts have no triage row; the LEFT JOIN gives them '' (join_use_nulls is off), read as new.
  const rows = await queryRows<{ fresh: string | number; investigating: string | number }>(
    db,
    `SELECT countIf(status IN ('', 'new')) AS fresh, countIf(status = 'investigating') AS investigating
     FROM (SELECT DISTINCT alert_id FROM ${table(db, 'alert_queue')} WHERE fired_at >= ${msParam('from')} AND fired_at < ${msParam('to')}) AS fired
     LEFT JOIN (SELECT alert_id, argMax(status, version) AS status FROM ${table(db, 'alert_state')} GROUP BY alert_id) AS triage
     USING alert_id`,
    { from: millis(from), to: millis(to) },
  );
  return { new: Number(rows[0]?.fresh ?? 0), investigating: Number(rows[0]?.investigating ?? 0) };
}

export interface StoredEventRate {
  /** Events stored per second, averaged over the window. */
  eventsPerSecond: number;
  windowSeconds: number;
  /** Events stored per minute, oldest first; minutes with none are zero. */
  perMinute: { minute: string; events: number }[];
}

/**
 * The rate events reached the store over the `windowMinutes` minutes before
 * `now`, by the time they were stored (ingested_at), not their event time: a
 * backfill of last month is still work done now. Counts stored rows (a
 * redelivered event not yet merged counts twice), i.e. the store's load.
 * Read from the per-minute table migration 1006 keeps (at most 30 days).
 */
export async function storedEventRate(db: ApiDb, now: string, windowMinutes = 60): Promise<StoredEventRate> {
  const end = Math.floor(millis(now) / 60_000) * 60_000 + 60_000;
  const start = end - windowMinutes * 60_000;
  const rows = await queryRows<{ minute_ms: string | number; n: string | number }>(
    db,
    `SELECT toUnixTimestamp(minute) * 1000 AS minute_ms, sum(events) AS n
     FROM ${table(db, 'events_stored_per_minute')}
     WHERE minute >= toDateTime(intDiv({from:Int64}, 1000), 'UTC') AND minute < toDateTime(intDiv({to:Int64}, 1000), 'UTC')
     GROUP BY minute_ms ORDER BY minute_ms`,
    { from: start, to: end },
  );
  const byMinute = new Map(rows.map((r) => [Number(r.minute_ms), Number(r.n)]));
  const perMinute: StoredEventRate['perMinute'] = [];
  for (let t = start; t < end; t += 60_000) perMinute.push({ minute: isoFromMillis(t), events: byMinute.get(t) ?? 0 });
  // The current minute is partial: the rate is over the whole minutes before it, so a fresh minute does not halve it.
  const whole = perMinute.slice(0, -1);
  const total = whole.reduce((s, m) => s + m.events, 0);
  return { eventsPerSecond: total / (whole.length * 60), windowSeconds: whole.length * 60, perMinute };
}
