import { describe, expect, it } from 'vitest';
import { createMemoryBus } from './memory-bus.ts';
import { partitionForKey } from './partitioner.ts';
import type { ConsumedBatch } from './types.ts';

function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error('condition not met in time'));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

describe('createMemoryBus', () => {
  it('routes keys like Kafka and keeps per-partition order', async () => {
    const bus = createMemoryBus({ partitions: 4 });
    const producer = await bus.producer();
    const seen: ConsumedBatch[] = [];
    const consumer = bus.consumer({ groupId: 'g', topics: ['t'] });
    await consumer.run(async (batch, control) => {
      seen.push(batch);
      await control.commit(batch.messages.at(-1)!.offset);
    });
    await producer.send('t', Array.from({ length: 40 }, (_, i) => ({ key: `actor-${i % 5}`, value: String(i), headers: { n: String(i) } })));
    await until(() => seen.reduce((n, b) => n + b.messages.length, 0) === 40);
    for (const batch of seen) {
      for (const m of batch.messages) expect(batch.partition).toBe(partitionForKey(m.key!, 4));
    }
    const valuesOfActor0 = seen.flatMap((b) => b.messages).filter((m) => m.key === 'actor-0').map((m) => Number(m.value.toString()));
    expect(valuesOfActor0).toEqual([0, 5, 10, 15, 20, 25, 30, 35]);
    expect(seen.flatMap((b) => b.messages).every((m) => m.headers['n'] === m.value.toString())).toBe(true);
    await bus.close();
  });

  it('re-delivers what was not committed, to the next member of the group', async () => {
    const bus = createMemoryBus({ partitions: 1 });
    const producer = await bus.producer();
    await producer.send('t', [1, 2, 3, 4].map((i) => ({ key: 'a', value: String(i) })));
    const first = bus.consumer({ groupId: 'g', topics: ['t'] });
    let firstSaw: string[] = [];
    await first.run(async (batch, control) => {
      firstSaw = batch.messages.map((m) => m.value.toString());
      await control.commit(batch.messages[1]!.offset); // only "1" and "2" done
    });
    await until(() => firstSaw.length > 0);
    await first.stop();
    const second = bus.consumer({ groupId: 'g', topics: ['t'] });
    const secondSaw: string[] = [];
    await second.run(async (batch, control) => {
      secondSaw.push(...batch.messages.map((m) => m.value.toString()));
      await control.commit(batch.messages.at(-1)!.offset);
    });
    await until(() => secondSaw.length >= 2);
    expect(firstSaw).toEqual(['1', '2', '3', '4']);
    expect(secondSaw).toEqual(['3', '4']);
    await bus.close();
  });

  it('makes a sender wait while a partition is full and lets it go as the group commits', async () => {
    const bus = createMemoryBus({ partitions: 1, maxQueueLength: 10, maxBatchMessages: 5 });
    const producer = await bus.producer();
    const consumer = bus.consumer({ groupId: 'g', topics: ['t'] });
    let release: () => void = () => {};
    let gate = new Promise<void>((r) => (release = r));
    let consumed = 0;
    await consumer.run(async (batch, control) => {
      await gate;
      consumed += batch.messages.length;
      await control.commit(batch.messages.at(-1)!.offset);
    });
    let sent = false;
    const sending = producer.send('t', Array.from({ length: 25 }, (_, i) => ({ key: null, value: String(i) }))).then(() => {
      sent = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(sent).toBe(false);
    release();
    gate = Promise.resolve();
    await sending;
    await until(() => consumed === 25);
    expect(sent).toBe(true);
    await bus.close();
  });

  it('re-delivers a batch whose handler threw', async () => {
    const bus = createMemoryBus({ partitions: 1, retryDelayMs: 10 });
    const producer = await bus.producer();
    let attempts = 0;
    const errors: unknown[] = [];
    const consumer = bus.consumer({ groupId: 'g', topics: ['t'], onError: (e) => errors.push(e) });
    await consumer.run(async (batch, control) => {
      attempts += 1;
      if (attempts === 1) throw new Error('store down');
      await control.commit(batch.messages.at(-1)!.offset);
    });
    await producer.send('t', [{ key: 'a', value: 'x' }]);
    await until(() => attempts === 2);
    expect(errors).toHaveLength(1);
    await bus.close();
  });

  it('keeps only the newest messages of a topic nobody reads, without blocking', async () => {
    const bus = createMemoryBus({ partitions: 1, maxQueueLength: 3 });
    const producer = await bus.producer();
    await producer.send('alerts', Array.from({ length: 10 }, (_, i) => ({ key: null, value: String(i) })));
    const seen: string[] = [];
    const consumer = bus.consumer({ groupId: 'late', topics: ['alerts'] });
    await consumer.run(async (batch, control) => {
      seen.push(...batch.messages.map((m) => `${m.offset}:${m.value.toString()}`));
      await control.commit(batch.messages.at(-1)!.offset);
    });
    await until(() => seen.length === 3);
    expect(seen).toEqual(['7:7', '8:8', '9:9']);
    await bus.close();
  });
});
