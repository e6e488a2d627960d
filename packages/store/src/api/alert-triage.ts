import type { ApiDb } from './db.ts';
import { clickHouseFromIso, isoFromMillis, ms, queryRows, table } from './db.ts';

/**
 * An alert's triage: where it is in its lifecycle, who owns it, and every
 * change ever made, kept as history. The detector's `alerts` rows are never
 * modified; triage lives beside them, keyed by alert id.
 */

export const ALERT_STATUSES = ['new', 'investigating', 'closed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export const RESOLUTIONS = ['confirmed', 'false_positive', 'benign'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export interface AlertTriage {
  alertId: string;
  status: AlertStatus;
  resolution: Resolution | null;
  reason: string;
  assignee: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
  /** 0 for an alert nobody has touched. */
  version: number;
}

export type ChangeKind = 'status' | 'assignment' | 'comment' | 'suppression';

export interface HistoryEntry {
  alertId: string;
  version: number;
  at: string;
  principalId: string;
  principalRole: string;
  change: ChangeKind;
  from: string;
  to: string;
  reason: string;
  /** Comment or suppression id for those changes. */
  refId: string;
}

export interface Comment {
  alertId: string;
  commentId: string;
  at: string;
  principalId: string;
  body: string;
}

export function untouchedTriage(alertId: string): AlertTriage {
  return { alertId, status: 'new', resolution: null, reason: '', assignee: null, updatedAt: null, updatedBy: null, version: 0 };
}

interface StateRow {
  alert_id: string;
  status: string;
  resolution: string;
  reason: string;
  assignee: string;
  updated_at_ms: string | number;
  updated_by: string;
  version: string | number;
}

function triageFromRow(r: StateRow): AlertTriage {
  return {
    alertId: r.alert_id,
    status: r.status as AlertStatus,
    resolution: r.resolution === '' ? null : (r.resolution as Resolution),
    reason: r.reason,
    assignee: r.assignee === '' ? null : r.assignee,
    updatedAt: isoFromMillis(r.updated_at_ms),
    updatedBy: r.updated_by,
    version: Number(r.version),
  };
}

export async function getTriage(db: ApiDb, alertId: string): Promise<AlertTriage> {
  const rows = await queryRows<StateRow>(
    db,
    `SELECT alert_id, status, resolution, reason, assignee, ${ms('updated_at')}, updated_by, version FROM ${table(db, 'alert_state')} WHERE alert_id = {id:String} ORDER BY version DESC LIMIT 1`,
    { id: alertId },
  );
  return rows[0] === undefined ? untouchedTriage(alertId) : triageFromRow(rows[0]);
}

/**
 * Records one change: the history entry first, then the new state, so a crash
 * between the two leaves history ahead of state, never a state without its
 * history. Versions must come from the caller's read of the current state;
 * the API serialises changes per alert.
 */
export async function recordChange(db: ApiDb, next: AlertTriage, entry: HistoryEntry): Promise<void> {
  await db.client.insert({
    table: table(db, 'alert_history'),
    values: [
      {
        alert_id: entry.alertId,
        version: entry.version,
        at: clickHouseFromIso(entry.at),
        principal_id: entry.principalId,
        principal_role: entry.principalRole,
        change: entry.change,
        from_value: entry.from,
        to_value: entry.to,
        reason: entry.reason,
        ref_id: entry.refId,
      },
    ],
    format: 'JSONEachRow',
  });
  await db.client.insert({
    table: table(db, 'alert_state'),
    values: [
      {
        alert_id: next.alertId,
        status: next.status,
        resolution: next.resolution ?? '',
        reason: next.reason,
        assignee: next.assignee ?? '',
        updated_at: clickHouseFromIso(next.updatedAt ?? entry.at),
        updated_by: next.updatedBy ?? entry.principalId,
        version: next.version,
      },
    ],
    format: 'JSONEachRow',
  });
}

interface HistoryRow {
  alert_id: string;
  version: string | number;
  at_ms: string | number;
  principal_id: string;
  principal_role: string;
  change: string;
  from_value: string;
  to_value: string;
  reason: string;
  ref_id: string;
}

export async function listHistory(db: ApiDb, alertId: string): Promise<HistoryEntry[]> {
  const rows = await queryRows<HistoryRow>(
    db,
    `SELECT alert_id, version, ${ms('at')}, principal_id, principal_role, change, from_value, to_value, reason, ref_id FROM ${table(db, 'alert_history')} WHERE alert_id = {id:String} ORDER BY version, at`,
    { id: alertId },
  );
  return rows.map((r) => ({
    alertId: r.alert_id,
    version: Number(r.version),
    at: isoFromMillis(r.at_ms),
    principalId: r.principal_id,
    principalRole: r.principal_role,
    change: r.change as ChangeKind,
    from: r.from_value,
    to: r.to_value,
    reason: r.reason,
    refId: r.ref_id,
  }));
}

export async function insertComment(db: ApiDb, c: Comment): Promise<void> {
  await db.client.insert({
    table: table(db, 'alert_comments'),
    values: [{ alert_id: c.alertId, comment_id: c.commentId, at: clickHouseFromIso(c.at), principal_id: c.principalId, body: c.body }],
    format: 'JSONEachRow',
  });
}

export async function listComments(db: ApiDb, alertId: string): Promise<Comment[]> {
  const rows = await queryRows<{ alert_id: string; comment_id: string; at_ms: string | number; principal_id: string; body: string }>(
    db,
    `SELECT alert_id, comment_id, ${ms('at')}, principal_id, body FROM ${table(db, 'alert_comments')} WHERE alert_id = {id:String} ORDER BY at, comment_id`,
    { id: alertId },
  );
  return rows.map((r) => ({ alertId: r.alert_id, commentId: r.comment_id, at: isoFromMillis(r.at_ms), principalId: r.principal_id, body: r.body }));
}
