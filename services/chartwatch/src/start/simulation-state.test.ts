import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulationState } from './simulation-state.ts';
import { daysBefore, loadSimulationState, localDate, resolveSimulation, saveSimulationState } from './simulation-state.ts';

const NOW = Date.parse('2026-11-25T04:00:00.000Z');
const ctx = { nowMs: NOW, timezone: 'UTC', stateFile: '/data/simulation.json' };
const none = { seed: null, staff: null, days: null };

describe('resolveSimulation', () => {
  it('starts a new hospital whose last day is today', () => {
    expect(resolveSimulation(none, null, ctx)).toEqual({
      state: { seed: 7, staff: 300, days: 7, start: '2026-11-19', timezone: 'UTC', fedThrough: null },
      resumed: false,
    });
    expect(resolveSimulation({ seed: 3, staff: 100, days: 2 }, null, ctx).state).toMatchObject({ seed: 3, staff: 100, days: 2, start: '2026-11-24' });
  });

  it("uses the hospital's time zone for today", () => {
    // 04:00 UTC is still the 24th in Los Angeles.
    expect(resolveSimulation({ ...none, days: 1 }, null, { ...ctx, timezone: 'America/Los_Angeles' }).state.start).toBe('2026-11-24');
  });

  it('resumes the stored hospital, and refuses flags that contradict it', () => {
    const saved: SimulationState = { seed: 7, staff: 300, days: 7, start: '2026-11-10', timezone: 'UTC', fedThrough: '2026-11-14T00:00:00.000Z' };
    expect(resolveSimulation(none, saved, ctx)).toEqual({ state: saved, resumed: true });
    expect(resolveSimulation({ seed: 7, staff: 300, days: 7 }, saved, ctx).resumed).toBe(true);
    expect(() => resolveSimulation({ ...none, staff: 40 }, saved, ctx)).toThrow(/--staff: 40 differs from the simulation this data directory holds \(staff 300, see \/data\/simulation.json\)/);
    expect(() => resolveSimulation(none, saved, { ...ctx, timezone: 'Europe/Berlin' })).toThrow(/CHARTWATCH_TIMEZONE: Europe\/Berlin differs/);
  });
});

describe('dates', () => {
  it('counts days back across month ends', () => {
    expect(daysBefore('2026-03-01', 1)).toBe('2026-02-28');
    expect(localDate(Date.parse('2026-03-01T23:30:00.000Z'), 'Europe/Berlin')).toBe('2026-03-02');
  });
});

describe('the state file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chartwatch-sim-state-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips, and is absent on a fresh directory', async () => {
    const file = join(dir, 'simulation.json');
    expect(await loadSimulationState(file)).toBeNull();
    const state: SimulationState = { seed: 1, staff: 50, days: 3, start: '2026-01-01', timezone: 'UTC', fedThrough: null };
    await saveSimulationState(file, state);
    expect(await loadSimulationState(file)).toEqual(state);
    expect(await readFile(file, 'utf8')).toContain('"seed": 1');
  });

  it('names the file and field of a broken state', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, JSON.stringify({ seed: 1, staff: 50, days: 3, start: 'yesterday', timezone: 'UTC', fedThrough: null }));
    await expect(loadSimulationState(file)).rejects.toThrow(/broken.json: start: .*delete the file/);
    await writeFile(file, '{');
    await expect(loadSimulationState(file)).rejects.toThrow(/broken.json: json: /);
  });
});
