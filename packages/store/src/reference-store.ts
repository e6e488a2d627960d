import type { ClickHouseClient } from '@clickhouse/client';
import { ChartwatchError } from '@chartwatch/errors';
import type { Encounter, Patient, ReferenceSet, Staff, Vendor } from '@chartwatch/reference';
import { fromNullableEpochMillis, fromEpochMillis, toClickHouseTime, toNullableClickHouseTime } from './clickhouse-time.ts';
import type { ReferenceTable } from './migrations.ts';
import { REFERENCE_TABLES } from './migrations.ts';
import type { QueryContext } from './query-context.ts';
import { queryRows } from './query-context.ts';

/**
 * Reference tables in ClickHouse. A reload never edits a live table: it
 * fills a staging copy and swaps it in with EXCHANGE TABLES, one atomic
 * rename in an Atomic database, so a reader sees the old rows or the new,
 * never a half-loaded table. (Each table swaps on its own: between two
 * swaps a reader can see new staff next to old patients for a moment.)
 */

type Ms = number | string;
type Row = Record<string, unknown>;

interface TableMapping<T> {
  toRow(record: T): Row;
  columns: string;
  fromRow(row: Row): T;
}

const staffMapping: TableMapping<Staff> = {
  toRow: (s) => ({
    actor_id: s.actorId,
    given_name: s.givenName,
    family_name: s.familyName,
    address: s.address,
    department: s.department,
    role: s.role,
    hired_at: toNullableClickHouseTime(s.hiredAt),
    terminated_at: toNullableClickHouseTime(s.terminatedAt),
  }),
  columns: `actor_id, given_name, family_name, address, department, role,
    toUnixTimestamp64Milli(hired_at) AS hired_at_ms, toUnixTimestamp64Milli(terminated_at) AS terminated_at_ms`,
  fromRow: (r) => ({
    actorId: r['actor_id'] as string,
    givenName: r['given_name'] as string | null,
    familyName: r['family_name'] as string | null,
    address: r['address'] as string | null,
    department: r['department'] as string | null,
    role: r['role'] as string | null,
    hiredAt: fromNullableEpochMillis(r['hired_at_ms'] as Ms | null),
    terminatedAt: fromNullableEpochMillis(r['terminated_at_ms'] as Ms | null),
  }),
};

const patientMapping: TableMapping<Patient> = {
  toRow: (p) => ({
    patient_id: p.patientId,
    given_name: p.givenName,
    family_name: p.familyName,
    address: p.address,
    birth_date: p.birthDate,
    deceased_at: toNullableClickHouseTime(p.deceasedAt),
    vip: p.vip,
    employee_actor_id: p.employeeActorId,
  }),
  columns: `patient_id, given_name, family_name, address, toString(birth_date) AS birth_date,
    toUnixTimestamp64Milli(deceased_at) AS deceased_at_ms, vip, employee_actor_id`,
  fromRow: (r) => ({
    patientId: r['patient_id'] as string,
    givenName: r['given_name'] as string | null,
    familyName: r['family_name'] as string | null,
    address: r['address'] as string | null,
    birthDate: r['birth_date'] as string | null,
    deceasedAt: fromNullableEpochMillis(r['deceased_at_ms'] as Ms | null),
    vip: Boolean(r['vip']),
    employeeActorId: r['employee_actor_id'] as string | null,
  }),
};

const vendorMapping: TableMapping<Vendor> = {
  toRow: (v) => ({ client_id: v.clientId, name: v.name, daily_quota: v.dailyQuota }),
  columns: 'client_id, name, daily_quota',
  fromRow: (r) => ({
    clientId: r['client_id'] as string,
    name: r['name'] as string | null,
    dailyQuota: r['daily_quota'] === null ? null : Number(r['daily_quota']),
  }),
};

const encounterMapping: TableMapping<Encounter> = {
  toRow: (e) => ({ patient_id: e.patientId, department: e.department, start_time: toClickHouseTime(e.start), end_time: toNullableClickHouseTime(e.end) }),
  columns: 'patient_id, department, toUnixTimestamp64Milli(start_time) AS start_ms, toUnixTimestamp64Milli(end_time) AS end_ms',
  fromRow: (r) => ({
    patientId: r['patient_id'] as string,
    department: r['department'] as string,
    start: fromEpochMillis(r['start_ms'] as Ms),
    end: fromNullableEpochMillis(r['end_ms'] as Ms | null),
  }),
};

const ORDER: Record<ReferenceTable, string> = {
  staff: 'actor_id',
  patients: 'patient_id',
  vendors: 'client_id',
  encounters: 'patient_id, start_time, department',
};

async function readTable<T>(ctx: QueryContext, table: ReferenceTable, mapping: TableMapping<T>): Promise<T[]> {
  const found = await queryRows<Row>(ctx, `SELECT ${mapping.columns} FROM ${ctx.db}.${table} ORDER BY ${ORDER[table]}`, {});
  return found.map(mapping.fromRow);
}

/** The reference tables read back as a ReferenceSet, each list in key order. */
export async function referenceSet(ctx: QueryContext): Promise<ReferenceSet> {
  const [staff, patients, vendors, encounters] = await Promise.all([
    readTable(ctx, 'staff', staffMapping),
    readTable(ctx, 'patients', patientMapping),
    readTable(ctx, 'vendors', vendorMapping),
    readTable(ctx, 'encounters', encounterMapping),
  ]);
  return { staff, patients, vendors, encounters };
}

export const DEFAULT_REFERENCE_ROWS_PER_INSERT = 5_000;

async function swapIn(client: ClickHouseClient, db: string, table: ReferenceTable, rows: Row[], rowsPerInsert: number): Promise<void> {
  const live = `${db}.${table}`;
  const staging = `${db}.${table}__loading`;
  // A staging table left by a crashed reload is stale: start from a fresh copy of the live structure.
  await client.command({ query: `DROP TABLE IF EXISTS ${staging}` });
  await client.command({ query: `CREATE TABLE ${staging} AS ${live}` });
  for (let start = 0; start < rows.length; start += rowsPerInsert) {
    await client.insert({ table: staging, values: rows.slice(start, start + rowsPerInsert), format: 'JSONEachRow' });
  }
  await client.command({ query: `EXCHANGE TABLES ${staging} AND ${live}` });
  await client.command({ query: `DROP TABLE IF EXISTS ${staging}` });
}

/** Replaces the four reference tables with the set's rows, each table swapped in atomically. */
export async function replaceReference(
  client: ClickHouseClient,
  db: string,
  set: ReferenceSet,
  options: { rowsPerInsert?: number } = {},
): Promise<void> {
  const rowsPerInsert = options.rowsPerInsert ?? DEFAULT_REFERENCE_ROWS_PER_INSERT;
  // Rows are converted before any table is touched, so a bad time fails the reload with nothing swapped.
  const rows: Record<ReferenceTable, Row[]> = {
    staff: set.staff.map(staffMapping.toRow),
    patients: set.patients.map(patientMapping.toRow),
    vendors: set.vendors.map(vendorMapping.toRow),
    encounters: set.encounters.map(encounterMapping.toRow),
  };
  for (const table of REFERENCE_TABLES) {
    try {
      await swapIn(client, db, table, rows[table], rowsPerInsert);
    } catch (err) {
      throw new ChartwatchError('CW_ERR_STORE', `reload of reference table ${table} failed: ${(err as Error).message}`, { cause: err });
    }
  }
}
