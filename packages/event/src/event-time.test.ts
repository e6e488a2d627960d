import { describe, expect, it } from 'vitest';
import { isCanonicalTime, normaliseTime } from './event-time.ts';

describe('normaliseTime', () => {
  it.each([
    ['2024-03-04T09:15:27.412+01:00', '2024-03-04T08:15:27.412Z'],
    ['2024-03-04T09:15:27Z', '2024-03-04T09:15:27.000Z'],
    ['2024-03-04T09:15:27.5Z', '2024-03-04T09:15:27.500Z'],
    ['2024-03-04T09:15:27.123456789Z', '2024-03-04T09:15:27.123Z'],
    ['2024-12-31T22:30:00-05:00', '2025-01-01T03:30:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
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
