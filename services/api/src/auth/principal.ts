import type { Role } from '../permissions.ts';

/** Who is calling: resolved once per request by the authenticator. */
export interface Principal {
  /** `key:<keyId>` for API keys, `oidc:<sub>` for bearer tokens. */
  id: string;
  kind: 'api_key' | 'oidc';
  /** Display name (key name, or the token's preferred_username / email when present). */
  name: string;
  roles: Role[];
}
