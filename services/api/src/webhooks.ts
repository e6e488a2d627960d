import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Alert } from '@chartwatch/detect';
import type { Logger } from '@chartwatch/logger';
import type { WebhookConfig } from './config.ts';

/**
 * The incident feed's webhook leg: each alert is POSTed to every configured
 * URL, signed with HMAC-SHA256, retried with exponential backoff. Detection
 * never waits for it: `enqueue` only appends to a bounded in-memory queue
 * (a full queue drops its oldest delivery and counts it), and deliveries run
 * on their own, a few at a time.
 *
 * Receivers verify `x-chartwatch-signature: sha256=<hex>`, the HMAC of
 * `<x-chartwatch-timestamp>.<raw body>`: the timestamp is signed too, so a
 * captured request cannot be replayed later (see verifyWebhookSignature).
 */

export const SIGNATURE_HEADER = 'x-chartwatch-signature';
export const TIMESTAMP_HEADER = 'x-chartwatch-timestamp';
export const DELIVERY_HEADER = 'x-chartwatch-delivery';
export const ATTEMPT_HEADER = 'x-chartwatch-attempt';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/** For receivers (and tests): true when the signature matches and the timestamp is within `toleranceSeconds` of `nowSeconds`. */
export function verifyWebhookSignature(
  secret: string,
  signature: string | undefined,
  timestamp: string | undefined,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  if (signature === undefined || timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return false;
  const ts = Number(timestamp);
  if (Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, ts, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export type DeliveryOutcome = 'delivered' | 'retry' | 'failed' | 'dropped';

interface Delivery {
  id: string;
  url: string;
  alert: Alert;
  body: string;
  attempt: number;
  /** Told the final outcome (deliver()); enqueue()'s deliveries have none. */
  settle?: (outcome: Exclude<DeliveryOutcome, 'retry'>) => void;
}

export interface WebhookDispatcherOptions extends WebhookConfig {
  logger: Logger;
  /** Where the webhook metrics go (share the API's or the detector's registry); default a registry of its own. */
  registry?: Registry;
  /** Deliveries in flight at once (default 4). */
  concurrency?: number;
  /** Wall clock in epoch ms, for the signed timestamp. */
  now?: () => number;
  /**
   * Records a delivery attempt on the API audit trail before the alert (with
   * its patient ids) leaves; a rejection means nothing is sent and the
   * attempt is retried like a failed one.
   */
  recordDelivery?: (delivery: WebhookDeliveryRecord) => Promise<void>;
}

/** One delivery attempt as the audit trail records it: the receiver by origin (its path may hold a token). */
export interface WebhookDeliveryRecord {
  deliveryId: string;
  attempt: number;
  receiver: string;
  alert: Alert;
  at: number;
}

const MAX_BACKOFF_MS = 5 * 60_000;

export class WebhookDispatcher {
  private readonly queue: Delivery[] = [];
  /** Retries backing off, by their timer. */
  private readonly timers = new Map<NodeJS.Timeout, Delivery>();
  private waitingRetries = 0;
  private inFlight = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly now: () => number;
  private readonly deliveries: Counter<'outcome'>;
  private readonly depth: Gauge;
  private readonly log: Logger;
  readonly registry: Registry;

  constructor(private readonly o: WebhookDispatcherOptions) {
    this.registry = o.registry ?? new Registry();
    this.concurrency = o.concurrency ?? 4;
    this.now = o.now ?? (() => Date.now());
    this.log = o.logger.child({ component: 'webhooks' });
    this.deliveries = new Counter({
      name: 'chartwatch_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome: delivered, retry (failed attempt, will retry), failed (gave up), dropped (queue full or stopped)',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    for (const outcome of ['delivered', 'retry', 'failed', 'dropped'] as const) this.deliveries.inc({ outcome }, 0);
    this.depth = new Gauge({
      name: 'chartwatch_webhook_queue_depth',
      help: 'Webhook deliveries waiting (queued or backing off)',
      registers: [this.registry],
      collect: () => {
        this.depth.set(this.queue.length + this.waitingRetries);
      },
    });
  }

  /** Queues the alert for every URL and returns at once. */
  enqueue(alert: Alert): void {
    if (this.stopped) {
      this.deliveries.inc({ outcome: 'dropped' }, this.o.urls.length);
      return;
    }
    const body = JSON.stringify({ type: 'alert', alert });
    for (const url of this.o.urls) {
      if (this.queue.length + this.waitingRetries >= this.o.queueSize && this.queue.length > 0) {
        this.queue.shift()?.settle?.('dropped');
        this.deliveries.inc({ outcome: 'dropped' });
      }
      this.queue.push({ id: randomUUID(), url, alert, body, attempt: 1 });
    }
    this.pump();
  }

  /**
   * Delivers one alert to one configured URL and resolves with the final
   * outcome: delivered, failed (gave up after maxAttempts or on a 4xx) or
   * dropped (stopped). Not subject to the queue bound: the caller bounds
   * what it has outstanding (the webhook feed awaits each chunk).
   */
  deliver(url: string, alert: Alert): Promise<Exclude<DeliveryOutcome, 'retry'>> {
    if (!this.o.urls.includes(url)) throw new Error(`webhook ${url} is not configured`);
    if (this.stopped) {
      this.deliveries.inc({ outcome: 'dropped' });
      return Promise.resolve('dropped');
    }
    return new Promise((settle) => {
      this.queue.push({ id: randomUUID(), url, alert, body: JSON.stringify({ type: 'alert', alert }), attempt: 1, settle });
      this.pump();
    });
  }

  /** Resolves when nothing is queued, backing off or in flight (tests, shutdown). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops taking alerts and retrying; waits for deliveries in flight up to
   * `deadlineMs`. What is still queued is dropped and counted.
   */
  async stop(deadlineMs = 5000): Promise<void> {
    this.stopped = true;
    const abandoned = [...this.queue, ...this.timers.values()];
    for (const t of this.timers.keys()) clearTimeout(t);
    this.timers.clear();
    this.deliveries.inc({ outcome: 'dropped' }, this.queue.length + this.waitingRetries);
    this.queue.length = 0;
    for (const d of abandoned) d.settle?.('dropped');
    this.waitingRetries = 0;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.idle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, deadlineMs);
        timer.unref();
      }),
    ]);
    if (timer) clearTimeout(timer);
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.waitingRetries === 0 && this.inFlight === 0;
  }

  private settle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const d = this.queue.shift()!;
      this.inFlight += 1;
      void this.attempt(d).finally(() => {
        this.inFlight -= 1;
        this.pump();
        this.settle();
      });
    }
  }

  private async attempt(d: Delivery): Promise<void> {
    const timestamp = Math.floor(this.now() / 1000);
    let retryable: boolean;
    let problem: string;
    try {
      await this.o.recordDelivery?.({ deliveryId: d.id, attempt: d.attempt, receiver: new URL(d.url).origin, alert: d.alert, at: this.now() });
    } catch (err) {
      this.log.error({ err, delivery: d.id }, 'webhook delivery not recorded on the audit trail: not sent');
      return this.retryOrGiveUp(d, true, 'the audit trail is not accepting rows');
    }
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signWebhook(this.o.secret, timestamp, d.body),
          [TIMESTAMP_HEADER]: String(timestamp),
          [DELIVERY_HEADER]: d.id,
          [ATTEMPT_HEADER]: String(d.attempt),
        },
        body: d.body,
        signal: AbortSignal.timeout(this.o.timeoutMs),
        redirect: 'manual',
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) {
        this.deliveries.inc({ outcome: 'delivered' });
        d.settle?.('delivered');
        return;
      }
      // The receiver's 4xx means the request itself is wrong; retrying cannot help, except for timeouts and rate limits.
      retryable = res.status >= 500 || res.status === 408 || res.status === 429;
      problem = `HTTP ${res.status}`;
    } catch (err) {
      retryable = true;
      problem = (err as Error).name === 'TimeoutError' ? `no answer within ${this.o.timeoutMs} ms` : (err as Error).message;
    }
    this.retryOrGiveUp(d, retryable, problem);
  }

  private retryOrGiveUp(d: Delivery, retryable: boolean, problem: string): void {
    const target = new URL(d.url).origin;
    if (!retryable || d.attempt >= this.o.maxAttempts || this.stopped) {
      this.deliveries.inc({ outcome: 'failed' });
      this.log.error({ target, delivery: d.id, attempts: d.attempt, problem }, 'webhook delivery failed; giving up');
      d.settle?.(this.stopped ? 'dropped' : 'failed');
      return;
    }
    this.deliveries.inc({ outcome: 'retry' });
    const delay = Math.min(MAX_BACKOFF_MS, this.o.backoffMs * 2 ** (d.attempt - 1)) * (0.8 + Math.random() * 0.4);
    this.log.warn({ target, delivery: d.id, attempt: d.attempt, problem, retryInMs: Math.round(delay) }, 'webhook delivery failed; will retry');
    this.waitingRetries += 1;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.waitingRetries -= 1;
      this.queue.push({ ...d, attempt: d.attempt + 1 });
      this.pump();
      this.settle();
    }, delay);
    timer.unref();
    this.timers.set(timer, d);
  }
}

export function createWebhookDispatcher(o: WebhookDispatcherOptions): WebhookDispatcher {
  return new WebhookDispatcher(o);
}
