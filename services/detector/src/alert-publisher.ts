import type { BusProducer, OutgoingMessage } from '@chartwatch/bus';
import type { Alert } from '@chartwatch/detect';
import type { BoundedIdSet } from './bounded-id-set.ts';

/** What the detector needs of the store for alerts; @chartwatch/store's Store is one. */
export interface AlertStore {
  /** Idempotent on alertId. */
  writeAlerts(alerts: readonly Alert[]): Promise<void>;
  alerts(filter: { alertIds: readonly string[]; limit: number }): Promise<Alert[]>;
}

/** Runs a step until it succeeds; false when the consumer stopped or lost the partition first. */
export type Durably = (what: string, task: () => Promise<void>) => Promise<boolean>;

/** A predicate over alerts: true when an active suppression covers the alert. */
export type SuppressionCheck = (alert: Alert) => boolean;

export interface PublishCounts {
  published: number;
  /** Already in the store: published before (by this or an earlier owner of the partition). */
  alreadyStored: number;
  /** Published by this partition moments ago (the bounded recent-id set). */
  recent: number;
  /** Covered by an active suppression: neither published nor stored. */
  suppressed: number;
}

/** Kafka message headers on the alerts topic: consumers dedupe by cw-alert-id. */
export const ALERT_HEADERS = { alertId: 'cw-alert-id', ruleId: 'cw-rule-id', severity: 'cw-severity' } as const;

const EXISTENCE_CHUNK = 1_000;

export function alertMessage(alert: Alert): OutgoingMessage {
  return {
    key: alert.actorId,
    value: JSON.stringify(alert),
    headers: { [ALERT_HEADERS.alertId]: alert.alertId, [ALERT_HEADERS.ruleId]: alert.ruleId, [ALERT_HEADERS.severity]: alert.severity },
  };
}

/**
 * Publishes alerts at most once as far as the store can tell:
 *   drop repeats (same id in the list, or published lately by this
 *   partition) → drop suppressed → drop ids the store already holds →
 *   produce to the alerts topic → write to the store.
 * Kafka goes first on purpose: a row in the store then means "published",
 * so after a crash between the two steps the alert is produced again (a
 * duplicate the topic's consumers drop by id) instead of never. Each step
 * is retried on its own, so a failed store write does not produce twice.
 */
export class AlertPublisher {
  constructor(
    private readonly producer: BusProducer,
    private readonly topic: string,
    private readonly store: AlertStore,
    private readonly suppressed: () => SuppressionCheck | null,
  ) {}

  /** null when a step gave up (stop or rebalance): the caller must not commit. */
  async publish(alerts: readonly Alert[], recent: BoundedIdSet, durably: Durably): Promise<PublishCounts | null> {
    const counts: PublishCounts = { published: 0, alreadyStored: 0, recent: 0, suppressed: 0 };
    const unique = new Map<string, Alert>();
    for (const a of alerts) {
      if (recent.has(a.alertId)) counts.recent++;
      else if (!unique.has(a.alertId)) unique.set(a.alertId, a);
    }
    const check = this.suppressed();
    let candidates = [...unique.values()];
    if (check !== null) {
      const kept = candidates.filter((a) => !check(a));
      counts.suppressed = candidates.length - kept.length;
      candidates = kept;
    }
    if (candidates.length === 0) return counts;

    const stored = new Set<string>();
    const checked = await durably('look up published alert ids in the store', async () => {
      stored.clear();
      for (let i = 0; i < candidates.length; i += EXISTENCE_CHUNK) {
        const ids = candidates.slice(i, i + EXISTENCE_CHUNK).map((a) => a.alertId);
        for (const found of await this.store.alerts({ alertIds: ids, limit: ids.length })) stored.add(found.alertId);
      }
    });
    if (!checked) return null;
    for (const id of stored) recent.add(id);
    const fresh = candidates.filter((a) => !stored.has(a.alertId));
    counts.alreadyStored = candidates.length - fresh.length;
    if (fresh.length === 0) return counts;

    if (!(await durably('produce alerts', () => this.producer.send(this.topic, fresh.map(alertMessage))))) return null;
    if (!(await durably('write alerts to the store', () => this.store.writeAlerts(fresh)))) return null;
    for (const a of fresh) recent.add(a.alertId);
    counts.published = fresh.length;
    return counts;
  }
}
