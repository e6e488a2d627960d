import type { ApiDb } from './db.ts';
import { isoFromMillis, queryRows, table } from './db.ts';

/**
 * Finding a patient before reading their access report: by id, or (for the
 * roles allowed names) by name, and telling a mistyped id apart from a real
 * patient nobody opened. A report of "0 accesses" for `p9999999` read exactly
 * like a patient's clean record: a privacy officer could have sent it.
 */

/** One patient as a search lists them; names only when the caller asked for them. */
export interface PatientMatch {
  patientId: string;
  givenName: string | null;
  familyName: string | null;
  birthDate: string | null;
  vip: boolean;
  deceased: boolean;
}

/** What the store knows of one patient id. */
export interface PatientProfile extends PatientMatch {
  /** In the reference patients table. */
  inDirectory: boolean;
  /** Any stored access names the id (a patient missing from the directory is still real if charts were opened). */
  accessed: boolean;
}

interface PatientRow {
  patient_id: string;
  given_name: string | null;
  family_name: string | null;
  birth_date: string | null;
  vip: boolean | number;
  deceased_ms: string | number | null;
}

const SELECT = `patient_id, given_name, family_name, toString(birth_date) AS birth_date, vip,
  if(deceased_at IS NULL, NULL, toUnixTimestamp64Milli(deceased_at)) AS deceased_ms`;

function toMatch(r: PatientRow, withNames: boolean): PatientMatch {
  return {
    patientId: r.patient_id,
    givenName: withNames ? r.given_name : null,
    familyName: withNames ? r.family_name : null,
    birthDate: withNames ? r.birth_date : null,
    vip: r.vip === true || r.vip === 1,
    deceased: r.deceased_ms !== null,
  };
}

export interface PatientSearch {
  /** An id (exact or prefix), or with `byName` a name: "vega", "marisol vega", "vega marisol". */
  text: string;
  /** Match names too and return them: only for roles allowed names (minimum PHI). */
  byName: boolean;
  limit: number;
}

/** Patients whose id starts with the text, or (byName) whose given and family names contain every word of it; exact ids first. */
export async function findPatients(db: ApiDb, search: PatientSearch): Promise<PatientMatch[]> {
  const text = search.text.trim();
  if (text === '') return [];
  const words = text.toLowerCase().split(/\s+/).filter((w) => w !== '').slice(0, 4);
  const nameClause = search.byName
    ? ` OR arrayAll(w -> positionCaseInsensitiveUTF8(concat(ifNull(given_name, ''), ' ', ifNull(family_name, '')), w) > 0, {words:Array(String)})`
    : '';
  const rows = await queryRows<PatientRow>(
    db,
    `SELECT ${SELECT} FROM ${table(db, 'patients')}
     WHERE startsWith(patient_id, {text:String})${nameClause}
     ORDER BY patient_id = {text:String} DESC, family_name, given_name, patient_id
     LIMIT 1 BY patient_id LIMIT {limit:UInt32}`,
    { text, words, limit: search.limit },
  );
  return rows.map((r) => toMatch(r, search.byName));
}

/** The directory's entry for one id, and whether any stored access names it; null when neither knows it. */
export async function patientProfile(db: ApiDb, patientId: string, withNames: boolean): Promise<PatientProfile | null> {
  const [rows, seen] = await Promise.all([
    queryRows<PatientRow>(db, `SELECT ${SELECT} FROM ${table(db, 'patients')} WHERE patient_id = {id:String} LIMIT 1`, { id: patientId }),
    // The packed report table is ordered by patient_id: one key range, a granule at most.
    queryRows<{ n: string | number }>(db, `SELECT count() AS n FROM (SELECT 1 FROM ${table(db, 'patient_access_packed')} WHERE patient_id = {id:String} LIMIT 1)`, { id: patientId }),
  ]);
  const accessed = Number(seen[0]?.n ?? 0) > 0;
  const row = rows[0];
  if (row === undefined) {
    if (!accessed) return null;
    return { patientId, givenName: null, familyName: null, birthDate: null, vip: false, deceased: false, inDirectory: false, accessed };
  }
  return { ...toMatch(row, withNames), inDirectory: true, accessed };
}

/** Alerts that name a patient, newest first: the report links them. */
export interface PatientAlertRef {
  alertId: string;
  ruleId: string;
  title: string;
  severity: string;
  actorId: string;
  firedAt: string;
}

export async function patientAlerts(db: ApiDb, patientId: string, limit: number): Promise<PatientAlertRef[]> {
  const rows = await queryRows<{ alert_id: string; rule_id: string; title: string; severity: string; actor_id: string; fired_ms: string | number }>(
    db,
    `SELECT alert_id, rule_id, title, severity, actor_id, toUnixTimestamp64Milli(fired_at) AS fired_ms
     FROM ${table(db, 'alert_queue')} FINAL WHERE has(patient_ids, {id:String})
     ORDER BY fired_at DESC, alert_id LIMIT {limit:UInt32}`,
    { id: patientId, limit },
  );
  return rows.map((r) => ({ alertId: r.alert_id, ruleId: r.rule_id, title: r.title, severity: r.severity, actorId: r.actor_id, firedAt: isoFromMillis(r.fired_ms) }));
}
