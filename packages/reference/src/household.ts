/**
 * Household matching for the family/neighbour snooping rules: two people
 * share a household when their normalised address and family name agree.
 * Exports spell the same address many ways ("12 Oak St." / "12  OAK ST"),
 * so case, punctuation and runs of blanks are ignored.
 */

const PUNCTUATION = /[.,;:#'"()]/g;
const BLANKS = /\s+/g;

/** Lower case, punctuation dropped, blanks collapsed; null when nothing is left. */
export function normalizeAddress(address: string | null | undefined): string | null {
  if (address === null || address === undefined) return null;
  const normal = address.toLowerCase().replace(PUNCTUATION, ' ').replace(BLANKS, ' ').trim();
  return normal === '' ? null : normal;
}

function normalizeName(name: string | null | undefined): string | null {
  if (name === null || name === undefined) return null;
  const normal = name.toLowerCase().replace(BLANKS, ' ').trim();
  return normal === '' ? null : normal;
}

/** The key two people of one household share; null when either part is unknown (no match on missing data). */
export function householdKey(address: string | null | undefined, familyName: string | null | undefined): string | null {
  const a = normalizeAddress(address);
  const f = normalizeName(familyName);
  if (a === null || f === null) return null;
  return `${a}|${f}`;
}
