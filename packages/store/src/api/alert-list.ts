import type { Alert, Severity } from '@chartwatch/detect';
import { ALERT_COLUMNS, rowToAlert } from '../alert-row.ts';
import type { StoredAlertRow } from '../alert-row.ts';
import { ACCESS_EVENT_COLUMNS, rowToAccessEvent } from '../event-row.ts';
import type { StoredAccessEventRow } from '../event-row.ts';
import type { AccessEvent } from '@chartwatch/event';
import type { AlertStatus, AlertTriage, Resolution } from './alert-triage.ts';
import { untouchedTriage } from './alert-triage.ts';
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

function triageFromQueueRow(r: TriageRow): AlertTriage {
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

/** Candidates asked for in the first read when triage filters may drop some, as a multiple of the page. */
const TRIAGE_OVERFETCH = 2;

/**
 * The queue's page: filtered, sorted, keyset-paged, with each alert's
 * current triage.
 *
 * One read of alert_queue returns the page's full rows: ordered by
 * (fired_at, alert_id), or by a projection in severity or actor order, the
 * page is read in order and ClickHouse reads the wide columns for the rows
 * that made the page only (lazy materialization). A second read takes the
 * triage of just those alerts by id. (bench:api, 100k alerts, a page alone:
 * 8-11 ms; 14-33 ms when ids were sorted first, then full rows and triage
 * aggregated by id read apart, and status filters aggregated all triage.)
 *
 * Triage filters (status, assignee) are decided on that current triage, in
 * this process, so a change is seen by the next request. The first read
 * asks for twice the page, narrowed in SQL to alerts that ever had the asked
 * status or assignee (a superset; cheap, no aggregation; a status list with
 * 'new' is not narrowed, as untouched alerts have no triage row). Only if
 * that comes up short does the next read filter in SQL on every touched
 * alert's current state, exactly, and ask for just the rows still missing
 * (bench:api: ~8 ms more at 25,000 triaged alerts). Rows that fail the
 * check are skipped and a read continues after the previous one, in sort
 * order, so pages are those the filter over the whole queue would give.
 *
 * No FINAL: an alert stored twice sits twice at the same sort key, adjacent,
 * and only the first is kept.
 */
export async function listAlertQueue(db: ApiDb, f: AlertQueueFilter): Promise<QueuedAlert[]> {
  const triageFiltered = (f.statuses?.length ?? 0) > 0 || f.assignee !== undefined;
  const out: QueuedAlert[] = [];
  let after = f.after;
  let lastId: string | undefined;
  for (let read = 0; out.length < f.limit; read++) {
    const chunk = read === 0 && triageFiltered ? f.limit * TRIAGE_OVERFETCH : f.limit - out.length;
    const rows = await readQueue(db, f, after, chunk, triageFiltered && read > 0);
    const fresh: StoredAlertRow[] = [];
    for (const r of rows) {
      if (r.alert_id !== lastId) fresh.push(r);
      lastId = r.alert_id;
    }
    const triage = await currentTriage(db, fresh.map((r) => r.alert_id));
    for (const r of fresh) {
      const t = triage.get(r.alert_id) ?? untouchedTriage(r.alert_id);
      if (f.statuses?.length && !f.statuses.includes(t.status)) continue;
      if (f.assignee !== undefined && t.assignee !== f.assignee) continue;
      out.push({ alert: rowToAlert(r), triage: t });
      if (out.length === f.limit) break;
    }
    const last = rows.at(-1);
    if (rows.length < chunk || last === undefined) break;
    after = { firedAt: isoFromMillis(last.fired_at_ms), alertId: last.alert_id, severityRank: SEVERITY_RANK[last.severity as Severity] };
  }
  return out;
}

/** One read of the queue in sort order: up to `count` rows after `after`, with every filter but the in-process triage check. */
async function readQueue(db: ApiDb, f: AlertQueueFilter, after: AlertKeyset | undefined, count: number, exactTriage: boolean): Promise<StoredAlertRow[]> {
  const where: string[] = [];
  const params: Record<string, unknown> = { count };
  if (f.severities?.length) {
    where.push('severity IN {severities:Array(String)}');
    params['severities'] = [...f.severities];
  }
  if (f.ruleIds?.length) {
    where.push('rule_id IN {ruleIds:Array(String)}');
    params['ruleIds'] = [...f.ruleIds];
  }
  if (f.actorId !== undefined) {
    where.push('actor_id = {actorId:String}');
    params['actorId'] = f.actorId;
  }
  if (f.application !== undefined) {
    where.push("actor_kind = 'application' AND actor_id = {application:String}");
    params['application'] = f.application;
  }
  if (f.patientId !== undefined) {
    where.push('has(patient_ids, {patientId:String})');
    params['patientId'] = f.patientId;
  }
  if (f.detector !== undefined) {
    where.push('detector = {detector:String}');
    params['detector'] = f.detector;
  }
  if (f.from !== undefined) {
    where.push(`fired_at >= ${msParam('from')}`);
    params['from'] = millis(f.from);
  }
  if (f.to !== undefined) {
    where.push(`fired_at < ${msParam('to')}`);
    params['to'] = millis(f.to);
  }
  // The triage state in small granules (migration 1008); the same rows as alert_state.
  const state = table(db, 'alert_state_by_id');
  if (f.statuses?.length) {
    params['statuses'] = [...f.statuses];
    if (exactTriage) {
      where.push(
        f.statuses.includes('new')
          ? `alert_id NOT IN (SELECT alert_id FROM ${state} GROUP BY alert_id HAVING argMax(status, version) NOT IN {statuses:Array(String)})`
          : `alert_id IN (SELECT alert_id FROM ${state} GROUP BY alert_id HAVING argMax(status, version) IN {statuses:Array(String)})`,
      );
    } else if (!f.statuses.includes('new')) {
      where.push(`alert_id IN (SELECT alert_id FROM ${state} WHERE status IN {statuses:Array(String)})`);
    }
  }
  if (f.assignee !== undefined) {
    params['assignee'] = f.assignee;
    where.push(
      exactTriage
        ? `alert_id IN (SELECT alert_id FROM ${state} GROUP BY alert_id HAVING argMax(assignee, version) = {assignee:String})`
        : `alert_id IN (SELECT alert_id FROM ${state} WHERE assignee = {assignee:String})`,
    );
  }

  const desc = f.sort.startsWith('-');
  const bySeverity = f.sort.endsWith('severity');
  const dir = desc ? 'DESC' : 'ASC';
  const keys = bySeverity ? ['severity_rank', 'fired_at', 'alert_id'] : ['fired_at', 'alert_id'];
  if (after !== undefined) {
    const cmp = desc ? '<' : '>';
    const at = msParam('afterAt');
    // The tuple comparison is the keyset; the bound on its leading column lets the primary key or projection skip what lies before it.
    where.push(
      bySeverity
        ? `severity_rank ${cmp}= {afterRank:UInt8} AND (severity_rank, fired_at, alert_id) ${cmp} ({afterRank:UInt8}, ${at}, {afterId:String})`
        : `fired_at ${cmp}= ${at} AND (fired_at, alert_id) ${cmp} (${at}, {afterId:String})`,
    );
    params['afterAt'] = millis(after.firedAt);
    params['afterId'] = after.alertId;
    params['afterRank'] = after.severityRank ?? 0;
  }
  return queryRows<StoredAlertRow>(
    db,
    // severity_rank is sorted on but not selected: the actor projection does not hold that column.
    `SELECT ${ALERT_COLUMNS} FROM ${table(db, 'alert_queue')}
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY ${keys.map((k) => `${k} ${dir}`).join(', ')} LIMIT {count:UInt32}`,
    params,
  );
}

/** Current triage of the given alerts: every stored version read by id (the primary key, in 128-row granules), the highest kept here. */
async function currentTriage(db: ApiDb, ids: readonly string[]): Promise<Map<string, AlertTriage>> {
  const byId = new Map<string, AlertTriage>();
  if (ids.length === 0) return byId;
  const rows = await queryRows<TriageRow>(
    db,
    `SELECT alert_id, status AS t_status, resolution AS t_resolution, reason AS t_reason, assignee AS t_assignee,
       toUnixTimestamp64Milli(updated_at) AS t_updated_at_ms, updated_by AS t_updated_by, version AS t_version
     FROM ${table(db, 'alert_state_by_id')} WHERE alert_id IN {ids:Array(String)}`,
    { ids: [...ids] },
  );
  for (const r of rows) {
    const seen = byId.get(r.alert_id);
    if (seen !== undefined && seen.version >= Number(r.t_version)) continue;
    byId.set(r.alert_id, triageFromQueueRow(r));
  }
  return byId;
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
