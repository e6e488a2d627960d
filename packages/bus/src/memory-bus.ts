import { ChartwatchError } from '@chartwatch/errors';
import { partitionForKey } from './partitioner.ts';
import type { BatchHandler, Bus, BusConsumer, BusProducer, ConsumedMessage, ConsumerOptions, OutgoingMessage, PartitionOffsets, TopicSpec } from './types.ts';

export interface MemoryBusOptions {
  /** Partitions of a topic created implicitly by a send or subscribe. Default 6. */
  partitions?: number;
  /**
   * Messages a partition holds that some consumer group has not committed
   * yet; a send into a full partition waits (back-pressure). Default 2048.
   */
  maxQueueLength?: number;
  /** Messages per handler call. Default 512. */
  maxBatchMessages?: number;
  /** Pause before re-delivering after a handler failed. Default 1000 ms. */
  retryDelayMs?: number;
}

interface StoredMessage {
  key: string | null;
  value: Buffer;
  tombstone: boolean;
  headers: Record<string, string>;
  timestamp: string;
}

interface Partition {
  /** Offset of messages[0]; older messages were released once every group committed them. */
  base: number;
  messages: StoredMessage[];
}

interface Member {
  id: number;
  assigned: Set<string>;
  /** Read positions past the committed ones (commit's readThrough), forgotten on a rebalance. */
  read: Map<string, number>;
}

interface Group {
  topics: Set<string>;
  committed: Map<string, number>;
  members: Member[];
  fromBeginning: boolean;
}

const tp = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** A one-shot signal that many waiters can await; replaced after each fire. */
class Signal {
  #waiters: Array<() => void> = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
  fire(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

/**
 * The in-process stand-in for Kafka used by the embedded mode. Same contract
 * as the Kafka buses: partitions chosen by Kafka's key hash, order per
 * partition, consumer groups with committed offsets and at-least-once
 * re-delivery of what a handler did not commit. It adds what Kafka's disk
 * would absorb: a bound on each partition's uncommitted messages, where a
 * sender waits. A topic no group reads keeps only its newest
 * `maxQueueLength` messages, as a retention limit would.
 */
export function createMemoryBus(options: MemoryBusOptions = {}): Bus {
  const defaultPartitions = options.partitions ?? 6;
  const maxQueueLength = options.maxQueueLength ?? 2048;
  const maxBatch = options.maxBatchMessages ?? 512;
  const retryDelayMs = options.retryDelayMs ?? 1_000;
  const topics = new Map<string, Partition[]>();
  const groups = new Map<string, Group>();
  const arrived = new Signal();
  const released = new Signal();
  let nextMemberId = 1;
  let closed = false;
  const consumers = new Set<BusConsumer>();

  function topicOf(name: string, partitions = defaultPartitions): Partition[] {
    let parts = topics.get(name);
    if (!parts) {
      parts = Array.from({ length: partitions }, () => ({ base: 0, messages: [] }));
      topics.set(name, parts);
    }
    return parts;
  }

  function readers(topic: string): Group[] {
    return [...groups.values()].filter((g) => g.topics.has(topic));
  }

  /** Drops what every reading group has committed; the oldest messages of unread topics beyond the bound. */
  function release(topic: string, index: number, part: Partition): void {
    const groupsReading = readers(topic);
    let keepFrom: number;
    if (groupsReading.length === 0) {
      keepFrom = part.base + part.messages.length - maxQueueLength;
    } else {
      keepFrom = Math.min(...groupsReading.map((g) => g.committed.get(tp(topic, index)) ?? (g.fromBeginning ? 0 : part.base)));
    }
    if (keepFrom > part.base) {
      part.messages.splice(0, keepFrom - part.base);
      part.base = keepFrom;
    }
  }

  function rebalance(group: Group): void {
    const all: string[] = [];
    for (const topic of [...group.topics].sort()) {
      const parts = topicOf(topic);
      for (let i = 0; i < parts.length; i += 1) all.push(tp(topic, i));
    }
    group.members.forEach((member, i) => {
      member.assigned = new Set(all.filter((_, j) => j % group.members.length === i));
      member.read.clear();
    });
    arrived.fire();
  }

  const producer: BusProducer = {
    async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
      const parts = topicOf(topic);
      let roundRobin = 0;
      for (const m of messages) {
        if (closed) throw new ChartwatchError('CW_ERR_BUS', `send to ${topic}: the in-process bus is closed`);
        const index = m.key === null ? roundRobin++ % parts.length : partitionForKey(m.key, parts.length);
        const part = parts[index] as Partition;
        release(topic, index, part);
        while (part.messages.length >= maxQueueLength && readers(topic).length > 0) {
          // Wake consumers for what is already queued, or nobody ever makes room.
          arrived.fire();
          await released.wait();
          if (closed) throw new ChartwatchError('CW_ERR_BUS', `send to ${topic}: the in-process bus is closed`);
          release(topic, index, part);
        }
        part.messages.push({
          key: m.key,
          value: m.value === null ? Buffer.alloc(0) : typeof m.value === 'string' ? Buffer.from(m.value, 'utf8') : Buffer.from(m.value),
          tombstone: m.value === null,
          headers: { ...(m.headers ?? {}) },
          timestamp: String(Date.now()),
        });
        release(topic, index, part);
      }
      arrived.fire();
    },
    async close(): Promise<void> {},
  };

  function newConsumer(opts: ConsumerOptions): BusConsumer {
    let group = groups.get(opts.groupId);
    if (!group) {
      group = { topics: new Set(), committed: new Map(), members: [], fromBeginning: opts.fromBeginning ?? true };
      groups.set(opts.groupId, group);
    }
    const g = group;
    const member: Member = { id: nextMemberId++, assigned: new Set(), read: new Map() };
    const batchLimit = opts.maxBatchMessages ?? maxBatch;
    let running = false;
    let loop: Promise<void> | undefined;
    let cursor = 0;

    function position(topic: string, index: number, part: Partition): number {
      const committed = g.committed.get(tp(topic, index));
      if (committed !== undefined) return Math.max(committed, member.read.get(tp(topic, index)) ?? 0, part.base);
      return g.fromBeginning ? part.base : part.base + part.messages.length;
    }

    function nextBatch(): { topic: string; partition: number; from: number; messages: ConsumedMessage[] } | undefined {
      const assigned = [...member.assigned];
      for (let n = 0; n < assigned.length; n += 1) {
        const key = assigned[(cursor + n) % assigned.length] as string;
        const [topic, p] = key.split('\u0000') as [string, string];
        const index = Number(p);
        const part = topicOf(topic)[index] as Partition;
        const from = position(topic, index, part);
        if (g.committed.get(key) === undefined) g.committed.set(key, from);
        const start = from - part.base;
        if (start >= part.messages.length) continue;
        cursor = (cursor + n + 1) % assigned.length;
        const slice = part.messages.slice(start, start + batchLimit);
        return {
          topic,
          partition: index,
          from,
          messages: slice.map((m, i) => ({
            offset: String(from + i),
            key: m.key,
            value: m.value,
            ...(m.tombstone ? { tombstone: true } : {}),
            headers: { ...m.headers },
            timestamp: m.timestamp,
          })),
        };
      }
      return undefined;
    }

    async function consumeLoop(handler: BatchHandler): Promise<void> {
      while (running) {
        const batch = nextBatch();
        if (!batch) {
          await arrived.wait();
          continue;
        }
        const key = tp(batch.topic, batch.partition);
        let progressed = false;
        try {
          await handler(
            { topic: batch.topic, partition: batch.partition, messages: batch.messages },
            {
              isRunning: () => running,
              isStale: () => !member.assigned.has(key),
              heartbeat: async () => {},
              async commit(offset: string, options?: { readThrough?: string }): Promise<void> {
                const next = Number(offset) + 1;
                if (next > (g.committed.get(key) ?? 0)) g.committed.set(key, next);
                const read = Number(options?.readThrough ?? offset) + 1;
                if (read > (member.read.get(key) ?? 0)) member.read.set(key, read);
                progressed = true;
                released.fire();
              },
            },
          );
        } catch (err) {
          opts.onError?.(err);
          await new Promise((r) => setTimeout(r, retryDelayMs));
          continue;
        }
        // A handler that resolves without I/O would otherwise keep this loop
        // in microtasks forever and starve timers and sockets.
        if (!progressed) await new Promise((r) => setTimeout(r, 20));
        else await new Promise((r) => setImmediate(r));
      }
    }

    const consumer: BusConsumer = {
      async commitOutside(topic: string, partition: number, offset: string): Promise<void> {
        const key = tp(topic, partition);
        if (!member.assigned.has(key)) throw new ChartwatchError('CW_ERR_BUS', `commit: ${topic}/${partition} is not assigned to this consumer`);
        const next = Number(offset) + 1;
        if (next > (g.committed.get(key) ?? 0)) g.committed.set(key, next);
        released.fire();
      },
      async run(handler): Promise<void> {
        for (const topic of opts.topics) {
          topicOf(topic);
          g.topics.add(topic);
        }
        g.members.push(member);
        rebalance(g);
        running = true;
        consumers.add(consumer);
        loop = consumeLoop(handler);
      },
      async stop(): Promise<void> {
        if (!running) return;
        running = false;
        arrived.fire();
        await loop;
        g.members = g.members.filter((m) => m !== member);
        rebalance(g);
        consumers.delete(consumer);
      },
    };
    return consumer;
  }

  return {
    kind: 'memory',
    async producer(): Promise<BusProducer> {
      return producer;
    },
    consumer: newConsumer,
    async ensureTopics(specs: TopicSpec[]): Promise<void> {
      for (const spec of specs) topicOf(spec.name, spec.partitions);
    },
    async offsets(topic: string, groupId: string): Promise<PartitionOffsets[]> {
      const parts = topics.get(topic);
      if (parts === undefined) return [];
      const g = groups.get(groupId);
      return parts.map((part, partition) => {
        const committed = g?.committed.get(tp(topic, partition));
        return { partition, low: BigInt(part.base), end: BigInt(part.base + part.messages.length), committed: committed === undefined ? null : BigInt(committed) };
      });
    },

    async close(): Promise<void> {
      await Promise.all([...consumers].map((c) => c.stop()));
      closed = true;
      released.fire();
    },
  };
}
