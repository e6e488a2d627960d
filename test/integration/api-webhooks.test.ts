import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, createWebhookDispatcher, verifyWebhookSignature } from '../../services/api/src/index.ts';
import { createLogger } from '../../packages/logger/src/index.ts';
import { makeAlert } from './api-harness.ts';

/**
 * Webhook deliveries to a real HTTP receiver on 127.0.0.1 that fails twice
 * and then accepts, checking the HMAC signature of every request it gets.
 */

const SECRET = 'a-webhook-secret-of-some-length';
let server: Server;
let url: string;
const received: { headers: IncomingHttpHeaders; body: string; valid: boolean; answered: number }[] = [];
let failuresLeft = 2;
let slowMs = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const valid = verifyWebhookSignature(
        SECRET,
        req.headers[SIGNATURE_HEADER] as string | undefined,
        req.headers[TIMESTAMP_HEADER] as string | undefined,
        body,
        Math.floor(Date.now() / 1000),
      );
      const status = !valid ? 401 : failuresLeft > 0 ? 503 : 204;
      if (valid && failuresLeft > 0) failuresLeft -= 1;
      received.push({ headers: req.headers, body, valid, answered: status });
      setTimeout(() => res.writeHead(status).end(), slowMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

type Dispatcher = ReturnType<typeof createWebhookDispatcher>;

async function counter(d: Dispatcher, outcome: string): Promise<number> {
  const metric = await d.registry.getSingleMetric('chartwatch_webhook_deliveries_total')?.get();
  return metric?.values.find((v) => v.labels['outcome'] === outcome)?.value ?? 0;
}

describe('webhook feed', () => {
  it('signs, retries with backoff after two failures, delivers, and counts it all', async () => {
    const dispatcher = createWebhookDispatcher({
      urls: [url],
      secret: SECRET,
      maxAttempts: 5,
      backoffMs: 50,
      timeoutMs: 2000,
      queueSize: 100,
      logger: createLogger({ level: 'silent' }),
    });
    const alert = makeAlert({ alertId: 'al-hook-1' });
    dispatcher.enqueue(alert);
    // enqueue never waits for the network: it returns before any request has reached the receiver.
    expect(received).toHaveLength(0);
    await dispatcher.idle();

    expect(received.map((r) => [r.valid, r.answered])).toEqual([
      [true, 503],
      [true, 503],
      [true, 204],
    ]);
    expect(received.map((r) => r.headers['x-chartwatch-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(received.map((r) => r.headers['x-chartwatch-delivery'])).size).toBe(1);
    expect(JSON.parse(received[2]!.body)).toEqual({ type: 'alert', alert });
    expect(received[0]!.headers[SIGNATURE_HEADER]).toMatch(/^sha256=[0-9a-f]{64}$/);
    // A tampered body or another secret does not verify.
    const r0 = received[0]!;
    const ts = r0.headers[TIMESTAMP_HEADER] as string;
    const sig = r0.headers[SIGNATURE_HEADER] as string;
    expect(verifyWebhookSignature(SECRET, sig, ts, r0.body.replace('al-hook-1', 'al-hook-2'), Number(ts))).toBe(false);
    expect(verifyWebhookSignature('another-secret-entirely', sig, ts, r0.body, Number(ts))).toBe(false);
    expect(verifyWebhookSignature(SECRET, sig, ts, r0.body, Number(ts) + 3600)).toBe(false);

    expect(await counter(dispatcher, 'delivered')).toBe(1);
    expect(await counter(dispatcher, 'retry')).toBe(2);
    expect(await counter(dispatcher, 'failed')).toBe(0);
    expect(await dispatcher.registry.metrics()).toContain('chartwatch_webhook_deliveries_total{outcome="retry"} 2');
    await dispatcher.stop();
  });

  it('gives up after the attempt limit, drops the oldest when the queue is full, and never blocks', async () => {
    const dead = createWebhookDispatcher({
      urls: ['http://127.0.0.1:9/unreachable'],
      secret: SECRET,
      maxAttempts: 3,
      backoffMs: 10,
      timeoutMs: 500,
      queueSize: 100,
      logger: createLogger({ level: 'silent' }),
    });
    dead.enqueue(makeAlert({ alertId: 'al-dead' }));
    await dead.idle();
    expect(await counter(dead, 'failed')).toBe(1);
    expect(await counter(dead, 'retry')).toBe(2);
    await dead.stop();

    slowMs = 300;
    failuresLeft = 0;
    const slow = createWebhookDispatcher({
      urls: [url],
      secret: SECRET,
      maxAttempts: 1,
      backoffMs: 10,
      timeoutMs: 2000,
      queueSize: 5,
      concurrency: 1,
      logger: createLogger({ level: 'silent' }),
    });
    const before = received.length;
    for (let i = 0; i < 50; i++) slow.enqueue(makeAlert({ alertId: `al-burst-${i}` }));
    // Fifty enqueues returned without a single delivery finishing in between: none of them waited.
    expect(received).toHaveLength(before);
    await slow.idle();
    // One in flight at once, five queued behind it: the rest were dropped oldest-first.
    expect(await counter(slow, 'delivered')).toBe(6);
    expect(await counter(slow, 'dropped')).toBe(44);
    const ids = received.slice(-6).map((r) => (JSON.parse(r.body) as { alert: { alertId: string } }).alert.alertId);
    expect(ids).toEqual(['al-burst-0', 'al-burst-45', 'al-burst-46', 'al-burst-47', 'al-burst-48', 'al-burst-49']);
    await slow.stop();
    slowMs = 0;
  });
});
