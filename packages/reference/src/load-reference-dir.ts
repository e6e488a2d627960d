import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ChartwatchError, ConfigError } from '@chartwatch/errors';
import type { ReferenceSet } from './records.ts';
import { parseEncountersCsv, parsePatientsCsv, parseRolesCsv, parseStaffCsv, parseVendorsCsv } from './reference-csv.ts';

export const REFERENCE_FILES = {
  staff: 'staff.csv',
  patients: 'patients.csv',
  vendors: 'vendors.csv',
  encounters: 'encounters.csv',
  roles: 'roles.csv',
} as const;

/** A missing file is an empty list: a small practice may have no vendors, and detection must still start. */
async function readIfPresent(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ChartwatchError('CW_ERR_INPUT', `${path}: cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

const EXPECTED = [REFERENCE_FILES.staff, REFERENCE_FILES.patients, REFERENCE_FILES.vendors, REFERENCE_FILES.encounters].join(', ');

/**
 * Reads staff.csv, patients.csv, vendors.csv and encounters.csv (and roles.csv, the role vocabulary, when present) from one directory. One file may be missing
 * (an empty list), but not the directory or all four: a mistyped path once ran detection with no staff,
 * patients or encounters, so no access had a care relationship and every sensitive read alerted. `setting` is
 * the flag or variable that gave the path, named in the error.
 */
export async function loadReferenceDir(dir: string, setting = 'reference'): Promise<ReferenceSet> {
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw new ConfigError(setting, `${JSON.stringify(dir)} cannot be read: ${err.message}`);
  });
  if (info === null) throw new ConfigError(setting, `directory ${JSON.stringify(dir)} does not exist (it should hold ${EXPECTED})`);
  if (!info.isDirectory()) throw new ConfigError(setting, `${JSON.stringify(dir)} is a file, not a directory holding ${EXPECTED}`);
  const paths = {
    staff: join(dir, REFERENCE_FILES.staff),
    patients: join(dir, REFERENCE_FILES.patients),
    vendors: join(dir, REFERENCE_FILES.vendors),
    encounters: join(dir, REFERENCE_FILES.encounters),
    roles: join(dir, REFERENCE_FILES.roles),
  };
  const [staff, patients, vendors, encounters, roles] = await Promise.all([
    readIfPresent(paths.staff),
    readIfPresent(paths.patients),
    readIfPresent(paths.vendors),
    readIfPresent(paths.encounters),
    readIfPresent(paths.roles),
  ]);
  if (staff === null && patients === null && vendors === null && encounters === null) {
    throw new ConfigError(setting, `directory ${JSON.stringify(dir)} holds none of ${EXPECTED}`);
  }
  return {
    staff: staff === null ? [] : parseStaffCsv(staff, paths.staff),
    patients: patients === null ? [] : parsePatientsCsv(patients, paths.patients),
    vendors: vendors === null ? [] : parseVendorsCsv(vendors, paths.vendors),
    encounters: encounters === null ? [] : parseEncountersCsv(encounters, paths.encounters),
    // No roles.csv: the built-in vocabulary of common spellings (role-vocabulary.ts).
    ...(roles === null ? {} : { roles: parseRolesCsv(roles, paths.roles) }),
  };
}
