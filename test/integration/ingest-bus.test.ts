import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { createKafkajsBus, createMemoryBus, createPlatformaticBus, partitionForKey, type Bus, type ConsumedMessage } from '@chartwatch/bus';

/**
 * The bus contract ingest relies on, checked against the real broker for
 * both Kafka clients and against the in-process queue: keyed partitioning
 * that agrees with Kafka's, per-partition order, byte-exact values and
 * headers, and resumption from the committed offset.
 */

const brokers = inject('kafkaBrokers').split(',');
const admin = new Kafka({ clientId: 'bus-test-admin', brokers, logLevel: logLevel.NOTHING }).admin();
afterAll(async () => {
  await admin.disconnect();
});

async function until(check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const makers: Record<string, () => Bus> = {
  kafkajs: () => createKafkajsBus({ brokers, clientId: 'bus-test' }),
  // Retention is the in-process queue's own setting: large enough here to keep what the test produces before consuming.
  memory: () => createMemoryBus({ maxQueueLength: 100_000 }),
};
// The @platformatic/kafka adapter is the measured alternative, not the default: under load on a
// shared 2-core machine it has re-delivered a few dozen messages in a clean run (see
// packages/bus/README.md), so it runs here on request rather than making CI flaky.
if (process.env['CHARTWATCH_TEST_PLATFORMATIC'] === '1') {
  makers['platformatic'] = () => createPlatformaticBus({ brokers, clientId: 'bus-test' });
}

describe.each(Object.keys(makers))('bus contract: %s', (kind) => {
  const make = makers[kind] as () => Bus;

  it('creates topics once, keys messages to Kafka partitions, keeps bytes, headers and order', async () => {
    const bus = make();
    const topic = `bus-contract-${kind}-${randomUUID()}`;
    await bus.ensureTopics([{ name: topic, partitions: 6 }]);
    await bus.ensureTopics([{ name: topic, partitions: 6 }]);
    if (kind !== 'memory') {
      await admin.connect();
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(meta.topics[0]?.partitions).toHaveLength(6);
    }
    const producer = await bus.producer();
    const sent = Array.from({ length: 3_000 }, (_, i) => ({
      key: `actor-${i % 37}`,
      value: Buffer.concat([Buffer.from([0xff, 0x00, i % 256]), Buffer.from(`payload-${i}-é`)]),
      headers: { 'cw-format': i % 2 ? 'json' : 'fhir', seq: String(i) },
    }));
    await producer.send(topic, sent.slice(0, 1_000));
    await producer.send(topic, sent.slice(1_000));
    // A message near the broker's 1 MiB limit goes through on its own.
    await producer.send(topic, [{ key: 'big', value: Buffer.alloc(900_000, 7), headers: { seq: 'big' } }]);

    const got: Array<ConsumedMessage & { partition: number }> = [];
    const consumer = bus.consumer({ groupId: `g-${randomUUID()}`, topics: [topic], maxWaitMs: 200 });
    await consumer.run(async (batch, control) => {
      for (const m of batch.messages) got.push({ ...m, partition: batch.partition });
      await control.commit(batch.messages.at(-1)!.offset);
    });
    await until(() => got.length >= sent.length + 1);
    await consumer.stop();
    expect(got).toHaveLength(sent.length + 1);
    const bySeq = new Map(got.map((m) => [m.headers['seq'], m]));
    for (let i = 0; i < sent.length; i += 1) {
      const m = bySeq.get(String(i))!;
      expect(m.value.equals(sent[i]!.value)).toBe(true);
      expect(m.key).toBe(sent[i]!.key);
      expect(m.headers['cw-format']).toBe(sent[i]!.headers['cw-format']);
      expect(m.partition).toBe(partitionForKey(sent[i]!.key, 6));
    }
    expect(bySeq.get('big')!.value.length).toBe(900_000);
    // Per key, messages arrive in the order they were sent.
    for (let a = 0; a < 37; a += 1) {
      const seqs = got.filter((m) => m.key === `actor-${a}`).map((m) => Number(m.headers['seq']));
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    }
    await bus.close();
  });

  it('keeps fetching through many small batches (the consumer drains its buffer again and again)', async () => {
    const bus = make();
    const topic = `bus-drain-${kind}-${randomUUID()}`;
    await bus.ensureTopics([{ name: topic, partitions: 3 }]);
    const producer = await bus.producer();
    const total = 30_000;
    for (let i = 0; i < total; i += 5_000) {
      await producer.send(topic, Array.from({ length: 5_000 }, (_, j) => ({ key: `k${(i + j) % 101}`, value: Buffer.alloc(300, 1) })));
    }
    let n = 0;
    const consumer = bus.consumer({ groupId: `g-${randomUUID()}`, topics: [topic], maxWaitMs: 100, maxBatchMessages: 64 });
    await consumer.run(async (batch, control) => {
      n += batch.messages.length;
      await control.commit(batch.messages.at(-1)!.offset);
    });
    await until(() => n >= total, 90_000);
    await consumer.stop();
    expect(n).toBe(total);
    await bus.close();
  });

  it('resumes a group after the last committed offset, re-delivering the uncommitted rest', async () => {
    const bus = make();
    const topic = `bus-resume-${kind}-${randomUUID()}`;
    await bus.ensureTopics([{ name: topic, partitions: 1 }]);
    const producer = await bus.producer();
    await producer.send(topic, Array.from({ length: 100 }, (_, i) => ({ key: 'k', value: String(i) })));
    const groupId = `g-${randomUUID()}`;

    const firstSaw: string[] = [];
    const first = bus.consumer({ groupId, topics: [topic], maxWaitMs: 200 });
    await first.run(async (batch, control) => {
      if (firstSaw.length > 0) return;
      firstSaw.push(...batch.messages.map((m) => m.value.toString()));
      // Commit up to "39" only, then stop taking work.
      const target = batch.messages.find((m) => m.value.toString() === '39');
      if (target) await control.commit(target.offset);
    });
    await until(() => firstSaw.length > 0);
    await first.stop();
    expect(firstSaw).toContain('39');

    const secondSaw: string[] = [];
    const second = bus.consumer({ groupId, topics: [topic], maxWaitMs: 200 });
    await second.run(async (batch, control) => {
      secondSaw.push(...batch.messages.map((m) => m.value.toString()));
      await control.commit(batch.messages.at(-1)!.offset);
    });
    await until(() => secondSaw.length >= 60);
    await second.stop();
    expect(secondSaw[0]).toBe('40');
    expect(new Set(secondSaw)).toEqual(new Set(Array.from({ length: 60 }, (_, i) => String(i + 40))));
    await bus.close();
  });
});
