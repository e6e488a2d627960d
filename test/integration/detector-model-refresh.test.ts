import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus } from '@chartwatch/bus';
import type { Bus, BusConsumer } from '@chartwatch/bus';
import type { Alert } from '@chartwatch/detect';
import { createDetectorService, detectorConfigFromEnv } from '@chartwatch/detector';
import type { DetectorService } from '@chartwatch/detector';
import type { AccessEvent } from '@chartwatch/event';
import { createLogger } from '@chartwatch/logger';
import { MODEL_RULE_ID, ModelHolder } from '@chartwatch/model';
import { simulateHospital } from '@chartwatch/simulator';
import type { Simulation } from '@chartwatch/simulator';
import type { Store } from '@chartwatch/store';
import { latestModelVersion, modelRegistryMigrations, openStore } from '@chartwatch/store';
import { registryModelSource } from '../../services/detector/src/model-refresh.ts';
import { createTrainerService } from '../../services/trainer/src/index.ts';
import type { TrainerDeps } from '../../services/trainer/src/index.ts';

/**
 * The detector service with the behavioural model, embedded (in-process
 * queue + chDB): it reads the newest model in the registry at start, and
 * when the trainer registers a newer one while it runs, the shared holder
 * switches to it on the next refresh, without a restart, and the model
 * alerts of the windows closed after that name the new version.
 *
 * Thirteen simulated days: the first ten are stored (the trainer's history
 * and the detector's warm-up), days 11-12 go through the bus under v1,
 * day 13 under v2. Both models are trained with a budget that lets every
 * actor-day alert, so every closed window shows which model judged it.
 */

const PACK = fileURLToPath(new URL('../../rules/', import.meta.url));
const DAY = 86_400_000;
const START = '2026-03-02';
const NOW = Date.parse('2026-03-12T12:00:00.000Z');
const trainerConfig: TrainerDeps['config'] = {
  timezone: 'UTC',
  referenceDir: null,
  historyMs: 9 * DAY,
  intervalMs: DAY,
  budgetPer1000: 1000,
  peerGrouping: 'role',
  window: 'day',
  noveltyDays: 2,
  minGroupRows: 20,
  seed: 1,
  excludeAlerted: false,
};

let root: string;
let store: Store;
let bus: Bus;
let service: DetectorService;
let collector: BusConsumer;
let sim: Simulation;
const holder = new ModelHolder();
const published: Alert[] = [];
const lines: string[] = [];

async function produce(events: readonly AccessEvent[]): Promise<void> {
  const producer = await bus.producer();
  for (let i = 0; i < events.length; i += 5_000) {
    await producer.send('ehr.audit.events', events.slice(i, i + 5_000).map((e) => ({ key: e.actor.id, value: JSON.stringify(e) })));
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const onDay = (day: string): AccessEvent[] => sim.events.filter((e) => e.time.startsWith(day));
const modelAlerts = (): Alert[] => published.filter((a) => a.ruleId === MODEL_RULE_ID);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'chartwatch-detector-model-'));
  const rulesDir = join(root, 'rules');
  await mkdir(rulesDir);
  await copyFile(join(PACK, 'vip-snoop.yaml'), join(rulesDir, 'vip-snoop.yaml'));
  const config = detectorConfigFromEnv(
    { KAFKA_PARTITIONS: '2', CHARTWATCH_RULES_DIR: rulesDir, CHARTWATCH_DATA_DIR: join(root, 'clickhouse'), DETECTOR_MAX_BATCH_DELAY_MS: '20' },
    { requireBrokers: false },
  );
  store = await openStore(config.store);
  await store.migrate(modelRegistryMigrations);
  sim = simulateHospital({ seed: 3, staff: 60, days: 13, start: START, incidents: false });
  await store.replaceReference(sim.reference);
  const stored = sim.events.filter((e) => e.time < '2026-03-12');
  for (let i = 0; i < stored.length; i += 20_000) await store.writeEvents(stored.slice(i, i + 20_000));

  const logger = createLogger({ level: 'silent' });
  const v1 = await createTrainerService({ config: trainerConfig, store, logger, now: () => NOW }).trainNow();
  expect(v1.version).toBe('v1');

  bus = createMemoryBus({ partitions: 2 });
  collector = bus.consumer({ groupId: 'incident-response', topics: ['ehr.alerts'] });
  await collector.run(async (batch, control) => {
    for (const m of batch.messages) published.push(JSON.parse(m.value.toString('utf8')) as Alert);
    await control.commit(batch.messages.at(-1)!.offset);
  });
  service = createDetectorService({
    config,
    store,
    bus,
    logger: createLogger({ level: 'info' }, { write: (l: string) => void lines.push(l) }),
    model: { holder, source: registryModelSource(store), refreshMs: 200 },
  });
  await service.start();
}, 240_000);

afterAll(async () => {
  await service?.stop();
  await collector?.stop();
  await bus?.close();
  await store?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('detector service with the behavioural model (registry + hot swap)', () => {
  it('scores with the newest registered model from the start', async () => {
    expect(holder.current()?.version).toBe('v1');
    await produce([...onDay('2026-03-12'), ...onDay('2026-03-13')]);
    // Day 12's windows close once day 13's events move the watermark past them.
    await until('model alerts for day 12', () => modelAlerts().some((a) => a.windowStart.startsWith('2026-03-12')));
    await until('the stream to be judged', () => service.metrics().judged >= onDay('2026-03-12').length + onDay('2026-03-13').length);
    const day12 = modelAlerts().filter((a) => a.windowStart.startsWith('2026-03-12'));
    expect(day12.length).toBeGreaterThan(10);
    expect(new Set(day12.map((a) => a.modelVersion))).toEqual(new Set(['v1']));
  }, 120_000);

  it('switches to a version the trainer registers while it runs, without a restart', async () => {
    const rebuilds = service.metrics().rebuilds;
    const v2 = await createTrainerService({ config: { ...trainerConfig, seed: 2 }, store, logger: createLogger({ level: 'silent' }), now: () => NOW }).trainNow();
    expect(v2.version).toBe('v2');
    expect(await latestModelVersion(store)).toBe(2);
    await until('the holder to switch to v2', () => holder.current()?.version === 'v2', 10_000);
    expect(lines.some((l) => l.includes('model swapped in from the registry') && l.includes('"to":"v2"'))).toBe(true);

    await produce(onDay('2026-03-14'));
    await until('model alerts for day 13', () => modelAlerts().some((a) => a.windowStart.startsWith('2026-03-13')));
    await until('the stream to be judged', () => service.metrics().judged >= onDay('2026-03-12').length + onDay('2026-03-13').length + onDay('2026-03-14').length);
    const day13 = modelAlerts().filter((a) => a.windowStart.startsWith('2026-03-13'));
    expect(day13.length).toBeGreaterThan(10);
    expect(new Set(day13.map((a) => a.modelVersion))).toEqual(new Set(['v2']));
    // The same partition states went on: the swap needed no rebuild.
    expect(service.metrics().rebuilds).toBe(rebuilds);
    expect(holder.swaps).toBe(2);
  }, 120_000);
});
