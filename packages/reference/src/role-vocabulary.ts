/**
 * A hospital's role vocabulary: each local role code (`him_specialist`,
 * `RN`, `Billing Clerk II`) mapped to the categories rules and the care
 * relationship name. Every hospital spells its roles differently, so no rule
 * names a local code: a rule says `him`, and roles.csv says which local roles
 * are health information management.
 */

export const ROLE_CATEGORIES = [
  /** Treats patients: every physician, nurse, therapist, pharmacist and technician. */
  'clinical',
  'physician',
  'nursing',
  'therapist',
  'pharmacy',
  'technician',
  /** Health information management, release of information: records requests. */
  'him',
  /** Registration, admissions, scheduling: works from encounters that start. */
  'registration',
  /** Billing and coding: works from encounters that ended. */
  'billing',
  'it',
  'privacy',
  'legal',
  'research',
  'administrative',
] as const;
export type RoleCategory = (typeof ROLE_CATEGORIES)[number];

export interface RoleMapping {
  /** The local role code, as staff.csv and the events write it. */
  role: string;
  categories: RoleCategory[];
}

/** The comparison rules use for roles: case, blanks, dashes and underscores ignored ("HIM clerk" = "him_clerk"). */
export function normalizeRole(text: string): string {
  return text.toLowerCase().replace(/[\s_-]+/g, ' ').trim();
}

/**
 * The vocabulary used when a hospital gives no roles.csv: common English
 * spellings. Loading a roles.csv replaces it entirely, so a hospital's own
 * file is the whole truth about its roles.
 */
export const DEFAULT_ROLE_MAPPINGS: readonly RoleMapping[] = [
  ...['physician', 'attending', 'resident', 'hospitalist', 'surgeon', 'doctor'].map((role) => ({ role, categories: ['clinical', 'physician'] as RoleCategory[] })),
  ...['nurse', 'registered nurse', 'rn', 'lpn', 'nurse practitioner', 'charge nurse'].map((role) => ({ role, categories: ['clinical', 'nursing'] as RoleCategory[] })),
  ...['therapist', 'psychologist', 'counselor', 'social worker'].map((role) => ({ role, categories: ['clinical', 'therapist'] as RoleCategory[] })),
  ...['pharmacist', 'pharmacy technician'].map((role) => ({ role, categories: ['clinical', 'pharmacy'] as RoleCategory[] })),
  ...['technician', 'technologist', 'lab technician', 'radiology technician'].map((role) => ({ role, categories: ['clinical', 'technician'] as RoleCategory[] })),
  ...[
    'him',
    'him clerk',
    'him analyst',
    'him specialist',
    'health information management',
    'medical records',
    'medical records clerk',
    'records clerk',
    'release of information',
    'release of information specialist',
    'roi specialist',
  ].map((role) => ({ role, categories: ['him'] as RoleCategory[] })),
  ...['registrar', 'registration clerk', 'admissions clerk', 'patient access representative', 'front desk', 'scheduler'].map((role) => ({
    role,
    categories: ['registration'] as RoleCategory[],
  })),
  ...['billing clerk', 'billing specialist', 'biller', 'coder', 'medical coder', 'patient financial services', 'revenue cycle specialist'].map((role) => ({
    role,
    categories: ['billing'] as RoleCategory[],
  })),
  ...['it analyst', 'it', 'analyst', 'system administrator'].map((role) => ({ role, categories: ['it'] as RoleCategory[] })),
  ...['privacy officer', 'compliance officer'].map((role) => ({ role, categories: ['privacy'] as RoleCategory[] })),
  { role: 'legal', categories: ['legal'] },
];

const NONE: readonly RoleCategory[] = Object.freeze([]);

/** Look-ups over one set of mappings: a role's categories by its normalised spelling. */
export class RoleVocabulary {
  private readonly byRole = new Map<string, readonly RoleCategory[]>();

  constructor(
    mappings: readonly RoleMapping[],
    /** Whether these are the built-in defaults (no roles.csv was given): said where unmapped roles are reported. */
    readonly isDefault = false,
  ) {
    for (const m of mappings) {
      const key = normalizeRole(m.role);
      const known = this.byRole.get(key) ?? NONE;
      this.byRole.set(key, Object.freeze([...new Set([...known, ...m.categories])]));
    }
  }

  /** The role's categories; none for a role the vocabulary does not know (or null). */
  categoriesOf(role: string | null | undefined): readonly RoleCategory[] {
    if (role === null || role === undefined) return NONE;
    return this.byRole.get(role) ?? this.byRole.get(normalizeRole(role)) ?? NONE;
  }

  /**
   * Distinct roles (as first written) the vocabulary gives no category: rules naming categories cannot
   * judge these staff, so they are reported at load and on the overview rather than silently treated as
   * "none of the above".
   */
  unmapped(roles: Iterable<string | null | undefined>): string[] {
    const seen = new Map<string, string>();
    for (const role of roles) {
      if (role === null || role === undefined || role.trim() === '') continue;
      const key = normalizeRole(role);
      if (!seen.has(key) && this.categoriesOf(key).length === 0) seen.set(key, role);
    }
    return [...seen.values()].sort();
  }
}

export const DEFAULT_ROLE_VOCABULARY = new RoleVocabulary(DEFAULT_ROLE_MAPPINGS, true);

/** The vocabulary of a reference set: its roles.csv when it has one, else the defaults. */
export function roleVocabularyOf(roles: readonly RoleMapping[] | undefined): RoleVocabulary {
  return roles === undefined || roles.length === 0 ? DEFAULT_ROLE_VOCABULARY : new RoleVocabulary(roles);
}
