import { describe, expect, it } from 'vitest';
import { bucketLabel, dayEndIso, dayStartIso, formatTime, shortDay, shortLocalDay, shortTime, zoneOffsetMs } from '../../services/api/ui/src/format.ts';

/**
 * The dashboard's clock (services/api/ui/src/format.ts): instants on the
 * hospital's zone with its abbreviation or offset, and date inputs read as
 * that zone's days. Pure functions, run here because the unit project's
 * globs do not reach services/api/ui; Node's ICU, like Chromium's, is full.
 */

const NY = 'America/New_York';

describe('formatTime', () => {
  it('shows an instant in UTC with the UTC label', () => {
    expect(formatTime('2026-03-04T10:00:00.000Z', 'UTC')).toBe('2026-03-04 10:00 UTC');
    expect(formatTime('2026-03-04T00:00:00Z', 'UTC')).toBe('2026-03-04 00:00 UTC');
  });

  it('shows the hospital clock with EST or EDT across the spring DST change in New York', () => {
    expect(formatTime('2026-03-04T10:00:00.000Z', NY)).toBe('2026-03-04 05:00 EST');
    // 2026-03-08 02:00 EST becomes 03:00 EDT, at 07:00Z.
    expect(formatTime('2026-03-08T06:59:00.000Z', NY)).toBe('2026-03-08 01:59 EST');
    expect(formatTime('2026-03-08T07:00:00.000Z', NY)).toBe('2026-03-08 03:00 EDT');
    // Midnight is 00, not 24 (hourCycle h23).
    expect(formatTime('2026-03-04T05:00:00.000Z', NY)).toBe('2026-03-04 00:00 EST');
  });

  it('shows the repeated hour of the autumn change once as EDT and once as EST', () => {
    expect(formatTime('2026-11-01T05:30:00.000Z', NY)).toBe('2026-11-01 01:30 EDT');
    expect(formatTime('2026-11-01T06:30:00.000Z', NY)).toBe('2026-11-01 01:30 EST');
  });

  it('labels a zone without an English abbreviation with its offset', () => {
    expect(formatTime('2026-01-15T12:00:00Z', 'Europe/Berlin')).toBe('2026-01-15 13:00 GMT+1');
    expect(formatTime('2026-01-15T12:00:00Z', 'Asia/Kolkata')).toBe('2026-01-15 17:30 GMT+5:30');
  });

  it('passes through what is not an instant', () => {
    expect(formatTime(null, NY)).toBe('—');
    expect(formatTime(undefined, NY)).toBe('—');
    expect(formatTime('', NY)).toBe('—');
    expect(formatTime('not a time', NY)).toBe('not a time');
  });
});

describe('short forms', () => {
  it('gives the local day and time for table columns and chart ticks', () => {
    expect(shortTime('2026-03-04T10:05:00Z', NY)).toBe('4 Mar 05:05 EST');
    expect(shortTime('2026-03-04T10:05:00Z', 'UTC')).toBe('4 Mar 10:05 UTC');
    // 03:00Z on 4 March is still 3 March in New York.
    expect(shortLocalDay('2026-03-04T03:00:00Z', NY)).toBe('3 Mar');
    expect(shortDay('2026-03-04T03:00:00Z')).toBe('4 Mar');
  });

  it('labels day buckets as the UTC days the API cuts them at, hour buckets on the local clock', () => {
    expect(bucketLabel('2026-03-04T00:00:00.000Z', 'day', NY)).toBe('2026-03-04 UTC day');
    expect(bucketLabel('2026-03-04T00:00:00.000Z', 'hour', NY)).toBe('2026-03-03 19:00 EST');
  });
});

describe('hospital days for date inputs', () => {
  it('starts a UTC day at midnight UTC', () => {
    expect(dayStartIso('2026-03-04', 'UTC')).toBe('2026-03-04T00:00:00.000Z');
    expect(dayEndIso('2026-03-04', 'UTC')).toBe('2026-03-05T00:00:00.000Z');
    expect(dayEndIso('2026-12-31', 'UTC')).toBe('2027-01-01T00:00:00.000Z');
  });

  it('gives New York days of 24, 23 and 25 hours around DST', () => {
    expect(dayStartIso('2026-03-04', NY)).toBe('2026-03-04T05:00:00.000Z');
    expect(dayEndIso('2026-03-04', NY)).toBe('2026-03-05T05:00:00.000Z');
    expect(dayStartIso('2026-03-08', NY)).toBe('2026-03-08T05:00:00.000Z');
    expect(dayEndIso('2026-03-08', NY)).toBe('2026-03-09T04:00:00.000Z');
    expect(dayStartIso('2026-11-01', NY)).toBe('2026-11-01T04:00:00.000Z');
    expect(dayEndIso('2026-11-01', NY)).toBe('2026-11-02T05:00:00.000Z');
  });

  it('handles zones ahead of UTC and half-hour offsets', () => {
    expect(dayStartIso('2026-03-04', 'Asia/Kolkata')).toBe('2026-03-03T18:30:00.000Z');
    expect(zoneOffsetMs(Date.parse('2026-07-01T12:00:00Z'), 'Europe/Berlin')).toBe(2 * 3_600_000);
    expect(zoneOffsetMs(Date.parse('2026-07-01T12:00:00Z'), NY)).toBe(-4 * 3_600_000);
  });

  it('refuses what is not a YYYY-MM-DD day', () => {
    expect(dayStartIso('', NY)).toBeNull();
    expect(dayStartIso('2026-3-4', NY)).toBeNull();
    expect(dayEndIso('yesterday', 'UTC')).toBeNull();
  });
});
