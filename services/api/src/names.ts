import type { Principal } from './auth/principal.ts';
import { ApiError } from './errors.ts';
import { NAME_ROLES, canSeeNames } from './permissions.ts';
import type { ApiDb } from '@chartwatch/store';
import { patientNames, staffNames } from '@chartwatch/store';

export interface ResolvedNames {
  actors: Record<string, { givenName: string | null; familyName: string | null }>;
  patients: Record<string, { givenName: string | null; familyName: string | null }>;
}

/**
 * Names for ids, only for roles allowed to see them (minimum PHI: everyone
 * else works with ids). Asking without the role is a 403, not a silent
 * omission, so a client never mistakes "not allowed" for "no name on file".
 */
export async function resolveNames(
  db: ApiDb,
  principal: Principal,
  ids: { actorIds: readonly string[]; patientIds: readonly string[] },
): Promise<ResolvedNames> {
  if (!canSeeNames(principal.roles)) {
    throw new ApiError('CW_ERR_FORBIDDEN', `resolveNames is for ${NAME_ROLES.join(' and ')} only`);
  }
  const [staff, patients] = await Promise.all([staffNames(db, ids.actorIds), patientNames(db, ids.patientIds)]);
  return {
    actors: Object.fromEntries([...staff.values()].map((s) => [s.actorId, { givenName: s.givenName, familyName: s.familyName }])),
    patients: Object.fromEntries([...patients.values()].map((p) => [p.patientId, { givenName: p.givenName, familyName: p.familyName }])),
  };
}
