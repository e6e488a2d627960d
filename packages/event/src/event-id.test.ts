import { describe, expect, it } from 'vitest';
import { canonicalJson, deriveEventId } from './event-id.ts';

/** The plain recursive form the iterative writer must match byte for byte (ids already stored depend on it). */
function recursive(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(recursive).join(',')}]`;
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined || typeof member === 'function') continue;
    parts.push(`${JSON.stringify(key)}:${recursive(member)}`);
  }
  return `{${parts.join(',')}}`;
}

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValue(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth > 4 || r < 0.3) return [null, true, 1.5, -0, 'x"\n', 'ü', undefined, 42][Math.floor(rand() * 8)];
  if (r < 0.6) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < Math.floor(rand() * 5); i++) o[['b', 'a', '__proto__', 'constructor', 'z', ''][Math.floor(rand() * 6)] as string] = randomValue(rand, depth + 1);
  return o;
}

describe('canonicalJson', () => {
  it('writes exactly what the recursive definition writes, on 5,000 random values', () => {
    const rand = prng(7);
    for (let i = 0; i < 5000; i++) {
      const v = randomValue(rand, 0);
      expect(canonicalJson(v)).toBe(recursive(v));
    }
  });

  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: [{ d: undefined, c: 2 }, undefined] })).toBe('{"a":[{"c":2},null],"b":1}');
  });

  it('hashes a value nested 100,000 levels deep without overflowing the stack', () => {
    let deep: unknown = { id: 'leaf' };
    for (let i = 0; i < 100_000; i++) deep = i % 2 === 0 ? [deep] : { extension: deep };
    expect(deriveEventId({ resourceType: 'AuditEvent', extension: deep })).toMatch(/^h-[0-9a-f]{64}$/);
  });
});
