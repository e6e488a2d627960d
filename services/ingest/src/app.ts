import type { BatchControl, Bus, BusConsumer, BusProducer, ConsumedBatch, ConsumedMessage } from '@chartwatch/bus';
import type { AccessEvent } from '@chartwatch/event';
import type { Logger } from '@chartwatch/logger';
import { retryWithBackoff } from '@chartwatch/bus';
import type { IngestConfig } from './config.ts';
import { sendDeadLetters } from './dead-letters.ts';
import type { DeadLetterSink } from './dead-letters.ts';
import { HEADERS, routeMessages, type RoutedMessages } from './route-messages.ts';
import { coalesceWrites } from './write-coalescer.ts';

/** Where valid events go; `@chartwatch/store`'s Store is one. Must be idempotent by event id. */
export interface EventSink {
  writeEvents(events: readonly AccessEvent[]): Promise<void>;
}

export type IngestSettings = Pick<
  IngestConfig,
  'bus' | 'groupId' | 'batchSize' | 'maxBatchDelayMs' | 'maxMessageBytes' | 'maxFutureMs' | 'retryInitialMs' | 'retryMaxMs' | 'sessionTimeoutMs' | 'partitionsConcurrently' | 'pipelineDepth' | 'maxInsertBytes' | 'maxInsertDelayMs'
>;

export interface IngestMetrics {
  /** Raw messages decoded (a redelivered message counts again). */
  consumed: number;
  /** Valid events written to the store (after de-duplication inside a sub-batch). */
  stored: number;
  /** Messages dead-lettered (to the DLQ topic, reduced or not, or kept in the store). */
  dlq: number;
  /** Dead letters the DLQ topic took only reduced, and those it refused twice (kept in the store's dead_letters table). */
  dlqReduced: number;
  dlqKept: number;
  /** Invalid events found (a dead-lettered CSV or Bundle can hold several). */
  invalidEvents: number;
  /** Sub-batches stored and produced (their commit follows in offset order). */
  batches: number;
  /** Failed store or produce attempts that were retried. */
  retries: number;
  /** Merged inserts sent to the store, and the wall time they took (the store's own time, no waiting in line). */
  inserts: number;
  insertMs: number;
  /** Wall time each step waited, milliseconds, summed over sub-batches in flight (where a slow pipeline loses its time). */
  decodeMs: number;
  storeMs: number;
  produceMs: number;
  commitMs: number;
}

export interface Ingest {
  /** Creates missing topics, joins the consumer group and starts consuming. */
  start(): Promise<void>;
  /** Stops fetching, finishes the sub-batch in flight (its commit included) and leaves the group. */
  stop(): Promise<void>;
  metrics(): Readonly<IngestMetrics>;
}

export interface IngestDeps {
  config: IngestSettings;
  /** Valid events, and the dead letters the DLQ topic refuses. */
  store: EventSink & DeadLetterSink;
  bus: Bus;
  logger: Logger;
}

/**
 * The ingest pipeline: raw audit messages in, canonical events out.
 * Per partition batch, sub-batches of `batchSize` messages, pipelined:
 *   decode → at once: store the valid events (idempotent by event id,
 *   merged with other sub-batches into inserts sized by bytes and time),
 *   produce them to the events topic, produce the invalid messages
 *   (original bytes) to the DLQ → commit, in offset order.
 * Nothing is committed before all of that succeeded, so a crash anywhere
 * re-delivers the sub-batch and the idempotent store absorbs the repeat
 * (at-least-once into Kafka topics, exactly-once as seen in ClickHouse).
 */
export function createIngest({ config, store: sink, bus, logger }: IngestDeps): Ingest {
  const log = logger.child({ component: 'ingest' });
  const { topics } = config.bus;
  const metrics: IngestMetrics = { consumed: 0, stored: 0, dlq: 0, dlqReduced: 0, dlqKept: 0, invalidEvents: 0, batches: 0, retries: 0, inserts: 0, insertMs: 0, decodeMs: 0, storeMs: 0, produceMs: 0, commitMs: 0 };
  const store = coalesceWrites(sink, {
    maxBytes: config.maxInsertBytes,
    maxDelayMs: config.maxInsertDelayMs,
    onInsert: (_events, ms) => {
      metrics.inserts += 1;
      metrics.insertMs += ms;
    },
  });
  const stopping = new AbortController();
  let consumer: BusConsumer | undefined;
  let producer: BusProducer | undefined;

  async function durably(what: string, task: () => Promise<void>, control: BatchControl, batch: ConsumedBatch): Promise<boolean> {
    return retryWithBackoff(task, {
      initialMs: config.retryInitialMs,
      maxMs: config.retryMaxMs,
      signal: stopping.signal,
      shouldGiveUp: () => stopping.signal.aborted || !control.isRunning() || control.isStale(),
      heartbeat: control.heartbeat,
      onFailure: (err, attempt, pauseMs) => {
        metrics.retries += 1;
        log.warn({ err, attempt, pauseMs, topic: batch.topic, partition: batch.partition }, `${what} failed; retrying, offsets stay uncommitted`);
      },
    });
  }

  /** Sends one decoded sub-batch to both sinks at once; true once ClickHouse and Kafka both accepted it. */
  async function deliver(routed: RoutedMessages, bytes: number, control: BatchControl, batch: ConsumedBatch): Promise<boolean> {
    const out = producer as BusProducer;
    const stored = async (): Promise<boolean> => {
      if (routed.events.length === 0) return true;
      const t = performance.now();
      const ok = await durably('store write', () => store.writeEvents(routed.events, bytes), control, batch);
      metrics.storeMs += performance.now() - t;
      return ok;
    };
    const produced = async (): Promise<boolean> => {
      const t = performance.now();
      // The events and the dead letters go to different topics: one round trip for both.
      const [eventsSent, dead] = await Promise.all([
        routed.eventMessages.length === 0 ? true : durably('produce to events topic', () => out.send(topics.events, routed.eventMessages), control, batch),
        sendDeadLetters(routed.deadLetters, {
          producer: out,
          topic: topics.dlq,
          sink,
          durably: (what, task) => durably(what, task, control, batch),
          now: Date.now,
          onRefused: (letter, err, step) =>
            log.warn(
              { err, topic: batch.topic, partition: batch.partition, offset: letter.headers?.[HEADERS.sourceOffset], step },
              step === 'whole' ? 'the dead-letter topic refused a dead letter; sending it reduced' : 'the dead-letter topic refused the reduced dead letter too; keeping it in the store (dead_letters)',
            ),
        }),
      ]);
      metrics.produceMs += performance.now() - t;
      if (dead === null) return false;
      metrics.dlqReduced += dead.reduced;
      metrics.dlqKept += dead.kept;
      return eventsSent;
    };
    // Neither sink waits for the other: nothing is committed until both said yes.
    const [storeOk, produceOk] = await Promise.all([stored(), produced()]);
    if (!storeOk || !produceOk) return false;
    if (routed.deadLetters.length > 0) {
      log.info(
        { topic: batch.topic, partition: batch.partition, messages: routed.deadLetters.length, invalidEvents: routed.invalidEvents },
        'invalid messages sent to the dead-letter topic',
      );
    }
    metrics.stored += routed.events.length;
    metrics.dlq += routed.deadLetters.length;
    metrics.invalidEvents += routed.invalidEvents;
    metrics.batches += 1;
    return true;
  }

  /**
   * One partition's batch as a pipeline: sub-batch n+1 is decoded (on this
   * thread) while sub-batch n is being stored (on chDB's threads or the
   * server) and produced, with up to `pipelineDepth` sub-batches in flight.
   * Offsets are committed strictly in order: a sub-batch's last offset only
   * once it and every sub-batch before it were accepted by both sinks, so a
   * crash anywhere re-delivers from the oldest unfinished one. Decoding in
   * turn with the I/O left both cores half idle (bench/ingest.bench.ts).
   */
  async function handleBatch(batch: ConsumedBatch, control: BatchControl): Promise<void> {
    const inFlight: { offset: string; done: Promise<boolean>; settled: boolean; ok: boolean }[] = [];
    const gone = (): boolean => stopping.signal.aborted || !control.isRunning() || control.isStale();
    let failed = false;

    /** Waits for the oldest in flight, then commits the longest run of finished sub-batches in one commit. */
    async function commitOldest(): Promise<void> {
      let last: string | undefined;
      while (inFlight.length > 0) {
        const head = inFlight[0] as (typeof inFlight)[number];
        if (last !== undefined && !head.settled) break;
        if (!(await head.done)) {
          failed = true;
          break;
        }
        inFlight.shift();
        last = head.offset;
      }
      // A stopping consumer still commits what both sinks took; a revoked partition is no longer ours to commit.
      if (last === undefined || control.isStale()) return;
      const t = performance.now();
      await control.commit(last);
      metrics.commitMs += performance.now() - t;
    }

    try {
      for (let start = 0; start < batch.messages.length && !failed; start += config.batchSize) {
        // A stopping or rebalanced consumer leaves the rest for whoever owns the partition next
        // (what is already in flight still finishes, and is committed unless the partition was revoked).
        if (gone()) break;
        const slice = batch.messages.slice(start, start + config.batchSize);
        const t = performance.now();
        const routed = routeMessages(slice, {
          topic: batch.topic,
          partition: batch.partition,
          maxMessageBytes: config.maxMessageBytes,
          latestEventMs: Date.now() + config.maxFutureMs,
        });
        let bytes = 0;
        for (const m of routed.eventMessages) bytes += m.value?.length ?? 0;
        metrics.consumed += slice.length;
        metrics.decodeMs += performance.now() - t;
        const entry = { offset: (slice[slice.length - 1] as ConsumedMessage).offset, done: Promise.resolve(false), settled: false, ok: false };
        entry.done = deliver(routed, bytes, control, batch).then((ok) => {
          entry.settled = true;
          entry.ok = ok;
          return ok;
        });
        inFlight.push(entry);
        if (inFlight.length >= config.pipelineDepth) await commitOldest();
        // Lets the sinks' callbacks run between two decodes of a long batch.
        else await new Promise((resolve) => setImmediate(resolve));
      }
      while (inFlight.length > 0 && !failed) await commitOldest();
    } finally {
      // Nothing is left running behind a returned handler: the store may be closed right after.
      await Promise.allSettled(inFlight.map((e) => e.done));
    }
  }

  return {
    async start(): Promise<void> {
      const partitions = config.bus.partitions;
      await bus.ensureTopics([topics.raw, topics.events, topics.dlq].map((name) => ({ name, partitions })));
      producer = await bus.producer();
      consumer = bus.consumer({
        groupId: config.groupId,
        topics: [topics.raw],
        fromBeginning: true,
        maxWaitMs: config.maxBatchDelayMs,
        maxBatchMessages: config.batchSize * 4,
        sessionTimeoutMs: config.sessionTimeoutMs,
        partitionsConcurrently: config.partitionsConcurrently,
        onError: (err) => log.error({ err }, 'consumer failed; it restarts from the last committed offset'),
      });
      await consumer.run(handleBatch);
      log.info({ topic: topics.raw, groupId: config.groupId, batchSize: config.batchSize, bus: bus.kind }, 'ingest started');
    },

    async stop(): Promise<void> {
      stopping.abort();
      await consumer?.stop();
      consumer = undefined;
      log.info({ ...metrics }, 'ingest stopped');
    },

    metrics: () => ({ ...metrics }),
  };
}
