import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '@chartwatch/detect';
import type { AccessEvent } from '@chartwatch/event';
import { createLogger } from '@chartwatch/logger';
import { BehaviourModel, createModelScorer, ModelHolder, refreshModel } from '@chartwatch/model';
import type { ModelSource } from '@chartwatch/model';
import { ReferenceIndex } from '@chartwatch/reference';
import { simulateHospital } from '@chartwatch/simulator';
import type { Simulation } from '@chartwatch/simulator';
import type { Store } from '@chartwatch/store';
import { latestModel, latestModelVersion, listModels, modelByVersion, modelRegistryMigrations, openStore, storeConfigFromEnv } from '@chartwatch/store';
import { createTrainerService } from '../../services/trainer/src/index.ts';
import type { TrainerDeps } from '../../services/trainer/src/index.ts';

/**
 * The trainer against a real ClickHouse engine (embedded chDB, or
 * CLICKHOUSE_URL): ten days of a simulated hospital stored as ingest stores
 * them, reference data in the reference tables; the trainer trains from the
 * store on demand and on its schedule, registers each model, leaves alerted
 * actor-days out; a detector-side ModelHolder picks each new version up
 * through refreshModel, and a scorer that was already running scores its
 * next window with it.
 */

const DAY = 86_400_000;
const START = '2026-03-02';
let dir: string;
let store: Store;
let sim: Simulation;
const logger = createLogger({ level: 'silent' });

const config: TrainerDeps['config'] = {
  timezone: 'UTC',
  referenceDir: null,
  historyMs: 9 * DAY,
  intervalMs: DAY,
  budgetPer1000: 5,
  peerGrouping: 'role',
  window: 'day',
  noveltyDays: 2,
  minGroupRows: 20,
  seed: 1,
  excludeAlerted: true,
};
/** The trainer's clock: noon on the day after the simulated history. */
const NOW = Date.parse('2026-03-12T12:00:00.000Z');

function registry(): ModelSource {
  return {
    latestVersion: () => latestModelVersion(store),
    modelJson: async (v) => (await modelByVersion(store, v))?.json ?? null,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cw-trainer-'));
  store = await openStore(storeConfigFromEnv({ ...process.env, CHARTWATCH_DATA_DIR: dir, CLICKHOUSE_DATABASE: `cw_trainer_${process.pid}` }));
  const report = await store.migrate(modelRegistryMigrations);
  expect(report.applied).toContain(2001);
  sim = simulateHospital({ seed: 3, staff: 60, days: 10, start: START, incidents: false });
  await store.replaceReference(sim.reference);
  for (let i = 0; i < sim.events.length; i += 20_000) await store.writeEvents(sim.events.slice(i, i + 20_000));
});

afterAll(async () => {
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('trainer service', () => {
  it('has an empty registry before the first run', async () => {
    expect(await latestModel(store)).toBeNull();
    expect(await latestModelVersion(store)).toBeNull();
  });

  it('trains on demand from the stored history and registers v1 with its window, features and threshold', async () => {
    const trainer = createTrainerService({ config, store, logger, now: () => NOW });
    const run = await trainer.trainNow();
    expect(run).toMatchObject({ registryVersion: 1, version: 'v1', from: '2026-03-03T00:00:00.000Z', to: '2026-03-12T00:00:00.000Z', excluded: 0 });
    const stored = sim.events.filter((e) => e.time >= run.from && e.time < run.to).length;
    expect(run.events).toBe(stored);
    const latest = await latestModel(store);
    expect(latest).toMatchObject({ version: 1, modelVersion: 'v1', trainFrom: run.from, trainTo: run.to, budgetPer1000: 5, events: stored });
    const model = BehaviourModel.fromJSON(latest?.json, 'registry v1');
    expect(model.version).toBe('v1');
    expect(latest?.features).toEqual([...model.json.features]);
    expect(latest?.threshold).toBeCloseTo(model.threshold, 12);
    expect(model.json.training.rowsAboveThreshold).toBeLessThanOrEqual(Math.floor((5 * model.json.training.actorDays) / 1000));
    expect(model.json.groups.some((g) => g.name === 'nurse' && g.forest !== null)).toBe(true);
  });

  it('leaves the actor-days that raised alerts out of training', async () => {
    const victims = [...new Set(sim.events.filter((e) => e.actor.kind === 'user').map((e) => e.actor.id))].slice(0, 3);
    const alerts: Alert[] = victims.map((actorId, i) => ({
      alertId: `trainer-test-${i}`,
      ruleId: 'vip-snoop',
      ruleVersion: 1,
      detector: 'rule',
      severity: 'high',
      title: 't',
      key: `actor=${actorId}`,
      actorId,
      actorKind: 'user',
      patientIds: [],
      patientCount: 0,
      windowStart: '2026-03-09T10:00:00.000Z',
      windowEnd: '2026-03-09T11:00:00.000Z',
      measure: 'events',
      observed: 1,
      threshold: 0,
      comparedWith: 'fixed',
      baseline: null,
      evidenceEventIds: [],
      evidenceCount: 0,
      explanation: 't',
      score: null,
      modelVersion: null,
      features: [],
      firedAt: '2026-03-09T11:00:00.000Z',
    }));
    await store.writeAlerts(alerts);
    const active = victims.filter((id) => sim.events.some((e) => e.actor.id === id && e.time.startsWith('2026-03-09'))).length;
    const run = await createTrainerService({ config, store, logger, now: () => NOW }).trainNow();
    expect(run.version).toBe('v2');
    expect(run.excluded).toBe(active);
    expect(active).toBeGreaterThan(0);
    expect((await listModels(store)).map((m) => m.modelVersion)).toEqual(['v2', 'v1']);
  });

  it('lets a running scorer pick up a newer version without a restart', async () => {
    const holder = new ModelHolder();
    expect(await refreshModel(holder, registry())).toEqual({ changed: true, version: 'v2' });
    expect(await refreshModel(holder, registry())).toEqual({ changed: false, version: 'v2' });
    const reference = new ReferenceIndex(sim.reference);
    // A scorer as the detector runs one, fed the stored week; half-way the trainer registers v3.
    const scorer = createModelScorer({ model: holder, reference });
    const events: AccessEvent[] = [];
    for await (const e of store.eventsInRange('2026-03-02T00:00:00.000Z', '2026-03-12T00:00:00.000Z')) events.push(e);
    const swapAt = Date.parse('2026-03-08T00:00:00.000Z');
    const seen: { windowStart: string; version: string | null }[] = [];
    const before = scorer.stats().scored;
    let swapped = false;
    for (const e of events) {
      if (!swapped && Date.parse(e.time) >= swapAt) {
        const run = await createTrainerService({ config: { ...config, budgetPer1000: 1000 }, store, logger, now: () => NOW }).trainNow();
        expect(run.version).toBe('v3');
        expect(await refreshModel(holder, registry())).toEqual({ changed: true, version: 'v3' });
        swapped = true;
      }
      for (const a of scorer.process(e)) seen.push({ windowStart: a.windowStart, version: a.modelVersion });
    }
    for (const a of scorer.flush()) seen.push({ windowStart: a.windowStart, version: a.modelVersion });
    expect(scorer.stats().scored).toBeGreaterThan(before);
    // v3's budget lets every row alert: every window closed after the swap is judged by v3, none before it by v3.
    const after = seen.filter((s) => Date.parse(s.windowStart) >= swapAt - DAY);
    expect(after.length).toBeGreaterThan(20);
    expect(new Set(after.map((s) => s.version))).toEqual(new Set(['v3']));
    expect(seen.filter((s) => Date.parse(s.windowStart) < swapAt - DAY).every((s) => s.version === 'v2')).toBe(true);
  });

  it('trains on its schedule: at once when the newest model is older than the interval, then waits', async () => {
    const later = NOW + 2 * DAY;
    const trainer = createTrainerService({ config, store, logger, now: () => later });
    await trainer.start();
    const deadline = Date.now() + 60_000;
    while ((await latestModelVersion(store)) !== 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await trainer.stop();
    expect(await latestModelVersion(store)).toBe(4);
    // Event time: nothing is stored after 2026-03-11, so the history still ends there two wall-clock days later.
    expect((await latestModel(store))?.trainTo).toBe('2026-03-12T00:00:00.000Z');
    // A fresh model: the next run is an interval away, so starting again trains nothing now.
    const again = createTrainerService({ config, store, logger, now: () => later });
    await again.start();
    await new Promise((r) => setTimeout(r, 1_000));
    await again.stop();
    expect(await latestModelVersion(store)).toBe(4);
  });

  it('trains a backfilled month on event time, whatever the wall clock says; a future-dated event does not move it', async () => {
    // The same ten days, trained five weeks later: the history is the newest stored one, not the last 9 wall-clock days.
    const monthLater = Date.parse('2026-04-16T09:00:00.000Z');
    const ahead = { ...(sim.events[0] as AccessEvent), eventId: 'trainer-test-future', time: '2026-06-01T00:00:00.000Z' };
    await store.writeEvents([ahead]);
    const run = await createTrainerService({ config, store, logger, now: () => monthLater }).trainNow();
    expect(run).toMatchObject({ from: '2026-03-03T00:00:00.000Z', to: '2026-03-12T00:00:00.000Z' });
    expect(run.events).toBe(sim.events.filter((e) => e.time >= run.from && e.time < run.to).length);
    expect(run.rows).toBeGreaterThan(0);
    expect((await latestModel(store))?.trainTo).toBe('2026-03-12T00:00:00.000Z');
  });
});
