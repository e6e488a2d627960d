import { parse } from 'csv-parse/sync';
import { FileContentError } from '@chartwatch/errors';
import type { CellResult } from './cell-values.ts';
import { readBirthDate, readBoolean, readId, readNonNegativeInteger, readText, readTime } from './cell-values.ts';
import type { Encounter, Patient, Staff, Vendor } from './records.ts';
import type { RoleCategory, RoleMapping } from './role-vocabulary.ts';
import { normalizeRole, ROLE_CATEGORIES } from './role-vocabulary.ts';

/**
 * Parsers for the hospital's reference CSV exports. Each file has a header
 * row; columns are matched by name (case-insensitive, surrounding blanks
 * ignored), unknown columns are ignored, an empty cell means unknown (null).
 * The first bad value stops the load with an error naming file, line and
 * column: half-loaded reference data would silently weaken detection.
 */

interface CsvRow {
  line: number;
  cells: Record<string, string | undefined>;
}

function invalid(fileName: string, field: string, problem: string): FileContentError {
  return new FileContentError('CW_ERR_REFERENCE_INVALID', fileName, field, problem);
}

function readRows(text: string, fileName: string, requiredColumns: readonly string[]): CsvRow[] {
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    parsed = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    throw invalid(fileName, line === undefined ? 'file' : `line ${line}`, `not valid CSV: ${(err as Error).message}`);
  }
  const [header, ...body] = parsed;
  if (header === undefined) return [];
  const names = header.record.map((name) => name.toLowerCase());
  for (const column of requiredColumns) {
    if (!names.includes(column)) {
      throw invalid(fileName, `line ${header.info.lines} column ${column}`, 'required column is missing from the header');
    }
  }
  return body.map(({ record, info }) => {
    const cells: Record<string, string | undefined> = {};
    // First occurrence wins when a header repeats a name, so the file's leftmost column is the one read.
    for (let i = names.length - 1; i >= 0; i--) cells[names[i] as string] = record[i];
    return { line: info.lines, cells };
  });
}

/** Reads cells of one row, turning a bad value into an error that names its place. */
class RowReader {
  constructor(
    private readonly fileName: string,
    private readonly row: CsvRow,
  ) {}

  private cell(column: string): string {
    return this.row.cells[column] ?? '';
  }

  private fail(column: string, value: string, expected: string): never {
    throw invalid(this.fileName, `line ${this.row.line} column ${column}`, `value "${value}" is not ${expected}`);
  }

  private take<T>(column: string, read: (cell: string) => CellResult<T>): T | null {
    const cell = this.cell(column);
    if (cell === '') return null;
    const result = read(cell);
    if (!result.ok) this.fail(column, cell, result.expected);
    return result.value;
  }

  required<T>(column: string, read: (cell: string) => CellResult<T>): T {
    const value = this.take(column, read);
    if (value === null) {
      throw invalid(this.fileName, `line ${this.row.line} column ${column}`, 'a value is required and the cell is empty');
    }
    return value;
  }

  optional<T>(column: string, read: (cell: string) => CellResult<T>): T | null {
    return this.take(column, read);
  }

  failOn(column: string, problem: string): never {
    throw invalid(this.fileName, `line ${this.row.line} column ${column}`, problem);
  }
}

/** Ids that key a table must be unique: a second row would make look-ups depend on file order. */
function uniqueBy<T>(rows: { value: T; line: number }[], key: (row: T) => string, column: string, fileName: string): T[] {
  const seen = new Map<string, number>();
  for (const { value, line } of rows) {
    const id = key(value);
    const first = seen.get(id);
    if (first !== undefined) throw invalid(fileName, `line ${line} column ${column}`, `value "${id}" repeats the id first seen on line ${first}`);
    seen.set(id, line);
  }
  return rows.map((r) => r.value);
}

export const STAFF_COLUMNS = ['actor_id', 'given_name', 'family_name', 'address', 'department', 'role', 'hired_at', 'terminated_at'] as const;

export function parseStaffCsv(text: string, fileName = 'staff.csv'): Staff[] {
  const rows = readRows(text, fileName, ['actor_id']).map((row) => {
    const r = new RowReader(fileName, row);
    const staff: Staff = {
      actorId: r.required('actor_id', readId),
      givenName: r.optional('given_name', readText),
      familyName: r.optional('family_name', readText),
      address: r.optional('address', readText),
      department: r.optional('department', readText),
      role: r.optional('role', readText),
      hiredAt: r.optional('hired_at', readTime),
      terminatedAt: r.optional('terminated_at', readTime),
    };
    if (staff.hiredAt !== null && staff.terminatedAt !== null && staff.terminatedAt < staff.hiredAt) {
      r.failOn('terminated_at', `value "${staff.terminatedAt}" is before hired_at "${staff.hiredAt}"`);
    }
    return { value: staff, line: row.line };
  });
  return uniqueBy(rows, (s) => s.actorId, 'actor_id', fileName);
}

export const PATIENT_COLUMNS = ['patient_id', 'given_name', 'family_name', 'address', 'birth_date', 'deceased_at', 'vip', 'employee_actor_id'] as const;

export function parsePatientsCsv(text: string, fileName = 'patients.csv'): Patient[] {
  const rows = readRows(text, fileName, ['patient_id']).map((row) => {
    const r = new RowReader(fileName, row);
    const patient: Patient = {
      patientId: r.required('patient_id', readId),
      givenName: r.optional('given_name', readText),
      familyName: r.optional('family_name', readText),
      address: r.optional('address', readText),
      birthDate: r.optional('birth_date', readBirthDate),
      deceasedAt: r.optional('deceased_at', readTime),
      // An unknown VIP flag means "not flagged": the VIP list is opt-in.
      vip: r.optional('vip', readBoolean) ?? false,
      employeeActorId: r.optional('employee_actor_id', readId),
    };
    return { value: patient, line: row.line };
  });
  return uniqueBy(rows, (p) => p.patientId, 'patient_id', fileName);
}

export const VENDOR_COLUMNS = ['client_id', 'name', 'daily_quota'] as const;

export function parseVendorsCsv(text: string, fileName = 'vendors.csv'): Vendor[] {
  const rows = readRows(text, fileName, ['client_id']).map((row) => {
    const r = new RowReader(fileName, row);
    const vendor: Vendor = {
      clientId: r.required('client_id', readId),
      name: r.optional('name', readText),
      dailyQuota: r.optional('daily_quota', readNonNegativeInteger),
    };
    return { value: vendor, line: row.line };
  });
  return uniqueBy(rows, (v) => v.clientId, 'client_id', fileName);
}

export const ENCOUNTER_COLUMNS = ['patient_id', 'department', 'start', 'end'] as const;

export function parseEncountersCsv(text: string, fileName = 'encounters.csv'): Encounter[] {
  return readRows(text, fileName, ['patient_id', 'department', 'start']).map((row) => {
    const r = new RowReader(fileName, row);
    const encounter: Encounter = {
      patientId: r.required('patient_id', readId),
      department: r.required('department', readText),
      start: r.required('start', readTime),
      end: r.optional('end', readTime),
    };
    if (encounter.end !== null && encounter.end < encounter.start) {
      r.failOn('end', `value "${encounter.end}" is before start "${encounter.start}"`);
    }
    return encounter;
  });
}

export const ROLE_COLUMNS = ['role', 'categories'] as const;

/**
 * roles.csv: one local role code a row and its categories, separated by `;`, `|` or `,` (a quoted cell).
 * An unknown category is refused naming it: a typo would silently leave the role outside every rule.
 */
export function parseRolesCsv(text: string, fileName = 'roles.csv'): RoleMapping[] {
  const rows = readRows(text, fileName, ['role', 'categories']).map((row) => {
    const r = new RowReader(fileName, row);
    const role = r.required('role', readText);
    const cell = r.optional('categories', readText) ?? '';
    const categories: RoleCategory[] = [];
    for (const part of cell.split(/[;|,]/)) {
      const name = part.trim().toLowerCase();
      if (name === '') continue;
      if (!(ROLE_CATEGORIES as readonly string[]).includes(name)) {
        r.failOn('categories', `value "${part.trim()}" is not a category (${ROLE_CATEGORIES.join(', ')})`);
      }
      if (!categories.includes(name as RoleCategory)) categories.push(name as RoleCategory);
    }
    return { value: { role, categories }, line: row.line };
  });
  return uniqueBy(rows, (m) => normalizeRole(m.role), 'role', fileName);
}
