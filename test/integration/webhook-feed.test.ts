import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKafkaBus } from '@chartwatch/bus';
import type { Bus, BusProducer } from '@chartwatch/bus';
import type { Alert } from '@chartwatch/detect';
import { listApiAudit, migrateApiTables, openStore } from '@chartwatch/store';
import type { Store } from '@chartwatch/store';
import { alertMessage } from '@chartwatch/detector';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, createApiMetrics, createIncidentFeed, verifyWebhookSignature } from '../../services/api/src/index.ts';
import type { ApiMetrics, WebhookConfig, WebhookFeed } from '../../services/api/src/index.ts';
import { createLogger } from '../../packages/logger/src/index.ts';
import { makeAlert } from './api-harness.ts';

/**
 * The incident feed end to end over a real Kafka broker: alerts produced to
 * the alerts topic the way the detector produces them reach real HTTP
 * receivers on 127.0.0.1, signed; a receiver that fails is retried, its
 * alerts are held on the topic through an outage and a restart, another
 * receiver is not held by it, and every failure shows in the API's metrics.
 */

const brokers = inject('kafkaBrokers').split(',');
const run = randomUUID().slice(0, 8);
const SECRET = 'webhook-feed-test-secret-0123456789';
const logger = createLogger({ level: 'silent' });

/** A receiver that verifies each request's signature and answers `status()` (503 while down). */
interface Receiver {
  url: string;
  server: Server;
  /** Alert ids accepted (2xx), in arrival order. */
  accepted: string[];
  requests: number;
  invalid: number;
  failNext: number;
  down: boolean;
}

async function receiver(): Promise<Receiver> {
  const r: Receiver = { url: '', server: createServer(), accepted: [], requests: 0, invalid: 0, failNext: 0, down: false };
  r.server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      r.requests += 1;
      const valid = verifyWebhookSignature(SECRET, req.headers[SIGNATURE_HEADER] as string | undefined, req.headers[TIMESTAMP_HEADER] as string | undefined, body, Math.floor(Date.now() / 1000));
      if (!valid) {
        r.invalid += 1;
        res.writeHead(401).end();
        return;
      }
      if (r.down || r.failNext > 0) {
        r.failNext = Math.max(0, r.failNext - 1);
        res.writeHead(503).end();
        return;
      }
      r.accepted.push((JSON.parse(body) as { alert: Alert }).alert.alertId);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}/hook`;
  return r;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function metric(metrics: ApiMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await metrics.registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((s, v) => s + v.value, 0);
}

let bus: Bus;
let producer: BusProducer;
let store: Store;
const receivers: Receiver[] = [];
const feeds: WebhookFeed[] = [];

beforeAll(async () => {
  bus = createKafkaBus({ brokers, clientId: `webhook-test-${run}`, client: 'kafkajs', partitions: 3, topics: { raw: 'r', events: 'e', dlq: 'd', alerts: 'a' } });
  producer = await bus.producer();
  store = await openStore({ database: `webhook_feed_${run.replace(/-/g, '')}`, dataDir: mkdtempSync(join(tmpdir(), 'chartwatch-webhook-feed-')) });
  await store.migrate();
  await migrateApiTables(store);
});
afterAll(async () => {
  await Promise.allSettled(feeds.map((f) => f.stop()));
  await bus?.close();
  await store?.close();
  for (const r of receivers) {
    r.server.closeAllConnections();
    await new Promise((resolve) => r.server.close(resolve));
  }
});

function webhooks(urls: string[], maxAttempts: number): WebhookConfig {
  return { urls, secret: SECRET, maxAttempts, backoffMs: 20, timeoutMs: 2_000, queueSize: 1_000 };
}

async function topicWith(alerts: Alert[]): Promise<string> {
  const topic = `alerts-webhooks-${run}-${randomUUID().slice(0, 6)}`;
  await bus.ensureTopics([{ name: topic, partitions: 3 }]);
  await producer.send(topic, alerts.map(alertMessage));
  return topic;
}

function feed(o: { topic: string; metrics: ApiMetrics; hooks: WebhookConfig; group: string }): WebhookFeed {
  const f = createIncidentFeed({ webhooks: o.hooks, bus, topic: o.topic, metrics: o.metrics, logger, store, untilDelivered: true, groupPrefix: o.group, retryInitialMs: 100, retryMaxMs: 400 });
  feeds.push(f);
  return f;
}

describe('webhook feed from the alerts topic', () => {
  it('delivers every alert on the topic, signed; a failed attempt is retried and counted', async () => {
    const hook = await receiver();
    receivers.push(hook);
    hook.failNext = 1;
    const alerts = Array.from({ length: 12 }, (_, i) => makeAlert({ alertId: `al-feed-${run}-${i}`, actorId: `u-${i % 4}` }));
    const topic = await topicWith(alerts);
    const metrics = createApiMetrics();
    const f = feed({ topic, metrics, hooks: webhooks([hook.url], 5), group: `wh-a-${run}` });
    await f.start();

    await until('12 alerts accepted', () => new Set(hook.accepted).size === 12);
    expect([...new Set(hook.accepted)].sort()).toEqual(alerts.map((a) => a.alertId).sort());
    expect(hook.invalid).toBe(0);
    expect(await metric(metrics, 'chartwatch_webhook_deliveries_total', { outcome: 'retry' })).toBe(1);
    expect(await metric(metrics, 'chartwatch_webhook_deliveries_total', { outcome: 'delivered' })).toBe(12);
    // The API's /metrics renders this registry: the failure is there for Prometheus.
    expect(await metrics.registry.metrics()).toContain('chartwatch_webhook_deliveries_total{outcome="retry"} 1');
    // Every attempt (13: one retried) is on the API audit trail with the alert's patients, before it left.
    const trail = (await listApiAudit(store, { from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z', routeId: 'webhook.delivery', limit: 10_000 }))
      .filter((r) => r.alertIds[0]?.startsWith(`al-feed-${run}-`));
    expect(trail).toHaveLength(13);
    expect(new Set(trail.map((r) => r.alertIds[0]))).toEqual(new Set(alerts.map((a) => a.alertId)));
    expect(trail.every((r) => r.principalId === 'system:webhooks' && r.subjectIds[0] === new URL(hook.url).origin && r.patientIds.length > 0)).toBe(true);
    await f.stop();
  });

  it('holds a receiver’s alerts on the topic through an outage and a restart, without holding another receiver', async () => {
    const flaky = await receiver();
    const healthy = await receiver();
    receivers.push(flaky, healthy);
    flaky.down = true;
    const alerts = Array.from({ length: 8 }, (_, i) => makeAlert({ alertId: `al-outage-${run}-${i}`, actorId: `u-${i % 3}` }));
    const topic = await topicWith(alerts);
    const group = `wh-b-${run}`;
    const metrics = createApiMetrics();
    const first = feed({ topic, metrics, hooks: webhooks([flaky.url, healthy.url], 2), group });
    await first.start();

    // The healthy receiver gets everything while the other one is down.
    await until('the healthy receiver has all 8', () => new Set(healthy.accepted).size === 8);
    await until('the flaky receiver’s chunk held at least twice', async () => (await metric(metrics, 'chartwatch_webhook_feed_held_total')) >= 2);
    expect(flaky.accepted).toEqual([]);
    expect(await metric(metrics, 'chartwatch_webhook_deliveries_total', { outcome: 'failed' })).toBeGreaterThan(0);
    expect(await metrics.registry.metrics()).toMatch(/chartwatch_webhook_feed_held_total [1-9]/);

    // A restart during the outage: nothing was committed for the flaky receiver's group.
    await first.stop();
    flaky.down = false;
    const healthyBefore = healthy.accepted.length;
    const second = feed({ topic, metrics: createApiMetrics(), hooks: webhooks([flaky.url, healthy.url], 2), group });
    await second.start();
    await until('the flaky receiver has all 8 after the restart', () => new Set(flaky.accepted).size === 8);
    expect([...new Set(flaky.accepted)].sort()).toEqual(alerts.map((a) => a.alertId).sort());
    // The healthy receiver's group had committed: the restart does not send it the alerts again.
    await new Promise((r) => setTimeout(r, 500));
    expect(healthy.accepted.length).toBe(healthyBefore);
    await second.stop();
  });
});
