import type { BatchControl, Bus, BusConsumer, BusProducer, ConsumedBatch } from '@chartwatch/bus';
import type { AccessEvent } from '@chartwatch/event';
import type { Logger } from '@chartwatch/logger';
import { retryWithBackoff } from '@chartwatch/bus';
import type { IngestConfig } from './config.ts';
import { sendDeadLetters } from './dead-letters.ts';
import type { DeadLetterSink } from './dead-letters.ts';
import { HEADERS, routeMessages } from './route-messages.ts';
import { coalesceWrites } from './write-coalescer.ts';

/** Where valid events go; `@chartwatch/store`'s Store is one. Must be idempotent by event id. */
export interface EventSink {
  writeEvents(events: readonly AccessEvent[]): Promise<void>;
}

export type IngestSettings = Pick<
  IngestConfig,
  'bus' | 'groupId' | 'batchSize' | 'maxBatchDelayMs' | 'maxMessageBytes' | 'maxFutureMs' | 'retryInitialMs' | 'retryMaxMs' | 'sessionTimeoutMs' | 'partitionsConcurrently' | 'maxInsertEvents'
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
  /** Sub-batches stored, produced and committed. */
  batches: number;
  /** Raw messages done with: their events stored and produced, their dead letters produced, their offsets committed. */
  settled: number;
  /** Failed store or produce attempts that were retried. */
  retries: number;
  /** Wall time spent in each step, milliseconds (where a slow pipeline loses its time). */
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
 * Per partition batch, one sub-batch of `batchSize` messages at a time:
 *   decode → store the valid events (idempotent by event id) → produce them
 *   to the events topic → produce the invalid messages, original bytes, to
 *   the DLQ → commit the sub-batch's last offset.
 * Nothing is committed before all of that succeeded, so a crash anywhere
 * re-delivers the sub-batch and the idempotent store absorbs the repeat
 * (at-least-once into Kafka topics, exactly-once as seen in ClickHouse).
 */
export function createIngest({ config, store: sink, bus, logger }: IngestDeps): Ingest {
  const log = logger.child({ component: 'ingest' });
  const store = coalesceWrites(sink, config.maxInsertEvents);
  const { topics } = config.bus;
  const metrics: IngestMetrics = { consumed: 0, stored: 0, dlq: 0, dlqReduced: 0, dlqKept: 0, invalidEvents: 0, batches: 0, settled: 0, retries: 0, decodeMs: 0, storeMs: 0, produceMs: 0, commitMs: 0 };
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

  async function handleBatch(batch: ConsumedBatch, control: BatchControl): Promise<void> {
    const out = producer as BusProducer;
    for (let start = 0; start < batch.messages.length; start += config.batchSize) {
      // A stopping or rebalanced consumer leaves the rest for whoever owns the partition next.
      if (stopping.signal.aborted || !control.isRunning() || control.isStale()) return;
      const slice = batch.messages.slice(start, start + config.batchSize);
      let t = performance.now();
      const routed = routeMessages(slice, {
        topic: batch.topic,
        partition: batch.partition,
        maxMessageBytes: config.maxMessageBytes,
        latestEventMs: Date.now() + config.maxFutureMs,
      });
      metrics.consumed += slice.length;
      metrics.decodeMs += performance.now() - t;

      if (routed.events.length > 0) {
        t = performance.now();
        if (!(await durably('store write', () => store.writeEvents(routed.events), control, batch))) return;
        metrics.storeMs += performance.now() - t;
      }
      t = performance.now();
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
      if (!eventsSent || dead === null) return;
      if (routed.deadLetters.length > 0) {
        log.info(
          { topic: batch.topic, partition: batch.partition, messages: routed.deadLetters.length, invalidEvents: routed.invalidEvents },
          'invalid messages sent to the dead-letter topic',
        );
      }
      const last = slice[slice.length - 1];
      t = performance.now();
      if (last) await control.commit(last.offset);
      metrics.commitMs += performance.now() - t;
      metrics.stored += routed.events.length;
      metrics.dlq += routed.deadLetters.length;
      metrics.dlqReduced += dead.reduced;
      metrics.dlqKept += dead.kept;
      metrics.invalidEvents += routed.invalidEvents;
      metrics.batches += 1;
      metrics.settled += slice.length;
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
