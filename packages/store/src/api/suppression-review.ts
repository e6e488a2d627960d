import type { Alert } from '@chartwatch/detect';
import { listAlertQueue } from './alert-list.ts';
import type { AlertStatus, Resolution } from './alert-triage.ts';
import type { ApiDb } from './db.ts';
import { clickHouseFromIso, isoFromMillis, queryRows, table } from './db.ts';
import { matchingSuppressions } from './suppressions.ts';
import type { Suppression } from './suppressions.ts';

/**
 * What suppressions hide, before and after they exist. A suppressed alert is
 * neither published nor stored (the detector drops it), so without a record
 * of it nobody could see what a suppression hid; and a suppression made on
 * the spot could silence a confirmed snoop's next visit without anyone
 * noticing. Hence: the hits the detector records (suppression_hits,
 * migration 1014) and a backtest over the stored alerts.
 */

/** One alert a suppression kept out of the queue and the feed. */
export interface SuppressionHit {
  suppressionId: string;
  alertId: string;
  ruleId: string;
  actorId: string;
  patientIds: string[];
  severity: string;
  title: string;
  firedAt: string;
}

interface HitRow {
  suppression_id: string;
  alert_id: string;
  rule_id: string;
  actor_id: string;
  patient_ids: string[];
  severity: string;
  title: string;
  fired_at_ms: string | number;
}

export async function insertSuppressionHits(db: ApiDb, hits: readonly SuppressionHit[]): Promise<void> {
  if (hits.length === 0) return;
  await db.client.insert({
    table: table(db, 'suppression_hits'),
    values: hits.map((x) => ({
      suppression_id: x.suppressionId,
      alert_id: x.alertId,
      rule_id: x.ruleId,
      actor_id: x.actorId,
      patient_ids: x.patientIds,
      severity: x.severity,
      title: x.title,
      fired_at: clickHouseFromIso(x.firedAt),
    })),
    format: 'JSONEachRow',
  });
}

/** Hidden alerts per suppression: count and the newest firing time. */
export async function suppressionHitCounts(db: ApiDb, suppressionIds: readonly string[]): Promise<Map<string, { hidden: number; lastHiddenAt: string }>> {
  if (suppressionIds.length === 0) return new Map();
  const rows = await queryRows<{ suppression_id: string; hidden: string | number; last_ms: string | number }>(
    db,
    `SELECT suppression_id, uniqExact(alert_id) AS hidden, toUnixTimestamp64Milli(max(fired_at)) AS last_ms
     FROM ${table(db, 'suppression_hits')} WHERE suppression_id IN {ids:Array(String)} GROUP BY suppression_id`,
    { ids: suppressionIds },
  );
  return new Map(rows.map((r) => [r.suppression_id, { hidden: Number(r.hidden), lastHiddenAt: isoFromMillis(r.last_ms) }]));
}

/** The alerts one suppression hid, newest first. */
export async function suppressionHits(db: ApiDb, suppressionId: string, limit: number): Promise<SuppressionHit[]> {
  const rows = await queryRows<HitRow>(
    db,
    `SELECT suppression_id, alert_id, any(rule_id) AS rule_id, any(actor_id) AS actor_id, any(patient_ids) AS patient_ids, any(severity) AS severity,
       any(title) AS title, toUnixTimestamp64Milli(any(fired_at)) AS fired_at_ms
     FROM ${table(db, 'suppression_hits')} WHERE suppression_id = {id:String}
     GROUP BY suppression_id, alert_id ORDER BY fired_at_ms DESC, alert_id LIMIT {limit:UInt32}`,
    { id: suppressionId, limit },
  );
  return rows.map((r) => ({
    suppressionId: r.suppression_id,
    alertId: r.alert_id,
    ruleId: r.rule_id,
    actorId: r.actor_id,
    patientIds: r.patient_ids,
    severity: r.severity,
    title: r.title,
    firedAt: isoFromMillis(r.fired_at_ms),
  }));
}

/** What a suppression would cover: rule, actor, optionally one patient. */
export interface SuppressionScope {
  ruleId: string;
  actorId: string;
  patientId: string | null;
}

/** A stored alert the proposed suppression would have hidden, with how it was triaged. */
export interface BacktestAlert {
  alertId: string;
  title: string;
  severity: string;
  patientIds: string[];
  patientCount: number;
  firedAt: string;
  status: AlertStatus;
  resolution: Resolution | null;
}

export interface SuppressionBacktest {
  from: string;
  to: string;
  alerts: BacktestAlert[];
  /** Alerts closed as confirmed among them: an incident the suppression would have silenced. */
  confirmed: number;
  /** More matched than were read (the list is the newest `limit`). */
  truncated: boolean;
}

/**
 * The stored alerts in [from, to) that a suppression of this scope would have
 * hidden had it been in force, decided by the detector's own matcher
 * (matchingSuppressions), with their triage.
 */
export async function backtestSuppression(db: ApiDb, scope: SuppressionScope, from: string, to: string, limit = 1000): Promise<SuppressionBacktest> {
  const queued = await listAlertQueue(db, { ruleIds: [scope.ruleId], actorId: scope.actorId, from, to, sort: '-firedAt', limit: limit + 1 });
  const probe: Suppression = {
    suppressionId: 'backtest',
    ruleId: scope.ruleId,
    actorId: scope.actorId,
    patientId: scope.patientId,
    expiresAt: to,
    createdAt: from,
    createdBy: '',
    reason: '',
    sourceAlertId: '',
    revokedAt: null,
    revokedBy: '',
  };
  const covered = queued.filter((q) => matchingSuppressions(q.alert, [probe]).length > 0);
  const alerts = covered.slice(0, limit).map(({ alert, triage }: { alert: Alert; triage: { status: AlertStatus; resolution: Resolution | null } }) => ({
    alertId: alert.alertId,
    title: alert.title,
    severity: alert.severity,
    patientIds: alert.patientIds,
    patientCount: alert.patientCount,
    firedAt: alert.firedAt,
    status: triage.status,
    resolution: triage.resolution,
  }));
  return { from, to, alerts, confirmed: alerts.filter((a) => a.resolution === 'confirmed').length, truncated: queued.length > limit };
}

/**
 * Buffers the hits the detector's suppression check sees (a synchronous
 * predicate on the publish path) and writes them every `flushMs` and at
 * stop(). A failed write is retried with the next flush, up to `maxBuffered`
 * rows; past that the oldest are dropped (the alerts themselves were never
 * the queue's, only the record of them).
 */
export class SuppressionHitRecorder {
  private buffer: SuppressionHit[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly db: ApiDb,
    private readonly options: { flushMs?: number; maxBuffered?: number; onError?: (err: unknown) => void } = {},
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.options.flushMs ?? 1_000);
    this.timer.unref();
  }

  /** Records that these suppressions hid this alert. */
  record(suppressions: readonly Suppression[], alert: Alert): void {
    for (const s of suppressions) {
      this.buffer.push({
        suppressionId: s.suppressionId,
        alertId: alert.alertId,
        ruleId: alert.ruleId,
        actorId: alert.actorId,
        patientIds: alert.patientIds,
        severity: alert.severity,
        title: alert.title,
        firedAt: alert.firedAt,
      });
    }
    const max = this.options.maxBuffered ?? 10_000;
    if (this.buffer.length > max) this.buffer.splice(0, this.buffer.length - max);
  }

  async flush(): Promise<void> {
    if (this.flushing !== null) return this.flushing;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = insertSuppressionHits(this.db, batch)
      .catch((err: unknown) => {
        this.buffer = [...batch, ...this.buffer];
        this.options.onError?.(err);
      })
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.flushing;
    await this.flush();
  }
}
