import type { ApiKeyView } from '@chartwatch/api';
import { createApiKey, listKeys } from '@chartwatch/api';
import type { Store } from '@chartwatch/store';

export const LOCAL_ADMIN_NAME = 'local admin (pnpm start)';

export type AdminKeyOutcome =
  /** A key was made now: the only time it is ever shown. */
  | { kind: 'created'; key: string; view: ApiKeyView }
  /** Admin keys exist already (shown at an earlier start); nothing was made. */
  | { kind: 'exists'; admins: ApiKeyView[] };

/**
 * The local admin's API key: created when the store has no active admin key
 * (a fresh data directory), or when asked for another. Only the key's hash
 * is stored, so an existing key cannot be shown again.
 */
export async function ensureLocalAdminKey(store: Store, options: { forceNew: boolean; at: string }): Promise<AdminKeyOutcome> {
  const admins = (await listKeys(store)).filter((k) => k.role === 'admin' && k.revokedAt === null);
  if (admins.length > 0 && !options.forceNew) return { kind: 'exists', admins };
  const created = await createApiKey(store, { name: LOCAL_ADMIN_NAME, role: 'admin', createdBy: 'chartwatch start', at: options.at });
  const { key, ...view } = created;
  return { kind: 'created', key, view };
}
