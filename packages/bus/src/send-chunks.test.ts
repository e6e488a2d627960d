import { describe, expect, it } from 'vitest';
import { chunkByBytes, messageBytes } from './send-chunks.ts';
import type { OutgoingMessage } from './types.ts';

describe('chunkByBytes', () => {
  it('keeps order and keeps each chunk under the bound, a huge message alone', () => {
    const small = (i: number): OutgoingMessage => ({ key: `k${i}`, value: 'x'.repeat(1000) });
    const messages = [small(0), small(1), small(2), { key: 'big', value: Buffer.alloc(5000) }, small(3)];
    const chunks = chunkByBytes(messages, 2500);
    expect(chunks.flat()).toEqual(messages);
    expect(chunks.map((c) => c.length)).toEqual([2, 1, 1, 1]);
    for (const chunk of chunks) {
      if (chunk.length > 1) expect(chunk.reduce((n, m) => n + messageBytes(m), 0)).toBeLessThanOrEqual(2500);
    }
  });

  it('returns no chunk for no message', () => {
    expect(chunkByBytes([], 100)).toEqual([]);
  });
});
