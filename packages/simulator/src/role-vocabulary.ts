import type { RoleCategory, RoleMapping } from '@chartwatch/reference';
import type { Role } from './layout.ts';

/**
 * How a hospital spells its roles. Every hospital names them differently, so
 * the simulator writes the same staff under several naming schemes; its
 * roles.csv maps each local code to the categories rules name, which is all
 * the detector may rely on. `plain` is the spelling the simulator has always
 * used.
 */
export const ROLE_VOCABULARIES = ['plain', 'snake', 'coded'] as const;
export type RoleVocabularyName = (typeof ROLE_VOCABULARIES)[number];

const LOCAL_CODES: Record<RoleVocabularyName, Record<Role, string>> = {
  plain: {
    physician: 'physician',
    resident: 'resident',
    nurse: 'nurse',
    therapist: 'therapist',
    pharmacist: 'pharmacist',
    technician: 'technician',
    registrar: 'registrar',
    'billing-clerk': 'billing-clerk',
    'him-clerk': 'him-clerk',
    'it-analyst': 'it-analyst',
  },
  // An EHR vendor's security classes.
  snake: {
    physician: 'attending_md',
    resident: 'house_officer',
    nurse: 'rn_staff',
    therapist: 'bh_clinician',
    pharmacist: 'pharmd',
    technician: 'allied_tech',
    registrar: 'pat_access_rep',
    'billing-clerk': 'pfs_rep',
    'him-clerk': 'him_specialist',
    'it-analyst': 'is_analyst',
  },
  // A payroll system's job codes.
  coded: {
    physician: 'JC-1010 Staff Physician',
    resident: 'JC-1020 Resident',
    nurse: 'JC-2100 Staff RN',
    therapist: 'JC-3300 Clinical Therapist',
    pharmacist: 'JC-3100 Pharmacist',
    technician: 'JC-3500 Technologist',
    registrar: 'JC-5100 Access Associate',
    'billing-clerk': 'JC-5300 PFS Associate',
    'him-clerk': 'JC-5500 Records Associate',
    'it-analyst': 'JC-6100 Systems Analyst',
  },
};

const CATEGORIES: Record<Role, RoleCategory[]> = {
  physician: ['clinical', 'physician'],
  resident: ['clinical', 'physician'],
  nurse: ['clinical', 'nursing'],
  therapist: ['clinical', 'therapist'],
  pharmacist: ['clinical', 'pharmacy'],
  technician: ['clinical', 'technician'],
  registrar: ['registration'],
  'billing-clerk': ['billing'],
  'him-clerk': ['him'],
  'it-analyst': ['it'],
};

/** The local code a hospital with this vocabulary writes for the role. */
export function localRole(role: Role, vocabulary: RoleVocabularyName): string {
  return LOCAL_CODES[vocabulary][role];
}

/** The hospital's roles.csv: each local code and its categories. */
export function roleMappings(vocabulary: RoleVocabularyName): RoleMapping[] {
  return (Object.keys(CATEGORIES) as Role[]).map((role) => ({ role: LOCAL_CODES[vocabulary][role], categories: [...CATEGORIES[role]] }));
}
