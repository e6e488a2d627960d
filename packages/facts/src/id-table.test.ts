import { describe, expect, it } from 'vitest';
import { IdTable, shortIdCode } from './id-table.ts';

describe('shortIdCode', () => {
  it('gives distinct exact numbers to distinct short ids, lengths included', () => {
    const ids = ['0', '00', '000', 'a', 'A', '_', '-', 'u10206', 'p0128955', 'p0128956', 'ZZZZZZZZ', '________'];
    const codes = ids.map(shortIdCode);
    expect(codes.every((c) => c > 0 && c < 2 ** 53 && Number.isInteger(c))).toBe(true);
    expect(new Set(codes).size).toBe(ids.length);
  });

  it('is 0 (not coded) for ids longer than 8 characters or with other characters', () => {
    expect(shortIdCode('app-hie-gateway')).toBe(0);
    expect(shortIdCode('p.01')).toBe(0);
    expect(shortIdCode('pé')).toBe(0);
    expect(shortIdCode('')).toBe(1);
  });
});

describe('IdTable', () => {
  it('numbers ids in order of first sight, coded or not, and keeps the numbers through growth', () => {
    const table = new IdTable();
    const ids = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? `a-long-identifier-${i}` : `p${i}`));
    ids.forEach((id, i) => expect(table.intern(id)).toBe(i));
    ids.forEach((id, i) => expect(table.intern(id)).toBe(i));
    expect(table.size).toBe(5000);
    expect(table.idOf(4999)).toBe('p4999');
    expect(table.idOf(7)).toBe('a-long-identifier-7');
    expect(table.find('p5000', shortIdCode('p5000'))).toBe(-1);
    expect(table.find('nope-not-coded-at-all', 0)).toBe(-1);
  });
});
