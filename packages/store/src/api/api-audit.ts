import { createHash } from 'node:crypto';
import type { ApiDb } from './db.ts';
import { clickHouseFromIso, isoFromMillis, millis, ms, msParam, queryRows, table } from './db.ts';

/** One read of patient data (or one admin or security action) through the API: who, what, when, from where. */
export interface ApiAuditRecord {
  at: string;
  requestId: string;
  principalId: string;
  principalKind: 'api_key' | 'oidc' | 'system';
  role: string;
  routeId: string;
  method: string;
  /** The route pattern, never the concrete URL (which may hold a patient id in a log, not here: here ids are the point). */
  urlPath: string;
  patientIds: string[];
  alertIds: string[];
  actorIds: string[];
  /** What an admin or security action touched besides patients, alerts and actors: key ids, suppression ids, webhook receivers. */
  subjectIds: string[];
  ip: string;
  status: number;
}

/** A row's place in its writer's hash chain (migration 1018). */
export interface AuditChainLink {
  /** One chain per writer (an API process); '' for rows written before the chain existed. */
  chainId: string;
  /** 0, 1, 2, … within the chain. */
  seq: number;
  /** The hash of the row before (in this chain, or for seq 0 the newest row in the table when the chain began; '' for the first ever). */
  prevHash: string;
  /** SHA-256 of prevHash and this row's content (auditRowHash). */
  hash: string;
}

export type ChainedAuditRecord = ApiAuditRecord & AuditChainLink;

/**
 * The hash of one audit row: SHA-256 over its chain position, the previous
 * row's hash and every field, as one JSON array (a fixed order, so no
 * field can be moved into another without changing the hash).
 */
export function auditRowHash(r: ApiAuditRecord & Omit<AuditChainLink, 'hash'>): string {
  const content = JSON.stringify([
    r.chainId, r.seq, r.prevHash, r.at, r.requestId, r.principalId, r.principalKind, r.role, r.routeId, r.method, r.urlPath,
    r.patientIds, r.alertIds, r.actorIds, r.subjectIds, r.ip, r.status,
  ]);
  return createHash('sha256').update(content, 'utf8').digest('hex');
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
  subject_ids: string[];
  ip: string;
  status: number;
  chain_id: string;
  seq: number | string;
  prev_hash: string;
  hash: string;
}

type StoredAuditRow = Omit<AuditRow, 'at'> & { at_ms: string | number };

const SELECT_COLUMNS = `${ms('at')}, request_id, principal_id, principal_kind, role, route_id, method, url_path, patient_ids, alert_ids, actor_ids, subject_ids, ip, status, chain_id, seq, prev_hash, hash`;

function fromRow(r: StoredAuditRow): ChainedAuditRecord {
  return {
    at: isoFromMillis(r.at_ms),
    requestId: r.request_id,
    principalId: r.principal_id,
    principalKind: r.principal_kind as ApiAuditRecord['principalKind'],
    role: r.role,
    routeId: r.route_id,
    method: r.method,
    urlPath: r.url_path,
    patientIds: r.patient_ids,
    alertIds: r.alert_ids,
    actorIds: r.actor_ids,
    subjectIds: r.subject_ids,
    ip: r.ip,
    status: Number(r.status),
    chainId: r.chain_id,
    seq: Number(r.seq),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export async function insertApiAudit(db: ApiDb, records: readonly ChainedAuditRecord[]): Promise<void> {
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
    subject_ids: r.subjectIds,
    ip: r.ip,
    status: r.status,
    chain_id: r.chainId,
    seq: r.seq,
    prev_hash: r.prevHash,
    hash: r.hash,
  }));
  await db.client.insert({ table: table(db, 'api_audit'), values, format: 'JSONEachRow' });
}

/** The hash of the newest chained row: where a new writer's chain begins ('' on an empty trail). */
export async function latestApiAuditHash(db: ApiDb): Promise<string> {
  const rows = await queryRows<{ hash: string }>(db, `SELECT hash FROM ${table(db, 'api_audit')} WHERE hash != '' ORDER BY at DESC, seq DESC LIMIT 1`);
  return rows[0]?.hash ?? '';
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

export async function listApiAudit(db: ApiDb, f: ApiAuditFilter): Promise<ChainedAuditRecord[]> {
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
  const rows = await queryRows<StoredAuditRow>(
    db,
    `SELECT ${SELECT_COLUMNS} FROM ${table(db, 'api_audit')} WHERE ${where.join(' AND ')} ORDER BY at DESC, request_id DESC LIMIT {limit:UInt32}`,
    params,
  );
  return rows.map(fromRow);
}

/** What `chartwatch audit verify` found. */
export interface AuditChainReport {
  /** Chained rows checked. */
  rows: number;
  chains: number;
  /** Rows written before the chain existed (no chain id): not verifiable. */
  unchained: number;
  /** The first row that breaks its chain, or null when every chain holds. */
  firstBreak: { chainId: string; seq: number; requestId: string; at: string; reason: string } | null;
}

const VERIFY_PAGE = 10_000;

/**
 * Walks every chain in (chain, seq) order: each row's hash must be the hash
 * of its content, its seq one more than the row before, its prevHash that
 * row's hash; a chain's first row must link to '' or to a row that exists.
 * Rows that were altered, removed from the middle or inserted show as the
 * first break; a chain cut short at its end does not (nothing follows it).
 */
export async function verifyApiAuditChain(db: ApiDb): Promise<AuditChainReport> {
  const t = table(db, 'api_audit');
  const unchained = Number((await queryRows<{ n: string | number }>(db, `SELECT count() AS n FROM ${t} WHERE chain_id = ''`))[0]?.n ?? 0);
  const report: AuditChainReport = { rows: 0, chains: 0, unchained, firstBreak: null };
  const starts: ChainedAuditRecord[] = [];
  let prev: ChainedAuditRecord | null = null;
  let after: { chainId: string; seq: number } | null = null;
  for (;;) {
    const rows: ChainedAuditRecord[] = (await queryRows<StoredAuditRow>(
      db,
      `SELECT ${SELECT_COLUMNS} FROM ${t} WHERE chain_id != ''${after ? ' AND (chain_id, seq) > ({afterChain:String}, {afterSeq:UInt64})' : ''} ORDER BY chain_id, seq LIMIT {limit:UInt32}`,
      { limit: VERIFY_PAGE, ...(after ? { afterChain: after.chainId, afterSeq: after.seq } : {}) },
    )).map(fromRow);
    for (const r of rows) {
      report.rows += 1;
      const broken = (reason: string) => ({ chainId: r.chainId, seq: r.seq, requestId: r.requestId, at: r.at, reason });
      if (auditRowHash(r) !== r.hash) {
        report.firstBreak = broken('its content does not match its hash (the row was altered)');
        return report;
      }
      if (prev === null || prev.chainId !== r.chainId) {
        report.chains += 1;
        if (r.seq !== 0) {
          report.firstBreak = broken(`the chain starts at seq ${r.seq}, not 0 (rows before it are missing)`);
          return report;
        }
        starts.push(r);
      } else if (r.seq === prev.seq) {
        report.firstBreak = broken(`seq ${r.seq} appears twice in the chain`);
        return report;
      } else if (r.seq !== prev.seq + 1) {
        report.firstBreak = broken(`follows seq ${prev.seq}: the rows between are missing`);
        return report;
      } else if (r.prevHash !== prev.hash) {
        report.firstBreak = broken(`its previous hash is not the hash of seq ${prev.seq}`);
        return report;
      }
      prev = r;
    }
    const last = rows.at(-1);
    if (rows.length < VERIFY_PAGE || last === undefined) break;
    after = { chainId: last.chainId, seq: last.seq };
  }
  // A chain's first row links to the row that was newest when its writer began.
  for (const s of starts) {
    if (s.prevHash === '') continue;
    const found = await queryRows<{ n: string | number }>(db, `SELECT count() AS n FROM ${t} WHERE hash = {h:String}`, { h: s.prevHash });
    if (Number(found[0]?.n ?? 0) === 0) {
      report.firstBreak = { chainId: s.chainId, seq: s.seq, requestId: s.requestId, at: s.at, reason: 'the row its chain began after is missing' };
      return report;
    }
  }
  return report;
}
