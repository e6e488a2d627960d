import type { ApiDb } from './db.ts';
import { clickHouseFromIso, isoFromMillis, millis, ms, msParam, queryRows, table } from './db.ts';

/** One read of patient data through the API: who, what, when, from where. */
export interface ApiAuditRecord {
  at: string;
  requestId: string;
  principalId: string;
  principalKind: 'api_key' | 'oidc';
  role: string;
  routeId: string;
  method: string;
  /** The route pattern, never the concrete URL (which may hold a patient id in a log, not here: here ids are the point). */
  urlPath: string;
  patientIds: string[];
  alertIds: string[];
  actorIds: string[];
  ip: string;
  status: number;
}

interface AuditRow {
  at: string;
  request_id: string;
  principal_id: string;
  principal_kind: string;
  role: string;
  route_id: string;
  method: string;
  url_path: string;
  patient_ids: string[];
  alert_ids: string[];
  actor_ids: string[];
  ip: string;
  status: number;
}

export async function insertApiAudit(db: ApiDb, records: readonly ApiAuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  const values: AuditRow[] = records.map((r) => ({
    at: clickHouseFromIso(r.at),
    request_id: r.requestId,
    principal_id: r.principalId,
    principal_kind: r.principalKind,
    role: r.role,
    route_id: r.routeId,
    method: r.method,
    url_path: r.urlPath,
    patient_ids: r.patientIds,
    alert_ids: r.alertIds,
    actor_ids: r.actorIds,
    ip: r.ip,
    status: r.status,
  }));
  await db.client.insert({ table: table(db, 'api_audit'), values, format: 'JSONEachRow' });
}

export interface ApiAuditFilter {
  from: string;
  to: string;
  principalId?: string;
  patientId?: string;
  alertId?: string;
  routeId?: string;
  /** Keyset cursor: rows strictly older than (at, requestId). */
  before?: { at: string; requestId: string };
  limit: number;
}

export async function listApiAudit(db: ApiDb, f: ApiAuditFilter): Promise<ApiAuditRecord[]> {
  const where = [
    `at >= ${msParam('from')}`,
    `at < ${msParam('to')}`,
  ];
  const params: Record<string, unknown> = { from: millis(f.from), to: millis(f.to), limit: f.limit };
  if (f.principalId !== undefined) {
    where.push('principal_id = {principalId:String}');
    params['principalId'] = f.principalId;
  }
  if (f.patientId !== undefined) {
    where.push('has(patient_ids, {patientId:String})');
    params['patientId'] = f.patientId;
  }
  if (f.alertId !== undefined) {
    where.push('has(alert_ids, {alertId:String})');
    params['alertId'] = f.alertId;
  }
  if (f.routeId !== undefined) {
    where.push('route_id = {routeId:String}');
    params['routeId'] = f.routeId;
  }
  if (f.before !== undefined) {
    where.push(`(at, request_id) < (${msParam('beforeAt')}, {beforeId:String})`);
    params['beforeAt'] = millis(f.before.at);
    params['beforeId'] = f.before.requestId;
  }
  const rows = await queryRows<Omit<AuditRow, 'at'> & { at_ms: string | number }>(
    db,
    `SELECT ${ms('at')}, request_id, principal_id, principal_kind, role, route_id, method, url_path, patient_ids, alert_ids, actor_ids, ip, status FROM ${table(db, 'api_audit')} WHERE ${where.join(' AND ')} ORDER BY at DESC, request_id DESC LIMIT {limit:UInt32}`,
    params,
  );
  return rows.map((r) => ({
    at: isoFromMillis(r.at_ms),
    requestId: r.request_id,
    principalId: r.principal_id,
    principalKind: r.principal_kind as 'api_key' | 'oidc',
    role: r.role,
    routeId: r.route_id,
    method: r.method,
    urlPath: r.url_path,
    patientIds: r.patient_ids,
    alertIds: r.alert_ids,
    actorIds: r.actor_ids,
    ip: r.ip,
    status: Number(r.status),
  }));
}
