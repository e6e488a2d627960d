import type { ApiDb } from './db.ts';
import { millis, msParam, queryRows, table } from './db.ts';

/**
 * An actor's behaviour over a range against their peers': the staff of the
 * same role (staff reference table) who were active in the range, the actor
 * excluded. A few measures an analyst reads at a glance, each with the
 * peers' median and 90th percentile. Counts only: no patient identifier
 * leaves the query.
 */

export const PEER_MEASURES = ['eventsPerDay', 'patientsPerDay', 'afterHoursShare', 'sensitiveShare', 'activeDays'] as const;
export type PeerMeasure = (typeof PEER_MEASURES)[number];

export interface PeerMetric {
  name: PeerMeasure;
  /** 'per day' (averaged over the range's days, idle days as zero), 'share' (0–1 of the actor's events) or 'days'. */
  unit: 'per day' | 'share' | 'days';
  actor: number;
  /** Null when no peer was active in the range. */
  peerMedian: number | null;
  peerP90: number | null;
}

export interface ActorPeerComparison {
  actorId: string;
  /** The actor's role in the staff table; null when the actor is not staff (an application, or missing from the table). */
  role: string | null;
  /** Peers active in the range (same role, the actor excluded); null without a role. */
  peerGroup: { by: 'role'; role: string; size: number } | null;
  actorEvents: number;
  metrics: PeerMetric[];
}

/** Business hours for the after-hours share: Monday–Friday, 07:00–19:00 local time, as the default after-hours rule. */
const BUSINESS = { firstHour: 7, endHour: 19 } as const;
const DAY_MS = 86_400_000;

const UNITS: Record<PeerMeasure, PeerMetric['unit']> = {
  eventsPerDay: 'per day',
  patientsPerDay: 'per day',
  afterHoursShare: 'share',
  sensitiveShare: 'share',
  activeDays: 'days',
};

interface Row {
  actor_events: string | number;
  peers: string | number;
  [column: string]: string | number | null;
}

/**
 * One actor against their role's peers over [from, to). `timeZone` (IANA)
 * sets the local day and the business hours.
 */
export async function actorPeerComparison(db: ApiDb, actorId: string, from: string, to: string, timeZone: string): Promise<ActorPeerComparison> {
  const staff = await queryRows<{ role: string | null }>(db, `SELECT role FROM ${table(db, 'staff')} WHERE actor_id = {actor:String} LIMIT 1`, { actor: actorId });
  const role = staff[0]?.role ?? null;
  const days = Math.max(1 / 24, (millis(to) - millis(from)) / DAY_MS);

  // Per actor and local day first (distinct patients are counted per day),
  // then per actor over the range, then the actor's row beside the peers'
  // quantiles. The peer set comes from the staff table as a sub-select, so
  // the scan of access_events stays on its (actor_id, event_time) key.
  const perMeasure = PEER_MEASURES.map(
    (m) => `anyIf(${m}, actor_id = {actor:String}) AS a_${m},
      quantileExactIf(0.5)(${m}, actor_id != {actor:String}) AS m_${m},
      quantileExactIf(0.9)(${m}, actor_id != {actor:String}) AS p_${m}`,
  ).join(',\n      ');
  const rows = await queryRows<Row>(
    db,
    `WITH per_day AS (
       SELECT actor_id, toDate(event_time, {tz:String}) AS day, count() AS events, uniqExactArray(patient_ids) AS patients,
         countIf(toDayOfWeek(event_time, 0, {tz:String}) > 5 OR toHour(toTimeZone(event_time, {tz:String})) < {firstHour:UInt8}
                 OR toHour(toTimeZone(event_time, {tz:String})) >= {endHour:UInt8}) AS after_hours,
         countIf(notEmpty(sensitivity)) AS sensitive
       FROM ${table(db, 'access_events')} FINAL
       WHERE event_time >= ${msParam('from')} AND event_time < ${msParam('to')}
         AND (actor_id = {actor:String} OR actor_id IN (SELECT actor_id FROM ${table(db, 'staff')} WHERE role = {role:String}))
       GROUP BY actor_id, day
     ),
     per_actor AS (
       SELECT actor_id, sum(events) AS total,
         sum(events) / {days:Float64} AS eventsPerDay,
         sum(patients) / {days:Float64} AS patientsPerDay,
         sum(after_hours) / sum(events) AS afterHoursShare,
         sum(sensitive) / sum(events) AS sensitiveShare,
         toFloat64(count()) AS activeDays
       FROM per_day GROUP BY actor_id
     )
     SELECT sumIf(total, actor_id = {actor:String}) AS actor_events, countIf(actor_id != {actor:String}) AS peers,
      ${perMeasure}
     FROM per_actor`,
    // Without a role the peer sub-select must match nothing: no stored role is a NUL character.
    { actor: actorId, role: role ?? '\u0000', tz: timeZone, from: millis(from), to: millis(to), days, ...BUSINESS },
  );
  const r = rows[0];
  const actorEvents = Number(r?.actor_events ?? 0);
  const peers = Number(r?.peers ?? 0);
  const num = (v: string | number | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));
  const metrics = PEER_MEASURES.map((name) => ({
    name,
    unit: UNITS[name],
    // An idle actor reads as zero on every measure (anyIf has no row to take).
    actor: actorEvents === 0 ? 0 : num(r?.[`a_${name}`]),
    peerMedian: peers === 0 ? null : num(r?.[`m_${name}`]),
    peerP90: peers === 0 ? null : num(r?.[`p_${name}`]),
  }));
  return { actorId, role, peerGroup: role === null ? null : { by: 'role', role, size: peers }, actorEvents, metrics };
}
