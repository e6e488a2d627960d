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
const BEFORE = `(event_time, event_id) < (${msParam('beforeAt')}, {beforeId:String})`;

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

interface ReportRow {
  event_time_ms: string | number;
  event_id: string;
  actor_id: string;
  actor_kind: string;
  actor_role: string | null;
  actor_department: string | null;
  action: string;
  resource_types: string[];
  sensitivity: string[];
  purpose_of_use: string[];
  break_the_glass: boolean | number;
  outcome: string;
  records: string | number;
  source_system: string | null;
  network_address: string | null;
  patient_count: string | number;
}

/**
 * One patient's chart accesses in [from, to), newest first: who, when, what,
 * from where, under which purpose. One range read of the per-patient report
 * table (ordered by patient_id, event_time); no FINAL: LIMIT 1 BY collapses
 * an event stored twice before its parts merge.
 */
export async function patientAccessEvents(db: ApiDb, patientId: string, page: EventPageRequest): Promise<PatientAccess[]> {
  const rows = await queryRows<ReportRow>(
    db,
    `SELECT toUnixTimestamp64Milli(event_time) AS event_time_ms, event_id, actor_id, actor_kind, actor_role, actor_department, action,
       resource_types, sensitivity, purpose_of_use, break_the_glass, outcome, records, source_system, network_address, patient_count
     FROM ${table(db, 'patient_access_report')}
     WHERE patient_id = {patient:String} AND ${RANGE} ${page.before ? `AND ${BEFORE}` : ''}
     ORDER BY event_time DESC, event_id DESC LIMIT 1 BY event_id LIMIT {limit:UInt32}`,
    { patient: patientId, ...pageParams(page) },
  );
  return rows.map((r) => ({
    time: isoFromMillis(r.event_time_ms),
    eventId: r.event_id,
    actor: { id: r.actor_id, kind: r.actor_kind as AccessEvent['actor']['kind'], role: r.actor_role, department: r.actor_department },
    action: r.action as AccessEvent['action'],
    resourceTypes: r.resource_types,
    sensitivity: r.sensitivity,
    purposeOfUse: r.purpose_of_use,
    breakTheGlass: Boolean(r.break_the_glass),
    outcome: r.outcome as AccessEvent['outcome'],
    records: Number(r.records),
    sourceSystem: r.source_system,
    networkAddress: r.network_address,
    patientCount: Number(r.patient_count),
  }));
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
