import type { ApiDb } from './db.ts';
import { isoFromMillis, millis, msParam, queryRows, table } from './db.ts';

/**
 * Measured precision per rule and for the model, from what analysts decided:
 * of the alerts closed, how many were confirmed incidents. This is what a
 * privacy officer tunes by: a rule at 5% precision costs nineteen false
 * alarms per incident. Open alerts count in volume, not in precision.
 */

export interface PrecisionWeek {
  /** Monday 00:00 UTC of the week. */
  week: string;
  alerts: number;
  closed: number;
  confirmed: number;
  /** confirmed / closed; null with nothing closed. */
  precision: number | null;
}

export interface RulePrecision {
  /** The rule id, or the model's rule id for the behaviour model. */
  ruleId: string;
  detector: 'rule' | 'model';
  alerts: number;
  open: number;
  closed: number;
  confirmed: number;
  falsePositive: number;
  benign: number;
  precision: number | null;
  /** Median time from firing to the close, ms; null with nothing closed. */
  medianTimeToCloseMs: number | null;
  weeks: PrecisionWeek[];
}

interface WeekRow {
  rule_id: string;
  detector: string;
  week_ms: string | number;
  alerts: string | number;
  closed: string | number;
  confirmed: string | number;
  false_positive: string | number;
  benign: string | number;
  close_ms: (string | number)[];
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const ratio = (confirmed: number, closed: number): number | null => (closed === 0 ? null : confirmed / closed);

/** Alerts fired in [from, to), per rule (and the model) and per week, with their current triage. */
export async function rulePrecision(db: ApiDb, from: string, to: string): Promise<RulePrecision[]> {
  const rows = await queryRows<WeekRow>(
    db,
    `WITH triage AS (
       SELECT alert_id, argMax(status, version) AS status, argMax(resolution, version) AS resolution,
         toUnixTimestamp64Milli(argMax(updated_at, version)) AS updated_ms
       FROM ${table(db, 'alert_state')} GROUP BY alert_id)
     SELECT q.rule_id AS rule_id, any(q.detector) AS detector, toUnixTimestamp(toStartOfWeek(q.fired_at, 1)) * 1000 AS week_ms,
       count() AS alerts,
       countIf(t.status = 'closed') AS closed,
       countIf(t.status = 'closed' AND t.resolution = 'confirmed') AS confirmed,
       countIf(t.status = 'closed' AND t.resolution = 'false_positive') AS false_positive,
       countIf(t.status = 'closed' AND t.resolution = 'benign') AS benign,
       groupArrayIf(greatest(t.updated_ms - toUnixTimestamp64Milli(q.fired_at), 0), t.status = 'closed') AS close_ms
     FROM (SELECT alert_id, rule_id, detector, fired_at FROM ${table(db, 'alert_queue')} FINAL
           WHERE fired_at >= ${msParam('from')} AND fired_at < ${msParam('to')}) AS q
     LEFT JOIN triage AS t ON t.alert_id = q.alert_id
     GROUP BY rule_id, week_ms ORDER BY rule_id, week_ms`,
    { from: millis(from), to: millis(to) },
  );
  const byRule = new Map<string, { r: RulePrecision; closeMs: number[] }>();
  for (const row of rows) {
    let entry = byRule.get(row.rule_id);
    if (entry === undefined) {
      entry = {
        r: { ruleId: row.rule_id, detector: row.detector === 'model' ? 'model' : 'rule', alerts: 0, open: 0, closed: 0, confirmed: 0, falsePositive: 0, benign: 0, precision: null, medianTimeToCloseMs: null, weeks: [] },
        closeMs: [],
      };
      byRule.set(row.rule_id, entry);
    }
    const [alerts, closed, confirmed] = [Number(row.alerts), Number(row.closed), Number(row.confirmed)];
    const r = entry.r;
    r.alerts += alerts;
    r.closed += closed;
    r.confirmed += confirmed;
    r.falsePositive += Number(row.false_positive);
    r.benign += Number(row.benign);
    r.weeks.push({ week: isoFromMillis(row.week_ms), alerts, closed, confirmed, precision: ratio(confirmed, closed) });
    for (const ms of row.close_ms) entry.closeMs.push(Number(ms));
  }
  return [...byRule.values()]
    .map(({ r, closeMs }) => ({ ...r, open: r.alerts - r.closed, precision: ratio(r.confirmed, r.closed), medianTimeToCloseMs: median(closeMs) }))
    .sort((a, b) => b.alerts - a.alerts || a.ruleId.localeCompare(b.ruleId));
}
