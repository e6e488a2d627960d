import type { ReferenceSet } from '@chartwatch/reference';
import { loadReferenceDir } from '@chartwatch/reference';

/** Where reference data comes from: the CSV directory when one is configured, else the store's reference tables. */
export interface ReferenceStore {
  referenceSet(): Promise<ReferenceSet>;
}

export interface ReferenceSource {
  readonly description: string;
  load(): Promise<ReferenceSet>;
}

export function referenceSource(dir: string | null, store: ReferenceStore): ReferenceSource {
  if (dir !== null) return { description: `directory ${dir}`, load: () => loadReferenceDir(dir, 'CHARTWATCH_REFERENCE_DIR') };
  return { description: 'ClickHouse reference tables', load: () => store.referenceSet() };
}

export function referenceCounts(set: ReferenceSet): Record<string, number> {
  return { staff: set.staff.length, patients: set.patients.length, vendors: set.vendors.length, encounters: set.encounters.length, roles: set.roles?.length ?? 0 };
}
