import type { AccessEvent } from '@chartwatch/event';
import { ACCESS_EVENT_COLUMNS, rowToAccessEvent } from '../event-row.ts';
import type { StoredAccessEventRow } from '../event-row.ts';
import type { ApiDb } from './db.ts';
import { isoFromMillis, millis, msParam, queryRows, table } from './db.ts';

/** A keyset position in an event listing: rows strictly before (newest first) this event. */
export interface EventKeyset {
  time: string;
  eventId: string;
}

export interface EventPageRequest {
  from: string;
  to: string;
  before?: EventKeyset;
  limit: number;
}

const RANGE = `event_time >= ${msParam('from')} AND event_time < ${msParam('to')}`;
// The bound on the leading column lets the primary key skip what lies after the keyset; the tuple decides ties.
const BEFORE = `event_time <= ${msParam('beforeAt')} AND (event_time, event_id) < (${msParam('beforeAt')}, {beforeId:String})`;

function pageParams(p: EventPageRequest): Record<string, unknown> {
  const params: Record<string, unknown> = { from: millis(p.from), to: millis(p.to), limit: p.limit };
  if (p.before !== undefined) {
    params['beforeAt'] = millis(p.before.time);
    params['beforeId'] = p.before.eventId;
  }
  return params;
}

/** One actor's accesses in [from, to), newest first: a range read on the primary key (actor_id, event_time). */
export async function actorEvents(db: ApiDb, actorId: string, page: EventPageRequest): Promise<AccessEvent[]> {
  const rows = await queryRows<StoredAccessEventRow>(
    db,
    `SELECT ${ACCESS_EVENT_COLUMNS} FROM ${table(db, 'access_events')} FINAL
     WHERE actor_id = {actor:String} AND ${RANGE} ${page.before ? `AND ${BEFORE}` : ''}
     ORDER BY event_time DESC, event_id DESC LIMIT {limit:UInt32}`,
    { actor: actorId, ...pageParams(page) },
  );
  return rows.map(rowToAccessEvent);
}

export interface ActivityBucket {
  /** Bucket start, ISO-8601 UTC. */
  start: string;
  events: number;
  distinctPatients: number;
  records: number;
  breakTheGlass: number;
  sensitive: number;
  failures: number;
}

export interface ActorActivity {
  bucket: 'hour' | 'day';
  buckets: ActivityBucket[];
  totals: Omit<ActivityBucket, 'start'>;
  byAction: Record<string, number>;
  bySensitivity: Record<string, number>;
  byPurpose: Record<string, number>;
}

interface BucketRow {
  start_ms: string | number;
  events: string | number;
  distinct_patients: string | number;
  records: string | number;
  btg: string | number;
  sensitive: string | number;
  failures: string | number;
}

const AGGREGATES = `count() AS events, uniqExactArray(patient_ids) AS distinct_patients, sum(records) AS records,
  countIf(break_the_glass) AS btg, countIf(notEmpty(sensitivity)) AS sensitive, countIf(outcome != 'success') AS failures`;

function bucketFromRow(r: Omit<BucketRow, 'start_ms'>): Omit<ActivityBucket, 'start'> {
  return {
    events: Number(r.events),
    distinctPatients: Number(r.distinct_patients),
    records: Number(r.records),
    breakTheGlass: Number(r.btg),
    sensitive: Number(r.sensitive),
    failures: Number(r.failures),
  };
}

/** Aggregates of one actor's accesses in [from, to): per hour (ranges up to two days) or per day, plus totals and breakdowns. */
export async function actorActivity(db: ApiDb, actorId: string, from: string, to: string): Promise<ActorActivity> {
  const bucket = millis(to) - millis(from) <= 2 * 86_400_000 ? 'hour' : 'day';
  const params = { actor: actorId, from: millis(from), to: millis(to) };
  const source = `${table(db, 'access_events')} FINAL WHERE actor_id = {actor:String} AND ${RANGE}`;
  const startFn = bucket === 'hour' ? 'toStartOfHour(event_time)' : "toStartOfDay(event_time, 'UTC')";
  const [buckets, totals, breakdown] = await Promise.all([
    queryRows<BucketRow>(db, `SELECT toUnixTimestamp(${startFn}) * 1000 AS start_ms, ${AGGREGATES} FROM ${source} GROUP BY start_ms ORDER BY start_ms`, params),
    queryRows<Omit<BucketRow, 'start_ms'>>(db, `SELECT ${AGGREGATES} FROM ${source}`, params),
    queryRows<{ kind: string; value: string; n: string | number }>(
      db,
      `SELECT 'action' AS kind, toString(action) AS value, count() AS n FROM ${source} GROUP BY value
       UNION ALL SELECT 'sensitivity' AS kind, toString(arrayJoin(sensitivity)) AS value, count() AS n FROM ${source} GROUP BY value
       UNION ALL SELECT 'purpose' AS kind, toString(arrayJoin(purpose_of_use)) AS value, count() AS n FROM ${source} GROUP BY value`,
      params,
    ),
  ]);
  const pick = (kind: string): Record<string, number> =>
    Object.fromEntries(breakdown.filter((r) => r.kind === kind).sort((a, b) => (a.value < b.value ? -1 : 1)).map((r) => [r.value, Number(r.n)]));
  const zero = { events: 0, distinct_patients: 0, records: 0, btg: 0, sensitive: 0, failures: 0 };
  return {
    bucket,
    buckets: buckets.map((r) => ({ start: new Date(Number(r.start_ms)).toISOString(), ...bucketFromRow(r) })),
    totals: bucketFromRow(totals[0] ?? zero),
    byAction: pick('action'),
    bySensitivity: pick('sensitivity'),
    byPurpose: pick('purpose'),
  };
}

/** One access to one patient's chart, as the patient access report shows it (the access's other patients only counted). */
export interface PatientAccess {
  time: string;
  eventId: string;
  actor: AccessEvent['actor'];
  action: AccessEvent['action'];
  resourceTypes: string[];
  sensitivity: string[];
  purposeOfUse: string[];
  breakTheGlass: boolean;
  outcome: AccessEvent['outcome'];
  records: number;
  sourceSystem: string | null;
  networkAddress: string | null;
  /** Patients the access touched, this one included. */
  patientCount: number;
}

interface PackedReportRow {
  event_time_ms: string | number;
  event_id: string;
  access: string;
}

/** patient_access_packed.access: the JSON array migration 1009 writes, in its order. */
type PackedAccess = [
  actorId: string,
  actorKind: string,
  actorRole: string | null,
  actorDepartment: string | null,
  action: string,
  resourceTypes: string[],
  sensitivity: string[],
  purposeOfUse: string[],
  breakTheGlass: boolean,
  outcome: string,
  records: number,
  sourceSystem: string | null,
  networkAddress: string | null,
  patientCount: number,
];

function accessFromRow(r: PackedReportRow): PatientAccess {
  const [actorId, actorKind, actorRole, actorDepartment, action, resourceTypes, sensitivity, purposeOfUse, breakTheGlass, outcome, records, sourceSystem, networkAddress, patientCount] =
    JSON.parse(r.access) as PackedAccess;
  return {
    time: isoFromMillis(r.event_time_ms),
    eventId: r.event_id,
    actor: { id: actorId, kind: actorKind as AccessEvent['actor']['kind'], role: actorRole, department: actorDepartment },
    action: action as AccessEvent['action'],
    resourceTypes,
    sensitivity,
    purposeOfUse,
    breakTheGlass,
    outcome: outcome as AccessEvent['outcome'],
    records,
    sourceSystem,
    networkAddress,
    patientCount,
  };
}

/**
 * One patient's chart accesses in [from, to), newest first: who, when, what,
 * from where, under which purpose. A range read of patient_access_packed
 * (ordered by patient_id, event_time, event_id; migration 1009): the key
 * columns and one JSON column per row, in Compact parts, so a report reads
 * one file a part (bench:api at 10M events, a report alone: ~7 ms over 6
 * parts; 14-15 ms over the 16 columns of 1004's table in 4 Wide parts).
 *
 * Read in sort order with a plain LIMIT, no FINAL or LIMIT 1 BY: an event
 * stored twice before its parts merge sits twice at the same key, adjacent,
 * and only the first is kept. Dropping it can leave the read short of the
 * page, so a read that came back full and still short continues after its
 * last row for the rows missing. The plain LIMIT also lets ClickHouse read
 * the JSON column for the page's rows only when a patient has more accesses
 * in the range than the page holds.
 */
export async function patientAccessEvents(db: ApiDb, patientId: string, page: EventPageRequest): Promise<PatientAccess[]> {
  const out: PatientAccess[] = [];
  let before = page.before;
  let last: PackedReportRow | undefined;
  while (out.length < page.limit) {
    const count = page.limit - out.length;
    const rows = await queryRows<PackedReportRow>(
      db,
      // One thread: the few granules a report touches are read faster without the pool's hand-offs (alone: 6.0 vs 6.5 ms).
      `SELECT toUnixTimestamp64Milli(event_time) AS event_time_ms, event_id, access
       FROM ${table(db, 'patient_access_packed')}
       WHERE patient_id = {patient:String} AND ${RANGE} ${before ? `AND ${BEFORE}` : ''}
       ORDER BY event_time DESC, event_id DESC LIMIT {limit:UInt32}
       SETTINGS max_threads = 1`,
      { patient: patientId, ...pageParams({ ...page, before, limit: count }) },
    );
    for (const r of rows) {
      if (last === undefined || r.event_id !== last.event_id || String(r.event_time_ms) !== String(last.event_time_ms)) out.push(accessFromRow(r));
      last = r;
    }
    if (rows.length < count || last === undefined) break;
    before = { time: isoFromMillis(last.event_time_ms), eventId: last.event_id };
  }
  return out;
}

export interface StaffName {
  actorId: string;
  givenName: string | null;
  familyName: string | null;
  role: string | null;
  department: string | null;
}

/** Names from the staff directory for these actors (only for users allowed to see names). */
export async function staffNames(db: ApiDb, actorIds: readonly string[]): Promise<Map<string, StaffName>> {
  if (actorIds.length === 0) return new Map();
  const rows = await queryRows<{ actor_id: string; given_name: string | null; family_name: string | null; role: string | null; department: string | null }>(
    db,
    `SELECT actor_id, given_name, family_name, role, department FROM ${table(db, 'staff')} WHERE actor_id IN {ids:Array(String)} LIMIT 1 BY actor_id`,
    { ids: [...new Set(actorIds)] },
  );
  return new Map(rows.map((r) => [r.actor_id, { actorId: r.actor_id, givenName: r.given_name, familyName: r.family_name, role: r.role, department: r.department }]));
}

export interface PatientName {
  patientId: string;
  givenName: string | null;
  familyName: string | null;
}

export async function patientNames(db: ApiDb, patientIds: readonly string[]): Promise<Map<string, PatientName>> {
  if (patientIds.length === 0) return new Map();
  const rows = await queryRows<{ patient_id: string; given_name: string | null; family_name: string | null }>(
    db,
    `SELECT patient_id, given_name, family_name FROM ${table(db, 'patients')} WHERE patient_id IN {ids:Array(String)} LIMIT 1 BY patient_id`,
    { ids: [...new Set(patientIds)] },
  );
  return new Map(rows.map((r) => [r.patient_id, { patientId: r.patient_id, givenName: r.given_name, familyName: r.family_name }]));
}
