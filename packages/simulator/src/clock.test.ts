import { ConfigError } from '@chartwatch/errors';
import { describe, expect, it } from 'vitest';
import { createClock, DAY, HOUR } from './clock.ts';

describe('createClock', () => {
  it('maps local wall time to UTC, across a daylight-saving change', () => {
    const clock = createClock('2026-03-02', 'America/New_York');
    // Monday 2 March 2026, 07:00 EST = 12:00Z.
    expect(new Date(clock.toUtc(7 * HOUR)).toISOString()).toBe('2026-03-02T12:00:00.000Z');
    // Sunday 8 March 2026 is the spring-forward day: 09:00 EDT = 13:00Z.
    expect(new Date(clock.toUtc(6 * DAY + 9 * HOUR)).toISOString()).toBe('2026-03-08T13:00:00.000Z');
    expect(clock.weekday(0)).toBe(1);
    expect(clock.isWeekend(5)).toBe(true);
    expect(clock.dateOf(6)).toBe('2026-03-08');
  });

  it('is the identity plus the start in UTC', () => {
    const clock = createClock('2026-03-02');
    expect(new Date(clock.toUtc(DAY + 30 * 60_000)).toISOString()).toBe('2026-03-03T00:30:00.000Z');
  });

  it('refuses a bad date or zone, naming the setting', () => {
    expect(() => createClock('2026-02-30')).toThrow(ConfigError);
    expect(() => createClock('March 2')).toThrow(/start/);
    expect(() => createClock('2026-03-02', 'Mars/Olympus')).toThrow(/timezone/);
  });
});
