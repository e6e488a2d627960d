import { createHash } from 'node:crypto';
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import type { BatchControl, Bus, BusConsumer, ConsumedBatch } from '@chartwatch/bus';
import { retryWithBackoff } from '@chartwatch/bus';
import type { Alert } from '@chartwatch/detect';
import { alertSchema } from '@chartwatch/detect';
import type { Logger } from '@chartwatch/logger';
import type { ApiDb } from '@chartwatch/store';
import { AuditTrail } from './audit-trail.ts';
import type { WebhookConfig } from './config.ts';
import type { ApiMetrics } from './metrics.ts';
import { createWebhookDispatcher } from './webhooks.ts';
import type { WebhookDispatcher } from './webhooks.ts';

/**
 * The incident feed's webhook leg, fed from the alerts topic. The detector
 * only produces to the topic (it never waits for a receiver); this consumer
 * reads the topic in a consumer group of its own *per receiver URL* and
 * hands each alert to the dispatcher (signed, retried with backoff).
 *
 * Offsets are committed once a chunk's alerts are delivered. With
 * `untilDelivered` (Kafka) a chunk a receiver could not take is retried
 * with backoff and its offsets stay uncommitted, so a receiver's outage
 * loses nothing the topic still holds, a restart resumes where that
 * receiver stopped, and one receiver's outage never holds the others (its
 * own group). Without it (the in-process queue, which would otherwise hold
 * its messages and, once full, the detector's sends) a delivery the
 * dispatcher gave up on is counted and skipped.
 *
 * Delivery is at least once: a receiver may get an alert again after a
 * restart or a rebalance; the body carries the alert id to dedupe by.
 */

export const WEBHOOK_GROUP_PREFIX = 'chartwatch-webhooks';

/** Alerts handed to the dispatcher at once per receiver: bounds what a receiver has outstanding. */
const CHUNK = 32;
/** Kafka drops a member that is silent for its session timeout: heartbeat while a chunk waits on a receiver. */
const HEARTBEAT_MS = 3_000;

export interface WebhookFeedOptions {
  bus: Bus;
  /** The alerts topic (KAFKA_TOPIC_ALERTS). */
  topic: string;
  dispatcher: WebhookDispatcher;
  /** The receivers (WEBHOOK_URLS); each gets its own consumer group. */
  urls: readonly string[];
  logger: Logger;
  /** Where the feed's counters go (the API's registry, beside the dispatcher's). */
  registry: Registry;
  /** Hold a receiver's offsets until it took the alert (true on Kafka). */
  untilDelivered: boolean;
  /** Consumer group names are `<prefix>-<hash of the URL>`. */
  groupPrefix?: string;
  retryInitialMs?: number;
  retryMaxMs?: number;
}

export interface WebhookFeed {
  /** Joins one group per receiver and starts delivering. */
  start(): Promise<void>;
  /** Stops consuming (chunks in flight are left uncommitted), then stops the dispatcher. */
  stop(): Promise<void>;
  /** The consumer group of each receiver URL. */
  readonly groups: ReadonlyMap<string, string>;
}

export function webhookGroupId(url: string, prefix = WEBHOOK_GROUP_PREFIX): string {
  return `${prefix}-${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
}

export function createWebhookFeed(o: WebhookFeedOptions): WebhookFeed {
  const log = o.logger.child({ component: 'webhook-feed' });
  const abort = new AbortController();
  const consumers: BusConsumer[] = [];
  const groups = new Map(o.urls.map((url) => [url, webhookGroupId(url, o.groupPrefix)]));
  const held = new Counter({
    name: 'chartwatch_webhook_feed_held_total',
    help: 'Chunks of alerts a receiver did not take, held on the alerts topic and retried (offsets not committed)',
    registers: [o.registry],
  });
  const skipped = new Counter({
    name: 'chartwatch_webhook_feed_skipped_total',
    help: 'Alerts from the alerts topic not delivered to a receiver, by reason: unreadable message, or given up (in-process queue only)',
    labelNames: ['reason'],
    registers: [o.registry],
  });
  for (const reason of ['unreadable', 'given_up'] as const) skipped.inc({ reason }, 0);

  function readAlerts(batch: ConsumedBatch): { offset: string; alert: Alert | null }[] {
    return batch.messages.map((m) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(m.value.toString('utf8'));
      } catch {
        parsed = undefined;
      }
      const ok = alertSchema.safeParse(parsed);
      if (!ok.success) {
        skipped.inc({ reason: 'unreadable' });
        log.warn({ topic: batch.topic, partition: batch.partition, offset: m.offset }, 'alerts topic: not an alert; skipped');
        return { offset: m.offset, alert: null };
      }
      // The alert as the detector published it (the schema may normalise; receivers get the original fields).
      return { offset: m.offset, alert: parsed as Alert };
    });
  }

  async function handle(url: string, batch: ConsumedBatch, control: BatchControl): Promise<void> {
    const items = readAlerts(batch);
    const heartbeat = setInterval(() => void control.heartbeat().catch(() => undefined), HEARTBEAT_MS);
    try {
      for (let i = 0; i < items.length; i += CHUNK) {
        const chunk = items.slice(i, i + CHUNK);
        let pending = chunk.flatMap((x) => (x.alert === null ? [] : [x.alert]));
        const done = await retryWithBackoff(
          async () => {
            const outcomes = await Promise.all(pending.map((a) => o.dispatcher.deliver(url, a)));
            if (outcomes.includes('dropped')) throw new Error('the dispatcher stopped');
            const failed = pending.filter((_, k) => outcomes[k] !== 'delivered');
            if (failed.length > 0 && o.untilDelivered) {
              pending = failed;
              throw new Error(`${failed.length} of ${chunk.length} alerts not taken by the receiver`);
            }
            skipped.inc({ reason: 'given_up' }, failed.length);
          },
          {
            initialMs: o.retryInitialMs ?? 1_000,
            maxMs: o.retryMaxMs ?? 60_000,
            shouldGiveUp: () => !control.isRunning() || control.isStale() || abort.signal.aborted,
            signal: abort.signal,
            heartbeat: () => control.heartbeat(),
            onFailure: (err, attempt, pauseMs) => {
              if (abort.signal.aborted) return;
              held.inc();
              log.warn({ target: new URL(url).origin, attempt, pauseMs, problem: (err as Error).message }, 'webhook receiver behind; alerts held on the topic');
            },
          },
        );
        if (!done) return;
        await control.commit(chunk.at(-1)!.offset);
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  return {
    groups,
    async start(): Promise<void> {
      for (const [url, groupId] of groups) {
        const consumer = o.bus.consumer({
          groupId,
          topics: [o.topic],
          // A receiver added later gets what the topic still holds; receivers dedupe by alert id.
          fromBeginning: true,
          maxBatchMessages: 256,
          onError: (err) => log.error({ err, groupId }, 'webhook feed consumer failed; resuming from the last committed offset'),
        });
        consumers.push(consumer);
        await consumer.run((batch, control) => handle(url, batch, control));
        log.info({ target: new URL(url).origin, groupId, topic: o.topic, untilDelivered: o.untilDelivered }, 'webhook feed started');
      }
    },
    async stop(): Promise<void> {
      abort.abort();
      // The dispatcher first: deliveries a chunk awaits settle as dropped, so the consumers' handlers return.
      await o.dispatcher.stop(2_000);
      await Promise.allSettled(consumers.map((c) => c.stop()));
    },
  };
}

export interface IncidentFeedOptions {
  webhooks: WebhookConfig;
  bus: Bus;
  topic: string;
  /** The API's metrics: the dispatcher's and the feed's counters join its registry, so GET /metrics shows webhook failures. */
  metrics: ApiMetrics;
  logger: Logger;
  /** Where each delivery attempt is recorded on the API audit trail before the alert leaves. */
  store: ApiDb;
  untilDelivered: boolean;
  groupPrefix?: string;
  /** Pause before a held chunk is offered again, doubling up to retryMaxMs (default 1 s … 60 s). */
  retryInitialMs?: number;
  retryMaxMs?: number;
}

/** The dispatcher and its feed from the alerts topic, as the API process and `chartwatch start` run them. */
export function createIncidentFeed(o: IncidentFeedOptions): WebhookFeed {
  const trail = new AuditTrail({ db: o.store, logger: o.logger, metrics: o.metrics, batchSize: 500 });
  const dispatcher = createWebhookDispatcher({
    ...o.webhooks,
    logger: o.logger,
    registry: o.metrics.registry,
    recordDelivery: (d) =>
      trail.record({
        at: new Date(d.at).toISOString(),
        requestId: `${d.deliveryId}#${d.attempt}`,
        principalId: 'system:webhooks',
        principalKind: 'system',
        role: '',
        routeId: 'webhook.delivery',
        method: 'POST',
        urlPath: d.receiver,
        patientIds: [...d.alert.patientIds],
        alertIds: [d.alert.alertId],
        actorIds: [d.alert.actorId],
        subjectIds: [d.receiver],
        ip: '',
        status: 0,
      }),
  });
  return createWebhookFeed({
    bus: o.bus,
    topic: o.topic,
    dispatcher,
    urls: o.webhooks.urls,
    logger: o.logger,
    registry: o.metrics.registry,
    untilDelivered: o.untilDelivered,
    ...(o.groupPrefix === undefined ? {} : { groupPrefix: o.groupPrefix }),
    ...(o.retryInitialMs === undefined ? {} : { retryInitialMs: o.retryInitialMs }),
    ...(o.retryMaxMs === undefined ? {} : { retryMaxMs: o.retryMaxMs }),
  });
}
