import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChartwatchError } from '@chartwatch/errors';
import type { ReferenceSet } from './records.ts';
import { parseEncountersCsv, parsePatientsCsv, parseStaffCsv, parseVendorsCsv } from './reference-csv.ts';

export const REFERENCE_FILES = {
  staff: 'staff.csv',
  patients: 'patients.csv',
  vendors: 'vendors.csv',
  encounters: 'encounters.csv',
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

/** Reads staff.csv, patients.csv, vendors.csv and encounters.csv from one directory. */
export async function loadReferenceDir(dir: string): Promise<ReferenceSet> {
  const paths = {
    staff: join(dir, REFERENCE_FILES.staff),
    patients: join(dir, REFERENCE_FILES.patients),
    vendors: join(dir, REFERENCE_FILES.vendors),
    encounters: join(dir, REFERENCE_FILES.encounters),
  };
  const [staff, patients, vendors, encounters] = await Promise.all([
    readIfPresent(paths.staff),
    readIfPresent(paths.patients),
    readIfPresent(paths.vendors),
    readIfPresent(paths.encounters),
  ]);
  return {
    staff: staff === null ? [] : parseStaffCsv(staff, paths.staff),
    patients: patients === null ? [] : parsePatientsCsv(patients, paths.patients),
    vendors: vendors === null ? [] : parseVendorsCsv(vendors, paths.vendors),
    encounters: encounters === null ? [] : parseEncountersCsv(encounters, paths.encounters),
  };
}
