import type { ApiDb } from './db.ts';
import { millis, msParam, queryRows, table } from './db.ts';

/**
 * Vendor oversight: per application, records pulled per UTC day against its
 * contract quota and against its own baseline (the median of the
 * BASELINE_DAYS days before each day, idle days counting as zero).
 */

export const BASELINE_DAYS = 28;
const DAY_MS = 86_400_000;

export interface DailyUsage {
  /** YYYY-MM-DD (UTC). */
  day: string;
  records: number;
  events: number;
  distinctPatients: number;
  quota: number | null;
  overQuota: boolean;
  /** Median daily records over the previous BASELINE_DAYS days; null when no earlier day is in the data. */
  baseline: number | null;
  /** records / baseline, null when there is no baseline or it is zero. */
  ratioToBaseline: number | null;
}

export interface VendorInfo {
  clientId: string;
  name: string | null;
  dailyQuota: number | null;
}

export interface VendorUsage {
  vendor: VendorInfo;
  days: DailyUsage[];
  totals: { records: number; events: number; daysOverQuota: number; peakDay: string | null; peakRecords: number };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

const dayKey = (t: number): string => new Date(t).toISOString().slice(0, 10);

/**
 * Pure: daily rows (only days with activity) → one entry per day of [from, to),
 * with quota and baseline. `history` may start before `from`: those days feed
 * the baseline only. The baseline needs at least one day of history since
 * `firstSeen`; days before an application was first seen do not count as idle.
 */
export function dailyUsageWithBaseline(
  rows: readonly { day: string; records: number; events: number; distinctPatients: number }[],
  quota: number | null,
  from: string,
  to: string,
): DailyUsage[] {
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const firstSeen = rows.length === 0 ? null : rows.map((r) => r.day).sort()[0]!;
  const start = Date.parse(`${from.slice(0, 10)}T00:00:00.000Z`);
  const end = Date.parse(to);
  const out: DailyUsage[] = [];
  for (let t = start; t < end; t += DAY_MS) {
    const day = dayKey(t);
    const r = byDay.get(day);
    const history: number[] = [];
    for (let k = 1; k <= BASELINE_DAYS; k++) {
      const d = dayKey(t - k * DAY_MS);
      if (firstSeen === null || d < firstSeen) break;
      history.push(byDay.get(d)?.records ?? 0);
    }
    const baseline = history.length === 0 ? null : median(history);
    const records = r?.records ?? 0;
    out.push({
      day,
      records,
      events: r?.events ?? 0,
      distinctPatients: r?.distinctPatients ?? 0,
      quota,
      overQuota: quota !== null && records > quota,
      baseline,
      ratioToBaseline: baseline === null || baseline === 0 ? null : records / baseline,
    });
  }
  return out;
}

export async function vendorInfo(db: ApiDb, clientId: string): Promise<VendorInfo | null> {
  const rows = await queryRows<{ client_id: string; name: string | null; daily_quota: string | number | null }>(
    db,
    `SELECT client_id, name, daily_quota FROM ${table(db, 'vendors')} WHERE client_id = {id:String} LIMIT 1`,
    { id: clientId },
  );
  const r = rows[0];
  return r === undefined ? null : { clientId: r.client_id, name: r.name, dailyQuota: r.daily_quota === null ? null : Number(r.daily_quota) };
}

/** Does any application event exist for this client id (a vendor missing from the reference table still gets a report)? */
async function applicationSeen(db: ApiDb, clientId: string): Promise<boolean> {
  const rows = await queryRows<{ n: string | number }>(
    db,
    `SELECT count() AS n FROM (SELECT 1 FROM ${table(db, 'access_events')} WHERE actor_id = {id:String} AND actor_kind = 'application' LIMIT 1)`,
    { id: clientId },
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

/** One application's usage over [from, to) (whole UTC days), or null when it is neither a vendor nor a seen application. */
export async function vendorUsage(db: ApiDb, clientId: string, from: string, to: string): Promise<VendorUsage | null> {
  const info = (await vendorInfo(db, clientId)) ?? ((await applicationSeen(db, clientId)) ? { clientId, name: null, dailyQuota: null } : null);
  if (info === null) return null;
  const historyFrom = Date.parse(`${from.slice(0, 10)}T00:00:00.000Z`) - BASELINE_DAYS * DAY_MS;
  const rows = await queryRows<{ day: string; records: string | number; events: string | number; patients: string | number }>(
    db,
    `SELECT toString(toDate(event_time, 'UTC')) AS day, sum(records) AS records, count() AS events, uniqExactArray(patient_ids) AS patients
     FROM ${table(db, 'access_events')} FINAL
     WHERE actor_id = {id:String} AND actor_kind = 'application' AND event_time >= ${msParam('from')} AND event_time < ${msParam('to')}
     GROUP BY day ORDER BY day`,
    { id: clientId, from: historyFrom, to: millis(to) },
  );
  const days = dailyUsageWithBaseline(
    rows.map((r) => ({ day: r.day, records: Number(r.records), events: Number(r.events), distinctPatients: Number(r.patients) })),
    info.dailyQuota,
    from,
    to,
  );
  let peak: DailyUsage | null = null;
  for (const d of days) if (d.records > 0 && (peak === null || d.records > peak.records)) peak = d;
  return {
    vendor: info,
    days,
    totals: {
      records: days.reduce((s, d) => s + d.records, 0),
      events: days.reduce((s, d) => s + d.events, 0),
      daysOverQuota: days.filter((d) => d.overQuota).length,
      peakDay: peak?.day ?? null,
      peakRecords: peak?.records ?? 0,
    },
  };
}

export interface VendorSummary extends VendorInfo {
  records: number;
  events: number;
  activeDays: number;
  maxDailyRecords: number;
  daysOverQuota: number;
}

/** Every vendor in the reference table and every application seen in [from, to), with totals over the range. */
export async function vendorSummaries(db: ApiDb, from: string, to: string): Promise<VendorSummary[]> {
  const [vendors, usage] = await Promise.all([
    queryRows<{ client_id: string; name: string | null; daily_quota: string | number | null }>(
      db,
      `SELECT client_id, name, daily_quota FROM ${table(db, 'vendors')} ORDER BY client_id LIMIT 1 BY client_id`,
    ),
    queryRows<{ actor_id: string; day: string; records: string | number; events: string | number }>(
      db,
      `SELECT actor_id, toString(toDate(event_time, 'UTC')) AS day, sum(records) AS records, count() AS events
       FROM ${table(db, 'access_events')} FINAL
       WHERE actor_kind = 'application' AND event_time >= ${msParam('from')} AND event_time < ${msParam('to')}
       GROUP BY actor_id, day`,
      { from: millis(from), to: millis(to) },
    ),
  ]);
  const info = new Map<string, VendorInfo>(
    vendors.map((v) => [v.client_id, { clientId: v.client_id, name: v.name, dailyQuota: v.daily_quota === null ? null : Number(v.daily_quota) }]),
  );
  for (const u of usage) if (!info.has(u.actor_id)) info.set(u.actor_id, { clientId: u.actor_id, name: null, dailyQuota: null });
  const out: VendorSummary[] = [];
  for (const v of [...info.values()].sort((a, b) => (a.clientId < b.clientId ? -1 : 1))) {
    const days = usage.filter((u) => u.actor_id === v.clientId).map((u) => Number(u.records));
    out.push({
      ...v,
      records: days.reduce((s, n) => s + n, 0),
      events: usage.filter((u) => u.actor_id === v.clientId).reduce((s, u) => s + Number(u.events), 0),
      activeDays: days.length,
      maxDailyRecords: days.length ? Math.max(...days) : 0,
      daysOverQuota: v.dailyQuota === null ? 0 : days.filter((n) => n > (v.dailyQuota ?? Infinity)).length,
    });
  }
  return out;
}
