import type { Principal } from './auth/principal.ts';
import { ApiError } from './errors.ts';
import type { ApiDb } from '@chartwatch/store';
import { listAlertQueue } from '@chartwatch/store';

/**
 * HIPAA's minimum-necessary standard as a setting (API_MINIMUM_NECESSARY,
 * off by default): an analyst (a caller whose roles include analyst and
 * neither privacy_officer nor admin) sees patient data only for the alerts
 * assigned to them. The queue still lists every alert, so work can be
 * picked up, but without the patients of alerts assigned to someone else;
 * an alert's detail, history and comments, a patient's access report and a
 * staff member's timeline need an alert assigned to the caller that names
 * that alert, patient or staff member. Privacy officers and admins are not
 * limited: investigating is their job.
 */

/** What an analyst may see patient data for: their assigned alerts, those alerts' patients and staff. */
export interface AnalystScope {
  alertIds: ReadonlySet<string>;
  patientIds: ReadonlySet<string>;
  actorIds: ReadonlySet<string>;
}

/** Assigned alerts read for a scope; an analyst with more assigned at once sees the newest this many. */
const MAX_ASSIGNED = 2_000;

export function isLimited(enabled: boolean, principal: Principal): boolean {
  return enabled && principal.roles.includes('analyst') && !principal.roles.some((r) => r === 'privacy_officer' || r === 'admin');
}

/** The caller's scope, or null when the setting does not limit them. */
export async function analystScope(db: ApiDb, enabled: boolean, principal: Principal): Promise<AnalystScope | null> {
  if (!isLimited(enabled, principal)) return null;
  const assigned = await listAlertQueue(db, { assignee: principal.id, sort: '-firedAt', limit: MAX_ASSIGNED });
  return {
    alertIds: new Set(assigned.map((q) => q.alert.alertId)),
    patientIds: new Set(assigned.flatMap((q) => q.alert.patientIds)),
    actorIds: new Set(assigned.map((q) => q.alert.actorId)),
  };
}

export function outOfScope(what: string): ApiError {
  return new ApiError('CW_ERR_FORBIDDEN', `minimum necessary (API_MINIMUM_NECESSARY): ${what} is not on an alert assigned to you; assign the alert to yourself or ask a privacy officer`);
}
