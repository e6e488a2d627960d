import { describe, expect, it } from 'vitest';
import { ROLES, ROUTE_PERMISSIONS, allowedRoles, canSeeNames, isAllowed, isPublicRoute } from './permissions.ts';

describe('permissions', () => {
  it('refuses unknown routes to everyone (fail closed)', () => {
    expect(allowedRoles('no.such.route')).toEqual([]);
    for (const role of ROLES) expect(isAllowed('no.such.route', [role])).toBe(false);
  });

  it('keeps health and the data-free dashboard page public and everything else behind a role', () => {
    const publicIds = Object.keys(ROUTE_PERMISSIONS).filter(isPublicRoute);
    expect(publicIds.sort()).toEqual(['health.live', 'health.ready', 'ui.static']);
  });

  it('gives the audit trail to auditors and privacy officers, keys to admins, names to privacy officers and admins', () => {
    expect(allowedRoles('audit.list')).toEqual(['auditor', 'privacy_officer', 'admin']);
    expect(allowedRoles('keys.create')).toEqual(['admin']);
    expect(isAllowed('patients.accessReport', ['vendor_manager'])).toBe(false);
    expect(isAllowed('vendors.usage', ['vendor_manager'])).toBe(true);
    expect(canSeeNames(['analyst'])).toBe(false);
    expect(canSeeNames(['analyst', 'privacy_officer'])).toBe(true);
  });
});
