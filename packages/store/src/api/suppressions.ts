import type { ApiDb } from './db.ts';
import { clickHouseFromIso, isoFromMillis, millis, ms, msParam, nullableIsoFromMillis, queryRows, table } from './db.ts';

const COLUMNS = `suppression_id, rule_id, actor_id, patient_id, ${ms('expires_at')}, ${ms('created_at')}, created_by, reason,
  source_alert_id, ${ms('revoked_at')}, revoked_by, version`;

/**
 * A suppression silences one rule for one actor (optionally only for one
 * patient) until it expires: what an analyst asks for when closing an alert
 * as a false positive. The detector loads `activeSuppressions(db, now)` and
 * asks `isSuppressed(alert, list)` before raising an alert.
 */
export interface Suppression {
  suppressionId: string;
  ruleId: string;
  actorId: string;
  /** Null: every patient. */
  patientId: string | null;
  /** ISO-8601 UTC; alerts fired at or after this instant are no longer suppressed. */
  expiresAt: string;
  createdAt: string;
  createdBy: string;
  reason: string;
  /** The alert whose closing created it ('' when created directly). */
  sourceAlertId: string;
  revokedAt: string | null;
  revokedBy: string;
}

/** The alert fields the matcher reads (a subset of @chartwatch/detect's Alert). */
export interface SuppressibleAlert {
  ruleId: string;
  actorId: string;
  patientIds: readonly string[];
  patientCount: number;
  /** Event time the alert fired at, ISO-8601 UTC. */
  firedAt: string;
}

/**
 * The suppressions that cover an alert. Pure: time is the alert's own event
 * time, so a replay decides exactly as the live stream did.
 *
 * A patient-scoped suppression covers an alert only when every patient of the
 * alert is covered: an alert about p1 and p2 still fires when only p1 was
 * judged harmless. A capped patient list (patientCount > patientIds.length)
 * is never fully covered by patient-scoped suppressions.
 */
export function matchingSuppressions(alert: SuppressibleAlert, suppressions: readonly Suppression[]): Suppression[] {
  const firedAt = Date.parse(alert.firedAt);
  const candidates = suppressions.filter(
    (s) => s.revokedAt === null && s.ruleId === alert.ruleId && s.actorId === alert.actorId && firedAt < Date.parse(s.expiresAt),
  );
  if (candidates.length === 0) return [];
  const actorWide = candidates.filter((s) => s.patientId === null);
  if (actorWide.length > 0) return actorWide;
  if (alert.patientIds.length === 0 || alert.patientCount > alert.patientIds.length) return [];
  const byPatient = new Map<string, Suppression>();
  for (const s of candidates) if (s.patientId !== null && !byPatient.has(s.patientId)) byPatient.set(s.patientId, s);
  const used: Suppression[] = [];
  for (const p of alert.patientIds) {
    const s = byPatient.get(p);
    if (s === undefined) return [];
    if (!used.includes(s)) used.push(s);
  }
  return used;
}

export function isSuppressed(alert: SuppressibleAlert, suppressions: readonly Suppression[]): boolean {
  return matchingSuppressions(alert, suppressions).length > 0;
}

interface SuppressionRow {
  suppression_id: string;
  rule_id: string;
  actor_id: string;
  patient_id: string | null;
  expires_at: string;
  created_at: string;
  created_by: string;
  reason: string;
  source_alert_id: string;
  revoked_at: string | null;
  revoked_by: string;
  version: string | number;
}

type StoredSuppressionRow = Omit<SuppressionRow, 'expires_at' | 'created_at' | 'revoked_at'> & {
  expires_at_ms: string | number;
  created_at_ms: string | number;
  revoked_at_ms: string | number | null;
};

function fromRow(r: StoredSuppressionRow): Suppression {
  return {
    suppressionId: r.suppression_id,
    ruleId: r.rule_id,
    actorId: r.actor_id,
    patientId: r.patient_id,
    expiresAt: isoFromMillis(r.expires_at_ms),
    createdAt: isoFromMillis(r.created_at_ms),
    createdBy: r.created_by,
    reason: r.reason,
    sourceAlertId: r.source_alert_id,
    revokedAt: nullableIsoFromMillis(r.revoked_at_ms),
    revokedBy: r.revoked_by,
  };
}

function toRow(s: Suppression, version: number): SuppressionRow {
  return {
    suppression_id: s.suppressionId,
    rule_id: s.ruleId,
    actor_id: s.actorId,
    patient_id: s.patientId,
    expires_at: clickHouseFromIso(s.expiresAt),
    created_at: clickHouseFromIso(s.createdAt),
    created_by: s.createdBy,
    reason: s.reason,
    source_alert_id: s.sourceAlertId,
    revoked_at: s.revokedAt === null ? null : clickHouseFromIso(s.revokedAt),
    revoked_by: s.revokedBy,
    version,
  };
}

export async function insertSuppression(db: ApiDb, s: Suppression): Promise<void> {
  await db.client.insert({ table: table(db, 'suppressions'), values: [toRow(s, 1)], format: 'JSONEachRow' });
}

export async function getSuppression(db: ApiDb, suppressionId: string): Promise<Suppression | null> {
  const rows = await queryRows<StoredSuppressionRow>(
    db,
    `SELECT ${COLUMNS} FROM ${table(db, 'suppressions')} FINAL WHERE suppression_id = {id:String} LIMIT 1`,
    { id: suppressionId },
  );
  return rows[0] === undefined ? null : fromRow(rows[0]);
}

/** Marks a suppression revoked; returns it, or null when there is no such suppression. */
export async function revokeSuppression(db: ApiDb, suppressionId: string, by: string, at: string): Promise<Suppression | null> {
  const rows = await queryRows<StoredSuppressionRow>(
    db,
    `SELECT ${COLUMNS} FROM ${table(db, 'suppressions')} FINAL WHERE suppression_id = {id:String} LIMIT 1`,
    { id: suppressionId },
  );
  const row = rows[0];
  if (row === undefined) return null;
  const current = fromRow(row);
  if (current.revokedAt !== null) return current;
  const revoked: Suppression = { ...current, revokedAt: at, revokedBy: by };
  await db.client.insert({ table: table(db, 'suppressions'), values: [toRow(revoked, Number(row.version) + 1)], format: 'JSONEachRow' });
  return revoked;
}

export interface SuppressionFilter {
  ruleId?: string;
  actorId?: string;
  /** Only those neither revoked nor expired at this instant. */
  activeAt?: string;
  limit: number;
}

export async function listSuppressions(db: ApiDb, filter: SuppressionFilter): Promise<Suppression[]> {
  const where: string[] = [];
  const params: Record<string, unknown> = { limit: filter.limit };
  if (filter.ruleId !== undefined) {
    where.push('rule_id = {ruleId:String}');
    params['ruleId'] = filter.ruleId;
  }
  if (filter.actorId !== undefined) {
    where.push('actor_id = {actorId:String}');
    params['actorId'] = filter.actorId;
  }
  if (filter.activeAt !== undefined) {
    where.push(`revoked_at IS NULL AND expires_at > ${msParam('at')}`);
    params['at'] = millis(filter.activeAt);
  }
  const rows = await queryRows<StoredSuppressionRow>(
    db,
    `SELECT ${COLUMNS} FROM ${table(db, 'suppressions')} FINAL ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at DESC, suppression_id LIMIT {limit:UInt32}`,
    params,
  );
  return rows.map(fromRow);
}

/** Every suppression neither revoked nor expired at `at` (ISO-8601): what the detector loads. */
export async function activeSuppressions(db: ApiDb, at: string): Promise<Suppression[]> {
  return listSuppressions(db, { activeAt: at, limit: 1_000_000 });
}
