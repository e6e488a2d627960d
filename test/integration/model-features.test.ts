import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '@chartwatch/detect';
import type { AccessEvent } from '@chartwatch/event';
import type { FeatureRow } from '@chartwatch/model';
import { createAccessFacts, createModelScorer, extractFeaturesFrom, FEATURE_NAMES, FeatureAccumulator, trainFromEvents } from '@chartwatch/model';
import { ReferenceIndex } from '@chartwatch/reference';
import { simulateHospital } from '@chartwatch/simulator';
import type { Simulation } from '@chartwatch/simulator';
import type { Store } from '@chartwatch/store';
import { openStore, storeConfigFromEnv } from '@chartwatch/store';

/**
 * One definition of the behavioural features: the trainer reads history
 * back from ClickHouse and feeds it through the same accumulator the live
 * scorer runs on the stream. This test stores a simulated hospital's week in
 * a real ClickHouse engine (embedded chDB, or CLICKHOUSE_URL), reads it back
 * with the store's eventsInRange, and checks that the rows (every feature of
 * every actor-day, the patients, the evidence) and the model alerts are the
 * ones the stream gives, event by event.
 */

const TIMEZONE = 'America/New_York'; // local days that are not UTC days, and a DST change on 2026-03-08
let dir: string;
let store: Store;
let sim: Simulation;
let reference: ReferenceIndex;
let from: string;
let to: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cw-model-features-'));
  store = await openStore(storeConfigFromEnv({ ...process.env, CHARTWATCH_DATA_DIR: dir, CLICKHOUSE_DATABASE: `cw_features_${process.pid}` }));
  await store.migrate();
  sim = simulateHospital({ seed: 5, staff: 60, days: 6, start: '2026-03-04', timezone: TIMEZONE });
  reference = new ReferenceIndex(sim.reference);
  for (let i = 0; i < sim.events.length; i += 20_000) await store.writeEvents(sim.events.slice(i, i + 20_000));
  from = (sim.events[0] as AccessEvent).time;
  to = new Date(Date.parse((sim.events.at(-1) as AccessEvent).time) + 1).toISOString();
});

afterAll(async () => {
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The stream: one event at a time, rows collected as the watermark closes their windows. */
function streamRows(events: readonly AccessEvent[]): FeatureRow[] {
  const acc = new FeatureAccumulator({ facts: createAccessFacts({ reference, timezone: TIMEZONE }) });
  const rows: FeatureRow[] = [];
  for (const e of events) rows.push(...acc.add(e));
  rows.push(...acc.flush());
  return rows;
}

describe('features from ClickHouse = features from the stream', () => {
  it('stores every event', async () => {
    expect(await store.countEvents()).toBe(sim.events.length);
  });

  it('gives identical rows, every feature of every actor-day', async () => {
    const stored = await extractFeaturesFrom(store.eventsInRange(from, to), { facts: createAccessFacts({ reference, timezone: TIMEZONE }) });
    const streamed = streamRows(sim.events);
    expect(stored.length).toBeGreaterThan(200);
    expect(stored.filter((r) => r.complete).length).toBeGreaterThan(100);
    // The simulator's stream order is event time (ids increasing with it); ClickHouse reads back by time then id.
    expect(stored).toEqual(streamed);
    // Not a vacuous equality: the rows differ from actor to actor and carry each feature.
    const distinct = new Set(stored.map((r) => r.values.join(',')));
    expect(distinct.size).toBeGreaterThan(stored.length / 2);
    const zero = FEATURE_NAMES.filter((_, c) => stored.every((r) => r.values[c] === 0));
    expect(zero).toEqual(['prints']); // the simulator's staff never print
  });

  it('gives the same model alerts when a model scores what ClickHouse returns and what the stream delivers', async () => {
    const { model } = await trainFromEvents(store.eventsInRange(from, to), { reference, timezone: TIMEZONE, budgetPer1000: 20, minGroupRows: 20, version: 'v-parity' });
    const score = async (events: AsyncIterable<AccessEvent> | Iterable<AccessEvent>): Promise<Alert[]> => {
      const scorer = createModelScorer({ model, reference });
      const out: Alert[] = [];
      for await (const e of events) out.push(...scorer.process(e));
      out.push(...scorer.flush());
      return out;
    };
    const fromStore = await score(store.eventsInRange(from, to));
    const fromStream = await score(sim.events);
    expect(fromStore.length).toBeGreaterThan(0);
    expect(fromStore).toEqual(fromStream);
  });
});
