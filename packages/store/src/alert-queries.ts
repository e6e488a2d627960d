import type { Alert, Severity } from '@chartwatch/detect';
import { ChartwatchError } from '@chartwatch/errors';
import { ALERT_COLUMNS, rowToAlert } from './alert-row.ts';
import type { StoredAlertRow } from './alert-row.ts';
import { toClickHouseTime } from './clickhouse-time.ts';
import type { QueryContext } from './query-context.ts';
import { queryRows } from './query-context.ts';

/** Which alerts to list. Every field narrows; none set lists the newest alerts. */
export interface AlertFilter {
  alertIds?: readonly string[];
  actorId?: string;
  patientId?: string;
  ruleId?: string;
  detector?: 'rule' | 'model';
  severities?: readonly Severity[];
  /** firedAt >= firedFrom (ISO UTC). */
  firedFrom?: string;
  /** firedAt < firedTo (ISO UTC). */
  firedTo?: string;
  /** Default 'desc' (newest first). */
  order?: 'asc' | 'desc';
  /** Default 1,000, at most 10,000. */
  limit?: number;
  offset?: number;
}

export const DEFAULT_ALERT_LIMIT = 1_000;
export const MAX_ALERT_LIMIT = 10_000;

function checkCount(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ChartwatchError('CW_ERR_INPUT', `alert filter ${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** The alerts matching a filter, ordered by firedAt then alertId. */
export async function alerts(ctx: QueryContext, filter: AlertFilter = {}): Promise<Alert[]> {
  // Each condition is a fixed fragment; the filter only decides which fragments join and supplies parameters.
  const conditions: string[] = [];
  const params: Record<string, unknown> = {};
  if (filter.alertIds !== undefined) {
    conditions.push('alert_id IN {alertIds:Array(String)}');
    params['alertIds'] = [...filter.alertIds];
  }
  if (filter.actorId !== undefined) {
    conditions.push('actor_id = {actorId:String}');
    params['actorId'] = filter.actorId;
  }
  if (filter.patientId !== undefined) {
    conditions.push('has(patient_ids, {patientId:String})');
    params['patientId'] = filter.patientId;
  }
  if (filter.ruleId !== undefined) {
    conditions.push('rule_id = {ruleId:String}');
    params['ruleId'] = filter.ruleId;
  }
  if (filter.detector !== undefined) {
    conditions.push('detector = {detector:String}');
    params['detector'] = filter.detector;
  }
  if (filter.severities !== undefined) {
    conditions.push('severity IN {severities:Array(String)}');
    params['severities'] = [...filter.severities];
  }
  if (filter.firedFrom !== undefined) {
    conditions.push("fired_at >= {firedFrom:DateTime64(3, 'UTC')}");
    params['firedFrom'] = toClickHouseTime(filter.firedFrom);
  }
  if (filter.firedTo !== undefined) {
    conditions.push("fired_at < {firedTo:DateTime64(3, 'UTC')}");
    params['firedTo'] = toClickHouseTime(filter.firedTo);
  }
  params['limit'] = checkCount('limit', filter.limit ?? DEFAULT_ALERT_LIMIT, 1, MAX_ALERT_LIMIT);
  params['offset'] = checkCount('offset', filter.offset ?? 0, 0, Number.MAX_SAFE_INTEGER);
  const direction = filter.order === 'asc' ? 'ASC' : 'DESC';
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  const found = await queryRows<StoredAlertRow>(
    ctx,
    `SELECT ${ALERT_COLUMNS} FROM ${ctx.db}.alerts FINAL ${where}
     ORDER BY fired_at ${direction}, alert_id ${direction}
     LIMIT {limit:UInt32} OFFSET {offset:UInt64}`,
    params,
  );
  return found.map(rowToAlert);
}

/** One alert by id, or undefined. */
export async function alertById(ctx: QueryContext, alertId: string): Promise<Alert | undefined> {
  const [found] = await alerts(ctx, { alertIds: [alertId], limit: 1 });
  return found;
}

export async function countAlerts(ctx: QueryContext): Promise<number> {
  const [row] = await queryRows<{ n: number | string }>(ctx, `SELECT count() AS n FROM ${ctx.db}.alerts FINAL`, {});
  return Number(row?.n ?? 0);
}
