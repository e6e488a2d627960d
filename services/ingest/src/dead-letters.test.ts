import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BusProducer, OutgoingMessage } from '@chartwatch/bus';
import type { StoredDeadLetter } from '@chartwatch/store';
import { DEAD_LETTER_PREFIX_BYTES, REDUCED_HEADERS, reduceDeadLetter, sendDeadLetters } from './dead-letters.ts';
import { HEADERS } from './route-messages.ts';

function letter(offset: number, bytes: number): OutgoingMessage {
  return {
    key: 'a1',
    value: Buffer.alloc(bytes, 120),
    headers: { 'x-source': 'big'.repeat(10), [HEADERS.dlqReason]: 'too large', [HEADERS.sourceTopic]: 'raw', [HEADERS.sourcePartition]: '2', [HEADERS.sourceOffset]: String(offset) },
  };
}

/** A DLQ topic that refuses any send holding a value over `limit` bytes, as a broker's max.message.bytes does. */
function limitedProducer(limit: number): BusProducer & { sent: OutgoingMessage[] } {
  const sent: OutgoingMessage[] = [];
  return {
    sent,
    async send(_topic, messages) {
      for (const m of messages) if (m.value !== null && Buffer.byteLength(m.value) > limit) throw new Error('MESSAGE_TOO_LARGE');
      sent.push(...messages);
    },
    async close() {},
  };
}

function sink(): { writeDeadLetters(l: readonly StoredDeadLetter[]): Promise<void>; rows: StoredDeadLetter[] } {
  const rows: StoredDeadLetter[] = [];
  return { rows, writeDeadLetters: async (l) => void rows.push(...l) };
}

const base = { topic: 'dlq', durably: async (_: string, task: () => Promise<void>) => (await task(), true), now: () => 0, onRefused: () => {} };

describe('sendDeadLetters', () => {
  it('sends them together when the topic takes them', async () => {
    const producer = limitedProducer(1_000);
    const out = await sendDeadLetters([letter(1, 10), letter(2, 10)], { ...base, producer, sink: sink() });
    expect(out).toEqual({ sent: 2, reduced: 0, kept: 0 });
    expect(producer.sent).toHaveLength(2);
  });

  it('reduces only the letter the topic refuses: own headers, hash, size and a prefix of the bytes', async () => {
    const producer = limitedProducer(DEAD_LETTER_PREFIX_BYTES + 10);
    const big = letter(2, 20_000);
    const out = await sendDeadLetters([letter(1, 10), big], { ...base, producer, sink: sink() });
    expect(out).toEqual({ sent: 1, reduced: 1, kept: 0 });
    const reduced = producer.sent[1] as OutgoingMessage;
    expect((reduced.value as Buffer).length).toBe(DEAD_LETTER_PREFIX_BYTES);
    expect(reduced.headers?.[REDUCED_HEADERS.originalBytes]).toBe('20000');
    expect(reduced.headers?.[REDUCED_HEADERS.sha256]).toBe(createHash('sha256').update(big.value as Buffer).digest('hex'));
    expect(reduced.headers?.[HEADERS.dlqReason]).toBe('too large');
    expect(reduced.headers?.['x-source']).toBeUndefined();
  });

  it('keeps a letter refused twice in the store and moves on', async () => {
    const producer = limitedProducer(100);
    const store = sink();
    const out = await sendDeadLetters([letter(7, 20_000)], { ...base, producer, sink: store });
    expect(out).toEqual({ sent: 0, reduced: 0, kept: 1 });
    expect(store.rows[0]).toMatchObject({ sourceTopic: 'raw', sourcePartition: 2, sourceOffset: '7', reason: 'too large', originalBytes: 20_000, dlqError: 'MESSAGE_TOO_LARGE' });
  });

  it('a reduced tombstone is still a tombstone', () => {
    expect(reduceDeadLetter({ key: 'k', value: null, headers: {} }).value).toBeNull();
  });
});
