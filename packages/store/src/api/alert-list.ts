import type { Alert, Severity } from '@chartwatch/detect';
import { ALERT_COLUMNS, rowToAlert } from '../alert-row.ts';
import type { StoredAlertRow } from '../alert-row.ts';
import { ACCESS_EVENT_COLUMNS, rowToAccessEvent } from '../event-row.ts';
import type { StoredAccessEventRow } from '../event-row.ts';
import type { AccessEvent } from '@chartwatch/event';
import type { AlertStatus, AlertTriage, Resolution } from './alert-triage.ts';
import type { ApiDb } from './db.ts';
import { isoFromMillis, millis, msParam, queryRows, table } from './db.ts';

/**
 * The triage queue: alerts joined with their triage state, filtered, sorted
 * and paged by keyset (never OFFSET, so page 500 costs what page 1 costs).
 * Lists read the API's alert_queue (migration 1005); single alerts are read
 * from the store's alerts, which is ordered by id.
 */

export const ALERT_SORTS = ['-firedAt', 'firedAt', '-severity', 'severity'] as const;
export type AlertSort = (typeof ALERT_SORTS)[number];

export const SEVERITY_RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

/** Where the previous page ended; `severityRank` only for the severity sorts. */
export interface AlertKeyset {
  firedAt: string;
  alertId: string;
  severityRank?: number;
}

export interface AlertQueueFilter {
  statuses?: readonly AlertStatus[];
  severities?: readonly Severity[];
  ruleIds?: readonly string[];
  actorId?: string;
  patientId?: string;
  /** An application's client id: alerts whose actor is that application. */
  application?: string;
  assignee?: string;
  detector?: 'rule' | 'model';
  /** firedAt >= from (ISO UTC). */
  from?: string;
  /** firedAt < to (ISO UTC). */
  to?: string;
  sort: AlertSort;
  after?: AlertKeyset;
  limit: number;
}

export interface QueuedAlert {
  alert: Alert;
  triage: AlertTriage;
}

interface TriageRow {
  alert_id: string;
  t_status: string;
  t_resolution: string;
  t_reason: string;
  t_assignee: string;
  t_updated_at_ms: string | number | null;
  t_updated_by: string;
  t_version: string | number;
}

const UNTOUCHED: Omit<TriageRow, 'alert_id'> = {
  t_status: '',
  t_resolution: '',
  t_reason: '',
  t_assignee: '',
  t_updated_at_ms: null,
  t_updated_by: '',
  t_version: 0,
};

type QueueRow = StoredAlertRow & {
  severity_rank?: number;
  t_status: string;
  t_resolution: string;
  t_reason: string;
  t_assignee: string;
  t_updated_at_ms: string | number | null;
  t_updated_by: string;
  t_version: string | number;
};

// Current triage per alert: the highest version wins. The state table holds
// only alerts a person touched, so this stays small next to `alerts`.
const triageSubquery = (db: ApiDb): string => `
  SELECT alert_id,
    argMax(status, version) AS t_status, argMax(resolution, version) AS t_resolution,
    argMax(reason, version) AS t_reason, argMax(assignee, version) AS t_assignee,
    toUnixTimestamp64Milli(argMax(updated_at, version)) AS t_updated_at_ms,
    argMax(updated_by, version) AS t_updated_by, max(version) AS t_version
  FROM ${table(db, 'alert_state')} GROUP BY alert_id`;

const SEVERITY_RANK_SQL = "multiIf(severity = 'critical', 4, severity = 'high', 3, severity = 'medium', 2, 1)";

function triageFromQueueRow(r: QueueRow): AlertTriage {
  const touched = r.t_status !== '' && r.t_status !== null;
  return {
    alertId: r.alert_id,
    status: touched ? (r.t_status as AlertStatus) : 'new',
    resolution: touched && r.t_resolution !== '' ? (r.t_resolution as Resolution) : null,
    reason: touched ? r.t_reason : '',
    assignee: touched && r.t_assignee !== '' ? r.t_assignee : null,
    updatedAt: touched && r.t_updated_at_ms !== null ? isoFromMillis(r.t_updated_at_ms) : null,
    updatedBy: touched ? r.t_updated_by : null,
    version: touched ? Number(r.t_version) : 0,
  };
}

export async function listAlertQueue(db: ApiDb, f: AlertQueueFilter): Promise<QueuedAlert[]> {
  const inner: string[] = [];
  const params: Record<string, unknown> = { limit: f.limit };
  if (f.severities?.length) {
    inner.push('severity IN {severities:Array(String)}');
    params['severities'] = [...f.severities];
  }
  if (f.ruleIds?.length) {
    inner.push('rule_id IN {ruleIds:Array(String)}');
    params['ruleIds'] = [...f.ruleIds];
  }
  if (f.actorId !== undefined) {
    inner.push('actor_id = {actorId:String}');
    params['actorId'] = f.actorId;
  }
  if (f.application !== undefined) {
    inner.push("actor_kind = 'application' AND actor_id = {application:String}");
    params['application'] = f.application;
  }
  if (f.patientId !== undefined) {
    inner.push('has(patient_ids, {patientId:String})');
    params['patientId'] = f.patientId;
  }
  if (f.detector !== undefined) {
    inner.push('detector = {detector:String}');
    params['detector'] = f.detector;
  }
  if (f.from !== undefined) {
    inner.push(`fired_at >= ${msParam('from')}`);
    params['from'] = millis(f.from);
  }
  if (f.to !== undefined) {
    inner.push(`fired_at < ${msParam('to')}`);
    params['to'] = millis(f.to);
  }
  // Triage filters as set look-ups against the (small) current-triage table
  // rather than a join with every alert. Untouched alerts have no triage row
  // and read as 'new', so a filter that includes 'new' excludes the alerts
  // known to be in another status instead of including the ones in it.
  const current = `SELECT alert_id, argMax(status, version) AS status, argMax(assignee, version) AS assignee FROM ${table(db, 'alert_state')} GROUP BY alert_id`;
  if (f.statuses?.length) {
    inner.push(
      f.statuses.includes('new')
        ? `alert_id NOT IN (SELECT alert_id FROM (${current}) WHERE status NOT IN {statuses:Array(String)})`
        : `alert_id IN (SELECT alert_id FROM (${current}) WHERE status IN {statuses:Array(String)})`,
    );
    params['statuses'] = [...f.statuses];
  }
  if (f.assignee !== undefined) {
    inner.push(`alert_id IN (SELECT alert_id FROM (${current}) WHERE assignee = {assignee:String})`);
    params['assignee'] = f.assignee;
  }

  const desc = f.sort.startsWith('-');
  const bySeverity = f.sort.endsWith('severity');
  const dir = desc ? 'DESC' : 'ASC';
  const keys = bySeverity ? ['severity_rank', 'fired_at_ms', 'alert_id'] : ['fired_at_ms', 'alert_id'];
  const order = keys.map((k) => `${k} ${dir}`).join(', ');
  let keyset = '';
  if (f.after !== undefined) {
    const cmp = desc ? '<' : '>';
    keyset = bySeverity
      ? `(severity_rank, fired_at_ms, alert_id) ${cmp} ({afterRank:UInt8}, {afterAt:Int64}, {afterId:String})`
      : `(fired_at_ms, alert_id) ${cmp} ({afterAt:Int64}, {afterId:String})`;
    params['afterAt'] = millis(f.after.firedAt);
    params['afterId'] = f.after.alertId;
    params['afterRank'] = f.after.severityRank ?? 0;
  }

  // Two phases over alert_queue (the alerts ordered by firing time): phase 1
  // sorts and cuts the page on three narrow columns; phase 2 reads the full
  // rows of just those ids, within the page's firing-time span, i.e. a few
  // granules, with their triage.
  // No FINAL: an alert stored twice sits twice at the same (fired_at,
  // alert_id), adjacent in the sort, and LIMIT 1 BY keeps one.
  const where = [...inner, ...(keyset ? [keyset] : [])];
  const phase1 = await queryRows<{ alert_id: string; fired_at_ms: string | number }>(
    db,
    `SELECT alert_id, toUnixTimestamp64Milli(fired_at) AS fired_at_ms, ${SEVERITY_RANK_SQL} AS severity_rank
     FROM ${table(db, 'alert_queue')}
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY ${order} LIMIT 1 BY alert_id LIMIT {limit:UInt32}`,
    params,
  );
  if (phase1.length === 0) return [];
  const ids = phase1.map((r) => r.alert_id);
  const times = phase1.map((r) => Number(r.fired_at_ms));
  // Rows and triage as two small reads rather than a join (a join's set-up
  // cost more than the second read); a duplicate row collapses in the map.
  const [rows, triage] = await Promise.all([
    queryRows<StoredAlertRow>(
      db,
      `SELECT ${ALERT_COLUMNS} FROM ${table(db, 'alert_queue')}
       WHERE fired_at >= ${msParam('lo')} AND fired_at <= ${msParam('hi')} AND alert_id IN {ids:Array(String)}`,
      { ids, lo: Math.min(...times), hi: Math.max(...times) },
    ),
    queryRows<TriageRow>(db, `${triageSubquery(db).replace('GROUP BY', 'WHERE alert_id IN {ids:Array(String)} GROUP BY')}`, { ids }),
  ]);
  const byId = new Map(rows.map((r) => [r.alert_id, r]));
  const triageById = new Map(triage.map((t) => [t.alert_id, t]));
  const out: QueuedAlert[] = [];
  for (const id of ids) {
    const r = byId.get(id);
    if (r === undefined) continue;
    const t = triageById.get(id);
    out.push({ alert: rowToAlert(r), triage: triageFromQueueRow({ ...r, ...(t ?? UNTOUCHED) }) });
  }
  return out;
}

/** One alert with its triage, or null. */
export async function getQueuedAlert(db: ApiDb, alertId: string): Promise<QueuedAlert | null> {
  const rows = await queryRows<QueueRow>(
    db,
    `SELECT a.*, t.t_status, t.t_resolution, t.t_reason, t.t_assignee, t.t_updated_at_ms, t.t_updated_by, t.t_version
     FROM (SELECT ${ALERT_COLUMNS}, 0 AS severity_rank FROM ${table(db, 'alerts')} FINAL WHERE alert_id = {id:String} LIMIT 1) AS a
     LEFT JOIN (${triageSubquery(db).replace('GROUP BY', 'WHERE alert_id = {id:String} GROUP BY')}) AS t ON a.alert_id = t.alert_id`,
    { id: alertId },
  );
  const r = rows[0];
  return r === undefined ? null : { alert: rowToAlert(r), triage: triageFromQueueRow(r) };
}

export async function alertExists(db: ApiDb, alertId: string): Promise<boolean> {
  const rows = await queryRows<{ n: string | number }>(db, `SELECT count() AS n FROM ${table(db, 'alerts')} WHERE alert_id = {id:String}`, { id: alertId });
  return Number(rows[0]?.n ?? 0) > 0;
}

/**
 * The evidence events behind an alert. The actor and window narrow the read
 * to the primary key (actor_id, event_time); ids that fall outside it (a
 * model alert's features may cite older events) are looked up by id.
 */
export async function evidenceEvents(db: ApiDb, alert: Alert): Promise<AccessEvent[]> {
  const ids = alert.evidenceEventIds;
  if (ids.length === 0) return [];
  const found = await queryRows<StoredAccessEventRow>(
    db,
    `SELECT ${ACCESS_EVENT_COLUMNS} FROM ${table(db, 'access_events')} FINAL
     WHERE actor_id = {actor:String} AND event_time >= ${msParam('from')} AND event_time <= ${msParam('to')}
       AND event_id IN {ids:Array(String)}
     ORDER BY event_time, event_id`,
    { actor: alert.actorId, from: millis(alert.windowStart), to: millis(alert.windowEnd), ids: [...ids] },
  );
  const seen = new Set(found.map((r) => r.event_id));
  const missing = ids.filter((id) => !seen.has(id));
  if (missing.length > 0) {
    const rest = await queryRows<StoredAccessEventRow>(
      db,
      `SELECT ${ACCESS_EVENT_COLUMNS} FROM ${table(db, 'access_events')} FINAL WHERE event_id IN {ids:Array(String)}`,
      { ids: missing },
    );
    found.push(...rest);
    found.sort((a, b) => Number(a.event_time_ms) - Number(b.event_time_ms) || (a.event_id < b.event_id ? -1 : 1));
  }
  return found.map(rowToAccessEvent);
}
