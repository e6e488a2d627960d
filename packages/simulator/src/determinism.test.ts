import { createHash } from 'node:crypto';
import { ConfigError } from '@chartwatch/errors';
import { describe, expect, it } from 'vitest';
import { generateHospital } from './hospital.ts';
import { simulateHospital } from './simulate.ts';

const digest = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');

function fingerprint(seed: number): { events: string; labels: string; reference: string; count: number } {
  const sim = simulateHospital({ seed, staff: 60, days: 3, start: '2026-03-02' });
  return { events: digest(sim.events), labels: digest(sim.labels), reference: digest(sim.reference), count: sim.events.length };
}

describe('determinism', () => {
  it('gives the same hospital, events and labels for the same seed', () => {
    const a = fingerprint(3);
    const b = fingerprint(3);
    expect(b).toEqual(a);
    expect(a.count).toBeGreaterThan(5_000);
  });

  it('gives a different hospital and traffic for another seed', () => {
    const a = fingerprint(3);
    const c = fingerprint(4);
    expect(c.events).not.toBe(a.events);
    expect(c.reference).not.toBe(a.reference);
    expect(c.labels).not.toBe(a.labels);
  });

  it('keeps the traffic of a seed when only the time zone changes its wall clock', () => {
    const utc = simulateHospital({ seed: 3, staff: 60, days: 2, start: '2026-03-02' });
    const ny = simulateHospital({ seed: 3, staff: 60, days: 2, start: '2026-03-02', timezone: 'America/New_York' });
    expect(ny.events.length).toBe(utc.events.length);
    // Same local 07:xx shift start, five hours later in UTC (EST).
    const firstDayShift = (events: typeof utc.events): string => (events.find((e) => e.actor.role === 'nurse' && e.time >= '2026-03-02T12:00') as { time: string }).time;
    expect(firstDayShift(ny.events) > firstDayShift(utc.events)).toBe(true);
  });

  it('refuses options it cannot honour, naming the setting', () => {
    expect(() => generateHospital({ seed: 1, staff: 10, days: 7, start: '2026-03-02' })).toThrow(ConfigError);
    expect(() => generateHospital({ seed: 1, staff: 100, days: 0, start: '2026-03-02' })).toThrow(/days/);
    expect(() => generateHospital({ seed: -1, staff: 100, days: 1, start: '2026-03-02' })).toThrow(/seed/);
    expect(() => generateHospital({ seed: 1, staff: 100, days: 1, start: '02/03/2026' })).toThrow(/start/);
  });

  it('can run without incidents', () => {
    const sim = simulateHospital({ seed: 3, staff: 60, days: 2, start: '2026-03-02', incidents: false });
    expect(sim.labels).toEqual([]);
    expect(sim.hospital.incidents).toEqual([]);
  });
});
