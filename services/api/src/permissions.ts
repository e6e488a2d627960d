/**
 * Who may call what: the ONE place permissions are decided. Every route the
 * API registers carries a route id (`config.routeId`); a route whose id is
 * missing here is refused to everyone (fail closed), and
 * test/integration/api-permissions.test.ts walks every registered route
 * against every role.
 */

export const ROLES = ['analyst', 'privacy_officer', 'vendor_manager', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const PUBLIC = 'public' as const;

const TRIAGE: readonly Role[] = ['analyst', 'privacy_officer', 'admin'];
const EVERYONE: readonly Role[] = ROLES;

export const ROUTE_PERMISSIONS = {
  // Liveness and readiness: probes carry no credentials and reveal nothing.
  'health.live': PUBLIC,
  'health.ready': PUBLIC,
  // The dashboard's page and assets hold no data (every datum comes from the
  // routes below, with credentials), and a browser cannot send a key header
  // when it loads a page.
  'ui.static': PUBLIC,

  'me.get': EVERYONE,
  'docs.ui': EVERYONE,
  // No PHI in metrics; scrapers get an auditor key (least privilege).
  'metrics.get': ['auditor', 'admin'],

  'alerts.list': TRIAGE,
  'alerts.get': TRIAGE,
  'alerts.history': TRIAGE,
  'alerts.transition': TRIAGE,
  'alerts.assign': TRIAGE,
  'alerts.comments.list': TRIAGE,
  'alerts.comments.create': TRIAGE,
  'cases.list': TRIAGE,

  'suppressions.list': TRIAGE,
  'suppressions.create': ['privacy_officer', 'admin'],
  'suppressions.revoke': ['privacy_officer', 'admin'],
  // Reads: what each suppression hid, and what a proposed one would hide.
  'suppressions.review': TRIAGE,
  'suppressions.hidden': TRIAGE,
  'suppressions.backtest': TRIAGE,

  'actors.timeline': TRIAGE,
  // Counts about staff behaviour, no patient ids: not on the audit trail.
  'actors.peers': TRIAGE,
  'patients.accessReport': TRIAGE,
  // Search answers names only to NAME_ROLES (the handler decides); the others find by id.
  'patients.search': TRIAGE,
  'patients.get': TRIAGE,

  'vendors.list': ['vendor_manager', 'privacy_officer', 'analyst', 'admin'],
  'vendors.usage': ['vendor_manager', 'privacy_officer', 'analyst', 'admin'],

  // Alert counts, pipeline figures, the model version: what the dashboard's overview page shows (triage roles open it).
  'overview.get': TRIAGE,
  // Counts of alerts and their resolutions per rule: no patient or staff ids.
  'precision.get': TRIAGE,

  // Privacy officers answer "who looked at this patient's chart in chartwatch" too.
  'audit.list': ['auditor', 'privacy_officer', 'admin'],
  // Key names only (no roles, no secrets): for showing who did what.
  'principals.names': ['analyst', 'privacy_officer', 'auditor', 'admin'],

  'keys.list': ['admin'],
  'keys.create': ['admin'],
  'keys.revoke': ['admin'],
} as const satisfies Record<string, typeof PUBLIC | readonly Role[]>;

export type RouteId = keyof typeof ROUTE_PERMISSIONS;

/** Names of staff and patients are resolved only for these roles (minimum PHI). */
export const NAME_ROLES: readonly Role[] = ['privacy_officer', 'admin'];

export function isPublicRoute(routeId: string): boolean {
  return (ROUTE_PERMISSIONS as Record<string, unknown>)[routeId] === PUBLIC;
}

export function allowedRoles(routeId: string): readonly Role[] {
  const entry = (ROUTE_PERMISSIONS as Record<string, typeof PUBLIC | readonly Role[] | undefined>)[routeId];
  if (entry === undefined) return [];
  return entry === PUBLIC ? ROLES : entry;
}

export function isAllowed(routeId: string, roles: readonly Role[]): boolean {
  if (isPublicRoute(routeId)) return true;
  const allowed = allowedRoles(routeId);
  return roles.some((r) => allowed.includes(r));
}

export function canSeeNames(roles: readonly Role[]): boolean {
  return roles.some((r) => NAME_ROLES.includes(r));
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
