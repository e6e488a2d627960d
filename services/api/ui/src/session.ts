import type { Me, Names, PersonName, Role } from './types.ts';

/**
 * What the signed-in principal may do, as far as the dashboard's menus are
 * concerned. The API decides every request on its own; this only keeps the
 * UI from offering pages that would answer 403, and from asking for names
 * for a role that may not see them.
 */

const TRIAGE: readonly Role[] = ['analyst', 'privacy_officer', 'admin'];

export const PAGE_ROLES = {
  queue: TRIAGE,
  overview: TRIAGE,
  investigate: TRIAGE,
  suppressions: TRIAGE,
  precision: TRIAGE,
  vendors: ['vendor_manager', 'privacy_officer', 'analyst', 'admin'],
  audit: ['auditor', 'privacy_officer', 'admin'],
  keys: ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type PageKey = keyof typeof PAGE_ROLES;

const NAME_ROLES: readonly Role[] = ['privacy_officer', 'admin'];

export function mayOpen(me: Me, page: PageKey): boolean {
  return me.roles.some((r) => (PAGE_ROLES[page] as readonly Role[]).includes(r));
}

/** Only these roles ever send resolveNames=true: the API would refuse the others with 403. */
export function canSeeNames(me: Me): boolean {
  return me.roles.some((r) => NAME_ROLES.includes(r));
}

export function homePage(me: Me): string {
  if (mayOpen(me, 'queue')) return '#/alerts';
  if (mayOpen(me, 'vendors')) return '#/vendors';
  if (mayOpen(me, 'audit')) return '#/audit';
  return '#/no-access';
}

function fullName(n: PersonName | undefined): string | null {
  if (!n) return null;
  const s = [n.givenName, n.familyName].filter((x) => x !== null && x !== '').join(' ');
  return s === '' ? null : s;
}

/** "Ada Lovelace (p-0001)" when the API resolved a name, else the id alone. */
export function patientLabel(id: string, names: Names | undefined): string {
  const n = fullName(names?.patients[id]);
  return n === null ? id : `${n} (${id})`;
}

export function actorLabel(id: string, names: Names | undefined): string {
  const n = fullName(names?.actors[id]);
  return n === null ? id : `${n} (${id})`;
}

export function mergeNames(a: Names | undefined, b: Names | undefined): Names | undefined {
  if (!a) return b;
  if (!b) return a;
  return { actors: { ...a.actors, ...b.actors }, patients: { ...a.patients, ...b.patients } };
}
