import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKafkaBus } from '@chartwatch/bus';
import type { Bus } from '@chartwatch/bus';
import { kafkaConsumerLag } from '../../services/api/src/index.ts';

/**
 * The overview's lag from the Kafka admin, over a real broker: a group that
 * committed part of a partition is behind by the rest; a group that never
 * committed is behind by all of it.
 */

const brokers = inject('kafkaBrokers').split(',');
const run = randomUUID().slice(0, 8);
const topic = `lag-${run}`;
let bus: Bus;

beforeAll(async () => {
  bus = createKafkaBus({ brokers, clientId: `lag-test-${run}`, client: 'kafkajs', partitions: 2, topics: { raw: 'r', events: 'e', dlq: 'd', alerts: 'a' } });
  await bus.ensureTopics([{ name: topic, partitions: 2 }]);
  const producer = await bus.producer();
  // Which partition each key lands on is the partitioner's business: the test counts per partition what it was handed.
  await producer.send(topic, Array.from({ length: 10 }, (_, i) => ({ key: `k-${i}`, value: `m-${i}` })));
});
afterAll(async () => {
  await bus?.close();
});

describe('kafkaConsumerLag', () => {
  it('is the end offset minus the committed offset per partition', async () => {
    const group = `lag-group-${run}`;
    const consumer = bus.consumer({ groupId: group, topics: [topic], fromBeginning: true });
    // Offsets handed over per partition: a partition's messages may come in more than one batch under
    // load, and what is not committed comes again.
    const seen = new Map<number, Set<string>>();
    // Commit the first message of each partition only.
    await consumer.run(async (batch, control) => {
      const first = batch.messages[0];
      if (first === undefined) return;
      const offsets = seen.get(batch.partition);
      if (offsets === undefined) seen.set(batch.partition, new Set(batch.messages.map((m) => m.offset)));
      else for (const m of batch.messages) offsets.add(m.offset);
      if (offsets === undefined) await control.commit(first.offset);
    });
    const source = kafkaConsumerLag(brokers, `lag-test-${run}`, [
      { group, topic },
      { group: `never-${run}`, topic },
    ]);
    try {
      // Generous: joining a group on a loaded 2-core machine has taken tens of seconds.
      const deadline = Date.now() + 90_000;
      const handed = (): number => [...seen.values()].reduce((s, offsets) => s + offsets.size, 0);
      let lag = await source.lag();
      while (handed() !== 10 || lag.filter((l) => l.group === group).reduce((s, l) => s + l.lag, 0) !== 10 - seen.size) {
        if (Date.now() > deadline) throw new Error(`lag never settled: ${JSON.stringify(lag)}; handed over per partition ${JSON.stringify([...seen].map(([p, o]) => [p, o.size]))}`);
        await new Promise((r) => setTimeout(r, 200));
        lag = await source.lag();
      }
      const mine = lag.filter((l) => l.group === group);
      expect(mine.map((l) => l.partition)).toEqual([0, 1]);
      // Each partition is behind by what followed its first message.
      for (const l of mine) expect(l.lag).toBe(Math.max(0, (seen.get(l.partition ?? -1)?.size ?? 0) - 1));
      const never = lag.filter((l) => l.group === `never-${run}`);
      expect(never.reduce((s, l) => s + l.lag, 0)).toBe(10);
    } finally {
      await consumer.stop();
      await source.close();
    }
  });
});
