import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type IHeaders, type LogEntry, type Producer } from 'kafkajs';
import { ChartwatchError } from '@chartwatch/errors';
import { chunkByBytes, DEFAULT_MAX_REQUEST_BYTES, nextOffset } from './send-chunks.ts';
import { PLAINTEXT, kafkajsSecurity } from './security.ts';
import type { KafkaSecurity } from './security.ts';
import type { Bus, BusConsumer, BusLogger, BusProducer, ConsumedMessage, ConsumerOptions, MessageHeaders, OutgoingMessage, PartitionOffsets, TopicSpec } from './types.ts';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  logger?: BusLogger;
  /** Bound on one produce request's bytes; see DEFAULT_MAX_REQUEST_BYTES. */
  maxRequestBytes?: number;
  /** TLS and SASL; absent: plaintext. */
  security?: KafkaSecurity;
}

const silentLogger: BusLogger = { debug() {}, info() {}, warn() {}, error() {} };

// kafkajs 2.2.4 arms a setTimeout with a negative delay whenever its request
// queue is not throttled, which Node >= 23 reports as TimeoutNegativeWarning
// on every connection. The timer still fires at once, as intended; the
// warning is noise, so it (and only it) is dropped.
let warningFilterInstalled = false;
export function dropKafkajsTimeoutWarnings(): void {
  if (warningFilterInstalled) return;
  warningFilterInstalled = true;
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: unknown } | undefined)?.type;
    if (type === 'TimeoutNegativeWarning' || (warning instanceof Error && warning.name === 'TimeoutNegativeWarning')) return;
    emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
}

function toHeaders(headers: IHeaders | undefined): MessageHeaders {
  const out: MessageHeaders = {};
  if (!headers) return out;
  for (const name in headers) {
    const raw = headers[name];
    const first = Array.isArray(raw) ? raw[0] : raw;
    if (first !== undefined) out[name] = typeof first === 'string' ? first : first.toString('utf8');
  }
  return out;
}

function kafkajsLogger(logger: BusLogger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...rest } = log;
      const fields = { ...rest, client: 'kafkajs' };
      if (level === logLevel.ERROR) logger.error(fields, message);
      else if (level === logLevel.WARN) logger.warn(fields, message);
      else logger.debug(fields, message);
    };
}

/** The Kafka bus on kafkajs: eachBatch with manual offset resolution and explicit commits. */
export function createKafkajsBus(options: KafkaBusOptions): Bus {
  dropKafkajsTimeoutWarnings();
  const logger = options.logger ?? silentLogger;
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkajsLogger(logger),
    retry: { initialRetryTime: 200, retries: 8 },
    ...kafkajsSecurity(options.security ?? PLAINTEXT),
  });
  const producers: Producer[] = [];
  const consumers = new Set<Consumer>();
  let shared: Promise<BusProducer> | undefined;
  let offsetsAdmin: Promise<Admin> | undefined;

  async function newProducer(): Promise<BusProducer> {
    // The Java client's partitioner, so an actor's key lands on the same partition whatever the client.
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    producers.push(producer);
    return {
      async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
        for (const chunk of chunkByBytes(messages, maxRequestBytes)) {
          await producer.send({
            topic,
            acks: -1,
            messages: chunk.map((m) => ({ key: m.key, value: m.value, ...(m.headers ? { headers: m.headers } : {}) })),
          });
        }
      },
      async close(): Promise<void> {
        await producer.disconnect();
      },
    };
  }

  return {
    kind: 'kafkajs',
    producer(): Promise<BusProducer> {
      shared ??= newProducer();
      return shared;
    },

    consumer(opts: ConsumerOptions): BusConsumer {
      const consumer = kafka.consumer({
        groupId: opts.groupId,
        allowAutoTopicCreation: false,
        ...(opts.sessionTimeoutMs ? { sessionTimeout: opts.sessionTimeoutMs } : {}),
        ...(opts.maxWaitMs ? { maxWaitTimeInMs: opts.maxWaitMs } : {}),
        retry: { initialRetryTime: 500, retries: 10, restartOnFailure: async () => true },
      });
      consumers.add(consumer);
      consumer.on(consumer.events.CRASH, (event) => {
        opts.onError?.(event.payload.error);
      });
      return {
        async run(handler): Promise<void> {
          await consumer.connect();
          await consumer.subscribe({ topics: opts.topics, fromBeginning: opts.fromBeginning ?? true });
          await consumer.run({
            partitionsConsumedConcurrently: opts.partitionsConcurrently ?? 1,
            autoCommit: false,
            eachBatchAutoResolve: false,
            eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
              const { topic, partition } = batch;
              const messages: ConsumedMessage[] = batch.messages.map((m) => ({
                offset: m.offset,
                key: m.key === null ? null : m.key.toString('utf8'),
                value: m.value ?? Buffer.alloc(0),
                ...(m.value === null ? { tombstone: true } : {}),
                headers: toHeaders(m.headers),
                timestamp: m.timestamp,
              }));
              await handler(
                { topic, partition, messages },
                {
                  isRunning,
                  isStale,
                  heartbeat,
                  async commit(offset: string, options?: { readThrough?: string }): Promise<void> {
                    // The resolved offset is where the next fetch starts; the committed one is where a restart does.
                    resolveOffset(options?.readThrough ?? offset);
                    if (BigInt(offset) < 0n) return;
                    await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: nextOffset(offset) }] }] });
                  },
                },
              );
            },
          });
        },
        async stop(): Promise<void> {
          consumers.delete(consumer);
          await consumer.disconnect();
        },
        async commitOutside(topic: string, partition: number, offset: string): Promise<void> {
          await consumer.commitOffsets([{ topic, partition, offset: nextOffset(offset) }]);
        },
      };
    },

    async ensureTopics(topics: TopicSpec[]): Promise<void> {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const existing = new Set(await admin.listTopics());
        const missing = topics.filter((t) => !existing.has(t.name));
        if (missing.length === 0) return;
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: t.replicas ?? -1 })),
        });
        logger.info({ topics: missing.map((t) => `${t.name}/${t.partitions}`) }, 'created topics');
      } catch (err) {
        throw new ChartwatchError('CW_ERR_BUS', `creating topics ${topics.map((t) => t.name).join(', ')} failed: ${(err as Error).message}`, { cause: err });
      } finally {
        await admin.disconnect();
      }
    },

    async offsets(topic: string, groupId: string): Promise<PartitionOffsets[]> {
      // One admin connection for the life of the bus: the detector asks every second or so.
      offsetsAdmin ??= (async () => {
        const admin = kafka.admin();
        await admin.connect();
        return admin;
      })().catch((err: unknown) => {
        offsetsAdmin = undefined;
        throw err;
      });
      const admin = await offsetsAdmin;
      // A topic that does not exist has no partitions (and fetchTopicOffsets would retry for seconds).
      if (!(await admin.listTopics()).includes(topic)) return [];
      const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
      const at = new Map<number, bigint>();
      for (const t of committed) for (const p of t.partitions) if (BigInt(p.offset) >= 0n) at.set(p.partition, BigInt(p.offset));
      return ends
        .map((p) => ({ partition: p.partition, low: BigInt(p.low), end: BigInt(p.high), committed: at.get(p.partition) ?? null }))
        .sort((a, b) => a.partition - b.partition);
    },

    async close(): Promise<void> {
      const admin = offsetsAdmin;
      offsetsAdmin = undefined;
      if (admin !== undefined) await admin.then((a) => a.disconnect()).catch(() => undefined);
      await Promise.allSettled([...consumers].map((c) => c.disconnect()));
      consumers.clear();
      await Promise.allSettled(producers.map((p) => p.disconnect()));
      producers.length = 0;
      shared = undefined;
    },
  };
}
