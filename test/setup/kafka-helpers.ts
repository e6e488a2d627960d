import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { createKafkajsBus, dropKafkajsTimeoutWarnings, type ConsumedMessage } from '@chartwatch/bus';

/** Test-side views of a real broker: counts, consumer-group progress, whole-topic reads. */

export function kafkaAdmin(brokers: string[]): Admin {
  dropKafkajsTimeoutWarnings();
  return new Kafka({ clientId: 'chartwatch-test-admin', brokers, logLevel: logLevel.NOTHING }).admin();
}

/** Messages a topic holds now (sum over partitions of high watermark − low watermark). */
export async function topicMessageCount(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0);
}

/** How many messages of `topic` the group has not committed yet. */
export async function groupLag(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const done = new Map<number, bigint>();
  for (const t of committed) for (const p of t.partitions) done.set(p.partition, BigInt(p.offset));
  let lag = 0n;
  for (const p of ends) {
    const at = done.get(p.partition) ?? -1n;
    const from = at < 0n ? BigInt(p.low) : at;
    lag += BigInt(p.high) - from;
  }
  return Number(lag);
}

export async function waitFor(what: string | (() => string), check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      // A fresh broker answers NOT_COORDINATOR until its offsets topic exists: ask again.
      if ((err as { retriable?: unknown }).retriable !== true) throw err;
      lastError = ` (last error: ${(err as Error).message})`;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}${lastError}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits until the group has committed every message of the topic. */
export async function waitForGroupCaughtUp(admin: Admin, groupId: string, topic: string, timeoutMs: number): Promise<void> {
  let lag = -1;
  await waitFor(
    () => `group ${groupId} to commit all of ${topic} (lag ${lag})`,
    async () => {
      lag = await groupLag(admin, groupId, topic);
      return lag === 0;
    },
    timeoutMs,
    250,
  );
}

/** Every message a topic holds now, read with a fresh consumer group. */
export async function readTopic(brokers: string[], topic: string, timeoutMs = 60_000): Promise<Array<ConsumedMessage & { partition: number }>> {
  const admin = kafkaAdmin(brokers);
  await admin.connect();
  const expected = await topicMessageCount(admin, topic);
  await admin.disconnect();
  const got: Array<ConsumedMessage & { partition: number }> = [];
  if (expected === 0) return got;
  const bus = createKafkajsBus({ brokers, clientId: 'chartwatch-test-reader' });
  const consumer = bus.consumer({ groupId: `reader-${randomUUID()}`, topics: [topic], fromBeginning: true, maxWaitMs: 100 });
  try {
    await consumer.run(async (batch, control) => {
      for (const m of batch.messages) got.push({ ...m, partition: batch.partition });
      // Without a commit the client fetches the same offsets again.
      const last = batch.messages.at(-1);
      if (last) await control.commit(last.offset);
    });
    await waitFor(`${expected} messages from ${topic} (have ${got.length})`, () => got.length >= expected, timeoutMs, 50);
  } finally {
    await consumer.stop();
    await bus.close();
  }
  return got;
}
