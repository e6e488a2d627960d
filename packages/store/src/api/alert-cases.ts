import { listAlertQueue } from './alert-list.ts';
import type { QueuedAlert } from './alert-list.ts';
import type { AlertStatus } from './alert-triage.ts';
import type { ApiDb } from './db.ts';
import { SEVERITY_RANK } from './alert-list.ts';

/**
 * Cases: one user's related alerts (an after-hours bulk read, a VIP snoop and
 * a coworker snoop on the same night) were three rows to triage apart. A
 * case is the alerts of one actor (or naming one patient) whose firing times
 * are chained by gaps of at most `spanMs`: one timeline, and the dashboard
 * assigns and closes them together, so they get one owner and one resolution.
 * Derived on read from the queue, so a new alert joins its case at once and
 * nothing is stored twice.
 */

export type CaseGrouping = 'actor' | 'patient';

export interface AlertCase {
  /** `actor:<id>:<first alert id>` or `patient:<id>:<first alert id>`: stable while the case's first alert is. */
  caseId: string;
  by: CaseGrouping;
  /** The actor or patient id the case is about. */
  subject: string;
  firstFiredAt: string;
  lastFiredAt: string;
  /** The most severe alert's severity. */
  severity: string;
  /** Oldest first: the case's timeline. */
  alerts: QueuedAlert[];
}

/** Groups alerts into cases: pure, so the grouping is tested apart from the store. */
export function groupCases(items: readonly QueuedAlert[], by: CaseGrouping, spanMs: number): AlertCase[] {
  const bySubject = new Map<string, QueuedAlert[]>();
  for (const q of items) {
    const subjects = by === 'actor' ? [q.alert.actorId] : q.alert.patientIds;
    for (const s of subjects) {
      const list = bySubject.get(s);
      if (list === undefined) bySubject.set(s, [q]);
      else list.push(q);
    }
  }
  const cases: AlertCase[] = [];
  for (const [subject, list] of bySubject) {
    list.sort((a, b) => a.alert.firedAt.localeCompare(b.alert.firedAt) || a.alert.alertId.localeCompare(b.alert.alertId));
    let current: QueuedAlert[] = [];
    const close = (): void => {
      const first = current[0];
      const last = current.at(-1);
      if (first === undefined || last === undefined) return;
      const worst = current.reduce((w, q) => (SEVERITY_RANK[q.alert.severity] > SEVERITY_RANK[w.alert.severity] ? q : w), first);
      cases.push({ caseId: `${by}:${subject}:${first.alert.alertId}`, by, subject, firstFiredAt: first.alert.firedAt, lastFiredAt: last.alert.firedAt, severity: worst.alert.severity, alerts: current });
    };
    for (const q of list) {
      const prev = current.at(-1);
      if (prev !== undefined && Date.parse(q.alert.firedAt) - Date.parse(prev.alert.firedAt) > spanMs) {
        close();
        current = [];
      }
      current.push(q);
    }
    close();
  }
  // Cases of several alerts first (they are what grouping is for), then the newest.
  return cases.sort((a, b) => Number(b.alerts.length > 1) - Number(a.alerts.length > 1) || b.lastFiredAt.localeCompare(a.lastFiredAt));
}

export interface CaseQuery {
  by: CaseGrouping;
  spanMs: number;
  statuses: readonly AlertStatus[];
  /** Alerts read to build the cases (the newest). */
  limit: number;
}

export async function listCases(db: ApiDb, q: CaseQuery): Promise<AlertCase[]> {
  const items = await listAlertQueue(db, { statuses: q.statuses, sort: '-firedAt', limit: q.limit });
  return groupCases(items, q.by, q.spanMs);
}
