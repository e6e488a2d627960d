import { Admin, compatibilityPartitioner, Consumer, Producer, type Message, type MessagesStream } from '@platformatic/kafka';
import { ChartwatchError } from '@chartwatch/errors';
import { chunkByBytes, DEFAULT_MAX_REQUEST_BYTES } from './send-chunks.ts';
import type { KafkaBusOptions } from './kafkajs-bus.ts';
import { PLAINTEXT, platformaticSecurity } from './security.ts';
import type { BatchHandler, Bus, BusConsumer, BusLogger, BusProducer, ConsumedMessage, ConsumerOptions, MessageHeaders, OutgoingMessage, TopicSpec } from './types.ts';

type RawMessage = Message<Buffer, Buffer, Buffer, Buffer>;
type RawStream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;

const silentLogger: BusLogger = { debug() {}, info() {}, warn() {}, error() {} };
const DEFAULT_BATCH_MESSAGES = 1024;
const RESTART_PAUSE_MS = 1_000;

function toHeaders(entries: Array<[Buffer, Buffer]>): MessageHeaders {
  const out: MessageHeaders = {};
  for (const [name, value] of entries) {
    const key = name.toString('utf8');
    if (!(key in out)) out[key] = value ? value.toString('utf8') : '';
  }
  return out;
}

function toConsumed(m: RawMessage): ConsumedMessage {
  return {
    offset: m.offset.toString(),
    key: m.key && m.key.length > 0 ? m.key.toString('utf8') : null,
    value: m.value ?? Buffer.alloc(0),
    ...(m.value === null || m.value === undefined ? { tombstone: true } : {}),
    headers: toHeaders(m.headerEntries),
    timestamp: m.timestamp.toString(),
  };
}

function generationOf(m: RawMessage): number | undefined {
  const consumer = (m.metadata as { consumer?: { generationId?: number } } | undefined)?.consumer;
  return consumer?.generationId;
}

/**
 * The Kafka bus on @platformatic/kafka. Its consumer is a Node stream of
 * single messages; this adapter drains whatever the stream has buffered (up
 * to maxBatchMessages), splits it by partition and hands each run to the
 * handler, so services see the same per-partition batches as with kafkajs.
 */
export function createPlatformaticBus(options: KafkaBusOptions): Bus {
  const logger = options.logger ?? silentLogger;
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const base = { clientId: options.clientId, bootstrapBrokers: options.brokers, ...platformaticSecurity(options.security ?? PLAINTEXT) };
  const producers: Producer<Buffer, Buffer, Buffer, Buffer>[] = [];
  const consumers = new Set<BusConsumer>();
  let shared: Promise<BusProducer> | undefined;

  async function newProducer(): Promise<BusProducer> {
    const producer = new Producer({ ...base, acks: -1, partitioner: compatibilityPartitioner, autocreateTopics: false });
    producers.push(producer);
    return {
      async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
        for (const chunk of chunkByBytes(messages, maxRequestBytes)) {
          await producer.send({
            messages: chunk.map((m) => {
              const headers = new Map<Buffer, Buffer>();
              if (m.headers) for (const name in m.headers) headers.set(Buffer.from(name), Buffer.from(m.headers[name] ?? ''));
              return {
                topic,
                ...(m.key !== null ? { key: Buffer.from(m.key, 'utf8') } : {}),
                ...(m.value === null ? {} : { value: typeof m.value === 'string' ? Buffer.from(m.value, 'utf8') : m.value }),
                headers,
              };
            }),
          });
        }
      },
      async close(): Promise<void> {
        await producer.close();
      },
    };
  }

  function newConsumer(opts: ConsumerOptions): BusConsumer {
    const maxBatch = opts.maxBatchMessages ?? DEFAULT_BATCH_MESSAGES;
    const consumer = new Consumer({
      ...base,
      groupId: opts.groupId,
      ...(opts.sessionTimeoutMs ? { sessionTimeout: opts.sessionTimeoutMs, heartbeatInterval: Math.max(500, Math.floor(opts.sessionTimeoutMs / 10)) } : {}),
    });
    const stopper = new AbortController();
    let running = false;
    let loop: Promise<void> | undefined;
    let wake: (() => void) | undefined;
    const notify = (): void => {
      const resolve = wake;
      wake = undefined;
      resolve?.();
    };
    stopper.signal.addEventListener('abort', notify);

    async function openStream(): Promise<RawStream> {
      const stream = await consumer.consume({
        topics: opts.topics,
        mode: 'committed',
        fallbackMode: opts.fromBeginning === false ? 'latest' : 'earliest',
        autocommit: false,
        maxWaitTime: opts.maxWaitMs ?? 500,
        highWaterMark: maxBatch,
      });
      stream.on('error', (err) => opts.onError?.(err));
      // The 'readable' listener stays for the stream's life: the stream only
      // fetches while someone listens (readableFlowing !== null), and removing
      // the last listener would silently stop it once its buffer drains.
      stream.on('readable', notify);
      stream.on('close', notify);
      return stream;
    }

    async function handlePartition(handler: BatchHandler, messages: RawMessage[]): Promise<void> {
      const head = messages[0] as RawMessage;
      const generation = generationOf(head);
      await handler(
        { topic: head.topic, partition: head.partition, messages: messages.map(toConsumed) },
        {
          isRunning: () => running,
          isStale: () => generation !== undefined && generation !== consumer.generationId,
          heartbeat: async () => {},
          async commit(offset: string): Promise<void> {
            // The stream reads on by itself, so a readThrough needs nothing here; "-1" (or an offset
            // before this batch, held by the handler) commits nothing.
            if (BigInt(offset) < BigInt((messages[0] as RawMessage).offset)) return;
            const target = messages.find((x) => x.offset.toString() === offset);
            if (!target) throw new ChartwatchError('CW_ERR_BUS', `commit: offset ${offset} is not in this batch of ${head.topic}/${head.partition}`);
            await target.commit();
          },
        },
      );
    }

    async function consumeLoop(first: RawStream, handler: BatchHandler): Promise<void> {
      let stream = first;
      while (running) {
        if (stream.destroyed) {
          await new Promise((r) => setTimeout(r, RESTART_PAUSE_MS));
          if (!running) break;
          stream = await openStream();
          continue;
        }
        const read: RawMessage[] = [];
        let m: RawMessage | null;
        while (read.length < maxBatch && (m = stream.read() as RawMessage | null) !== null) read.push(m);
        if (read.length === 0) {
          if (running && !stream.destroyed) await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        const byPartition = new Map<string, RawMessage[]>();
        for (const message of read) {
          const key = `${message.topic}\u0000${message.partition}`;
          const list = byPartition.get(key);
          if (list) list.push(message);
          else byPartition.set(key, [message]);
        }
        try {
          const groups = [...byPartition.values()];
          // Partitions are independent: up to partitionsConcurrently of them at once, each in order.
          const width = Math.max(1, opts.partitionsConcurrently ?? 1);
          for (let i = 0; i < groups.length && running; i += width) {
            await Promise.all(groups.slice(i, i + width).map((messages) => handlePartition(handler, messages)));
          }
        } catch (err) {
          // The stream has already fetched past the failed messages; only a
          // fresh stream starts again from the committed offsets.
          opts.onError?.(err);
          await stream.close().catch(() => {});
        }
      }
      await stream.close().catch(() => {});
    }

    const busConsumer: BusConsumer = {
      async run(handler): Promise<void> {
        running = true;
        const stream = await openStream();
        loop = consumeLoop(stream, handler).catch((err: unknown) => {
          running = false;
          opts.onError?.(err);
        });
      },
      async stop(): Promise<void> {
        running = false;
        stopper.abort();
        await loop;
        consumers.delete(busConsumer);
        await consumer.close(true);
      },
    };
    consumers.add(busConsumer);
    return busConsumer;
  }

  return {
    kind: 'platformatic',
    producer(): Promise<BusProducer> {
      shared ??= newProducer();
      return shared;
    },
    consumer: newConsumer,
    async ensureTopics(topics: TopicSpec[]): Promise<void> {
      const admin = new Admin(base);
      try {
        const existing = new Set(await admin.listTopics());
        const missing = topics.filter((t) => !existing.has(t.name));
        for (const t of missing) {
          await admin.createTopics({ topics: [t.name], partitions: t.partitions, replicas: t.replicas ?? -1 });
        }
        if (missing.length > 0) logger.info({ topics: missing.map((t) => `${t.name}/${t.partitions}`) }, 'created topics');
      } catch (err) {
        throw new ChartwatchError('CW_ERR_BUS', `creating topics ${topics.map((t) => t.name).join(', ')} failed: ${(err as Error).message}`, { cause: err });
      } finally {
        await admin.close();
      }
    },
    async close(): Promise<void> {
      await Promise.allSettled([...consumers].map((c) => c.stop()));
      await Promise.allSettled(producers.map((p) => p.close()));
      producers.length = 0;
      shared = undefined;
    },
  };
}
