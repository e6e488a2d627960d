import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { toCsv } from './csv.ts';
import { ApiError } from './errors.ts';
import { signWebhook, verifyWebhookSignature } from './webhooks.ts';
import { isoTimeSchema, listOf, parsePart } from './validation.ts';

describe('cursors', () => {
  const schema = z.object({ t: z.string(), id: z.string() });
  it('round-trip and refuse anything they did not issue', () => {
    const c = encodeCursor({ t: '2025-01-01T00:00:00.000Z', id: 'al-1' });
    expect(decodeCursor(c, schema)).toEqual({ t: '2025-01-01T00:00:00.000Z', id: 'al-1' });
    for (const bad of ['', '!!', encodeCursor({ t: 1 }), 'x'.repeat(3000), Buffer.from('{not json').toString('base64url')]) {
      expect(() => decodeCursor(bad, schema)).toThrow(ApiError);
    }
  });
});

describe('validation', () => {
  it('names the field of the first problem', () => {
    const s = z.object({ limit: z.coerce.number().int().max(10), status: listOf(z.enum(['new', 'closed'])).optional() }).strict();
    expect(() => parsePart(s, { limit: '11' }, 'query')).toThrow(expect.objectContaining({ field: 'query.limit', statusCode: 400 }));
    expect(() => parsePart(s, { limit: '1', extra: 'x' }, 'query')).toThrow(expect.objectContaining({ field: 'query.extra' }));
    expect(parsePart(s, { limit: '1', status: 'new,closed' }, 'query')).toEqual({ limit: 1, status: ['new', 'closed'] });
  });

  it('normalises times to UTC and refuses times without a zone', () => {
    expect(isoTimeSchema.parse('2025-03-01T10:00:00+02:00')).toBe('2025-03-01T08:00:00.000Z');
    expect(isoTimeSchema.safeParse('2025-03-01T10:00:00').success).toBe(false);
    expect(isoTimeSchema.safeParse('2025-02-30T10:00:00Z').success).toBe(false);
    expect(isoTimeSchema.safeParse('2024-02-29T23:59:59.999Z').success).toBe(true);
    expect(isoTimeSchema.safeParse('9999-01-01T00:00:00Z').success).toBe(false);
  });
});

describe('CSV', () => {
  it('quotes what needs quoting and defuses spreadsheet formulas', () => {
    const csv = toCsv(['a', 'b', 'c'], [['=1+1', 'x,"y"', ['P', 'Q']], [-3, null, true]]);
    expect(csv).toBe(`a,b,c\n'=1+1,"x,""y""",P;Q\n-3,,true\n`);
  });
});

describe('webhook signatures', () => {
  it('verify only the same secret, body and a fresh timestamp', () => {
    const sig = signWebhook('s'.repeat(20), 1_700_000_000, '{"a":1}');
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature('s'.repeat(20), sig, '1700000000', '{"a":1}', 1_700_000_100)).toBe(true);
    expect(verifyWebhookSignature('s'.repeat(20), sig, '1700000000', '{"a":2}', 1_700_000_100)).toBe(false);
    expect(verifyWebhookSignature('t'.repeat(20), sig, '1700000000', '{"a":1}', 1_700_000_100)).toBe(false);
    expect(verifyWebhookSignature('s'.repeat(20), sig, '1700000000', '{"a":1}', 1_700_001_000)).toBe(false);
    expect(verifyWebhookSignature('s'.repeat(20), undefined, '1700000000', '{"a":1}', 1_700_000_000)).toBe(false);
  });
});
