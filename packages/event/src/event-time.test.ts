import { describe, expect, it } from 'vitest';
import { isCanonicalTime, normaliseTime, parseIsoMillis } from './event-time.ts';

describe('normaliseTime', () => {
  it.each([
    ['2024-03-04T09:15:27.412+01:00', '2024-03-04T08:15:27.412Z'],
    ['2024-03-04T09:15:27Z', '2024-03-04T09:15:27.000Z'],
    ['2024-03-04T09:15:27.5Z', '2024-03-04T09:15:27.500Z'],
    ['2024-03-04T09:15:27.123456789Z', '2024-03-04T09:15:27.123Z'],
    ['2024-12-31T22:30:00-05:00', '2025-01-01T03:30:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    // A leap second is the last millisecond of its minute: kept, in order, on its own date.
    ['2016-12-31T23:59:60Z', '2016-12-31T23:59:59.999Z'],
    ['2016-12-31T23:59:60.5Z', '2016-12-31T23:59:59.999Z'],
    ['2017-01-01T00:59:60+01:00', '2016-12-31T23:59:59.999Z'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseTime(input)).toBe(expected);
  });

  it.each([
    '2024-03-04T09:15:27', // no offset: a local time would shift by the parser's zone
    '2024-03-04 09:15:27Z',
    '2024-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-03-04T24:00:00Z',
    '2024-03-04T10:60:00Z',
    '2024-03-04T10:00:60Z',
    '2016-12-31T23:59:61Z',
    '2016-12-31T23:59:60',
    '2024-13-01T00:00:00Z',
    '2024-03-04T10:00:00+25:00',
    'yesterday',
    '',
  ])('rejects %j', (input) => {
    expect(normaliseTime(input)).toBeNull();
  });
});

describe('isCanonicalTime', () => {
  it('accepts the toISOString form inside 2000..2100', () => {
    expect(isCanonicalTime('2000-01-01T00:00:00.000Z')).toBe(true);
    expect(isCanonicalTime('2099-12-31T23:59:59.999Z')).toBe(true);
  });
  it.each(['1999-12-31T23:59:59.999Z', '2100-01-01T00:00:00.000Z', '2024-03-04T09:15:27Z', '2024-03-04T09:15:27.412+00:00', '2024-02-30T00:00:00.000Z', '2024-03-04T24:00:00.000Z'])(
    'rejects %s',
    (input) => {
      expect(isCanonicalTime(input)).toBe(false);
    },
  );
});

describe('agrees with Date on generated instants', () => {
  it('normaliseTime(offset form) equals toISOString, and isCanonicalTime agrees with a Date round trip', () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 20_000; i++) {
      // Years 1900-2200 so both range edges are crossed.
      const ms = Date.UTC(1900, 0, 1) + Math.floor(rand() * (Date.UTC(2200, 0, 1) - Date.UTC(1900, 0, 1)));
      const iso = new Date(ms).toISOString();
      const offset = Math.floor(rand() * 27 * 60) - 13 * 60;
      const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
      const sign = offset < 0 ? '-' : '+';
      const abs = Math.abs(offset);
      const withOffset = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      expect(normaliseTime(withOffset)).toBe(iso);
      expect(normaliseTime(iso)).toBe(iso);
      const year = new Date(ms).getUTCFullYear();
      expect(isCanonicalTime(iso)).toBe(year >= 2000 && year < 2100);
    }
  });
});

describe('parseIsoMillis', () => {
  it('reads the canonical form as Date.parse does, and other forms through it', () => {
    for (const iso of ['2026-03-02T13:45:12.123Z', '1999-12-31T23:59:59.999Z', '2024-02-29T00:00:00.000Z', '2026-03-02T13:45:12+01:00', '2026-03-02']) {
      expect(parseIsoMillis(iso)).toBe(Date.parse(iso));
    }
    expect(parseIsoMillis('not a time')).toBeNaN();
  });
});
