import { describe, expect, it } from 'vitest';
import { ConfigError } from '@chartwatch/errors';
import { LocalClock } from './local-clock.ts';
import { parseIsoMillis } from '@chartwatch/event';

const at = (iso: string) => Date.parse(iso);

describe('LocalClock', () => {
  it('reads the wall clock of a zone, across a DST change', () => {
    const ny = new LocalClock('America/New_York');
    expect(ny.minuteOfDay(at('2026-03-07T03:30:00.000Z'))).toBe(22 * 60 + 30); // EST, Friday evening
    expect(ny.weekday(at('2026-03-07T03:30:00.000Z'))).toBe(5);
    expect(ny.minuteOfDay(at('2026-03-09T03:30:00.000Z'))).toBe(23 * 60 + 30); // EDT after 8 March
  });

  it('aligns a day window on local midnight, the same for both sides of the change', () => {
    const ny = new LocalClock('America/New_York');
    const before = ny.alignedStart(at('2026-03-08T06:30:00.000Z'), 86_400_000); // 01:30 EST
    const after = ny.alignedStart(at('2026-03-08T08:30:00.000Z'), 86_400_000); // 04:30 EDT
    expect(new Date(before).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(after).toBe(before);
    expect(new LocalClock('UTC').alignedStart(at('2026-03-08T06:31:00.000Z'), 900_000)).toBe(at('2026-03-08T06:30:00.000Z'));
  });

  it('refuses an unknown zone with a config error', () => {
    expect(() => new LocalClock('Mars/Olympus')).toThrow(ConfigError);
    expect(() => new LocalClock('Mars/Olympus')).toThrow(/timezone: "Mars\/Olympus" is not an IANA time zone/);
  });
});

describe('parseIsoMillis', () => {
  it('agrees with Date.parse on canonical times and falls back on others', () => {
    for (const s of ['2026-03-02T13:45:12.123Z', '2000-01-01T00:00:00.000Z', '2099-12-31T23:59:59.999Z', '2024-02-29T12:00:00.000Z']) {
      expect(parseIsoMillis(s)).toBe(Date.parse(s));
    }
    expect(parseIsoMillis('2026-03-02T13:45:12+01:00')).toBe(Date.parse('2026-03-02T13:45:12+01:00'));
    expect(parseIsoMillis('2026-03-02T1x:45:12.123Z')).toBeNaN();
    expect(parseIsoMillis('yesterday')).toBeNaN();
  });
});

describe('LocalClock.readable', () => {
  it('reads an instant on the hospital clock, with the zone as people name it', () => {
    const ny = new LocalClock('America/New_York');
    expect(ny.readable(Date.parse('2026-03-04T10:00:00Z'))).toBe('2026-03-04 05:00 EST');
    // Either side of the spring-forward hour.
    expect(ny.readable(Date.parse('2026-03-08T06:59:00Z'))).toBe('2026-03-08 01:59 EST');
    expect(ny.readable(Date.parse('2026-03-08T07:00:00Z'))).toBe('2026-03-08 03:00 EDT');
    expect(new LocalClock('UTC').readable(Date.parse('2026-03-04T10:00:00Z'))).toBe('2026-03-04 10:00 UTC');
    expect(new LocalClock('Europe/Berlin').readable(Date.parse('2026-03-04T23:30:00Z'))).toBe('2026-03-05 00:30 GMT+1');
  });
});
