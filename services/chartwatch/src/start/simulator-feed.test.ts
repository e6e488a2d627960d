import { afterEach, describe, expect, it } from 'vitest';
import type { Bus, ConsumedMessage } from '@chartwatch/bus';
import { createMemoryBus } from '@chartwatch/bus';
import { decodeMessage } from '@chartwatch/event';
import { simulateHospital } from '@chartwatch/simulator';
import type { FeedStatus } from './simulator-feed.ts';
import { defaultBackfillUntil, runSimulatorFeed, simulatedHospital, simulatedWindow } from './simulator-feed.ts';

const STATE = { seed: 5, staff: 40, days: 2, start: '2026-03-02', timezone: 'UTC', fedThrough: null };

let bus: Bus | undefined;
afterEach(async () => {
  await bus?.close();
});

async function collect(b: Bus): Promise<ConsumedMessage[]> {
  const got: ConsumedMessage[] = [];
  await b.consumer({ groupId: 'test', topics: ['raw'] }).run(async (batch, control) => {
    got.push(...batch.messages);
    await control.commit(batch.messages.at(-1)?.offset ?? '0');
  });
  return got;
}

describe('runSimulatorFeed', () => {
  it('sends every simulated event as a FHIR AuditEvent keyed by actor, ids carrying the start date', async () => {
    bus = createMemoryBus({ partitions: 3 });
    const got = await collect(bus);
    const hospital = simulatedHospital(STATE);
    const { end } = simulatedWindow(hospital);
    const expected = simulateHospital({ seed: 5, staff: 40, days: 2, start: '2026-03-02' }).events;
    const status = await runSimulatorFeed({ hospital, producer: await bus.producer(), topic: 'raw', speed: 1, backfillUntil: end, idPrefix: 'sim-5-2026-03-02-', signal: new AbortController().signal });
    expect(status).toMatchObject({ phase: 'done', sent: expected.length });
    await expect.poll(() => got.length).toBe(expected.length);
    const byId = new Map(expected.map((e) => [e.eventId.replace('sim-5-', 'sim-5-2026-03-02-'), e]));
    for (const m of got) {
      expect(m.headers['cw-format']).toBe('fhir');
      const [decoded] = decodeMessage(m.value, { format: 'fhir' });
      if (!decoded?.ok) throw new Error(`not a valid FHIR AuditEvent: ${JSON.stringify(decoded)}`);
      const original = byId.get(decoded.event.eventId);
      expect(original?.time).toBe(decoded.event.time);
      expect(m.key).toBe(original?.actor.id);
    }
  });

  it('after the backfill, never sends an event before its simulated time has come', async () => {
    bus = createMemoryBus({ partitions: 1 });
    const got = await collect(bus);
    const hospital = simulatedHospital({ ...STATE, days: 1 });
    const { start, end } = simulatedWindow(hospital);
    const speed = 86_400 / 1.5; // the day in 1.5 s
    const backfillUntil = start + (end - start) / 2;
    const seen: { wall: number; status: FeedStatus }[] = [];
    const status = await runSimulatorFeed({
      hospital,
      producer: await bus.producer(),
      topic: 'raw',
      speed,
      backfillUntil,
      idPrefix: 'x-',
      signal: new AbortController().signal,
      onStatus: (s) => seen.push({ wall: Date.now(), status: s }),
    });
    expect(status.phase).toBe('done');
    const live = seen.find((s) => s.status.phase === 'live');
    if (live === undefined) throw new Error('no live phase');
    const after = seen.filter((s) => s.wall > live.wall && s.status.simTime !== null);
    expect(after.length).toBeGreaterThan(3);
    for (const s of after) expect((s.status.simTime as number) - backfillUntil).toBeLessThanOrEqual((s.wall - live.wall) * speed);
    // About half the day paced at 1.5 s a day: not sent all at once either.
    expect(after.at(-1)!.wall - live.wall).toBeGreaterThan(500);
    await expect.poll(() => got.length).toBe(status.sent);
  });

  it('never sends an event stamped after the wall clock, however fast the speed', async () => {
    bus = createMemoryBus({ partitions: 1 });
    const hospital = simulatedHospital({ ...STATE, days: 1 });
    const { start, end } = simulatedWindow(hospital);
    // The wall clock stands at the middle of the simulated day, as when the last simulated day is today.
    const t0 = Date.now();
    const wallAt = start + (end - start) / 2;
    const now = (): number => wallAt + (Date.now() - t0);
    const controller = new AbortController();
    const late: number[] = [];
    const done = runSimulatorFeed({
      hospital,
      producer: await bus.producer(),
      topic: 'raw',
      speed: 86_400, // a simulated day a wall-clock second: it would reach the day's end at once
      backfillUntil: start + (end - start) / 4,
      idPrefix: 'x-',
      signal: controller.signal,
      now,
      onStatus: (s) => {
        if (s.simTime !== null && s.simTime > now()) late.push(s.simTime - now());
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    controller.abort();
    const status = await done;
    expect(late).toEqual([]);
    expect(status.phase).toBe('live');
    expect(status.simTime).not.toBeNull();
    // It caught up with the wall clock and waits there, instead of running on to the day's end.
    expect(status.simTime as number).toBeGreaterThan(wallAt - 60_000);
    expect(status.simTime as number).toBeLessThanOrEqual(now());
  });

  it('stops when aborted', async () => {
    bus = createMemoryBus();
    await collect(bus);
    const abort = new AbortController();
    const hospital = simulatedHospital(STATE);
    const { start } = simulatedWindow(hospital);
    setTimeout(() => abort.abort(), 200);
    const status = await runSimulatorFeed({ hospital, producer: await bus.producer(), topic: 'raw', speed: 1, backfillUntil: start, idPrefix: 'x-', signal: abort.signal });
    expect(status.phase).toBe('live');
  });
});

describe('defaultBackfillUntil', () => {
  it('ends an hour after the first incident of every scenario the hospital plans', () => {
    const hospital = simulatedHospital({ ...STATE, staff: 300, days: 7 });
    const until = defaultBackfillUntil(hospital);
    const { start, end } = simulatedWindow(hospital);
    expect(until).toBeGreaterThan(start);
    expect(until).toBeLessThanOrEqual(end);
    const scenarios = new Set(hospital.incidents.map((i) => i.scenario));
    for (const s of scenarios) {
      const firstEnd = Math.min(...hospital.incidents.filter((i) => i.scenario === s).map((i) => hospital.clock.toUtc(i.to)));
      expect(firstEnd).toBeLessThan(until);
    }
  });
});
