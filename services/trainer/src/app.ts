import { LocalClock } from '@chartwatch/facts';
import type { AccessEvent } from '@chartwatch/event';
import type { Logger } from '@chartwatch/logger';
import { overlapsAlerts, registryModelVersion, trainFromEvents } from '@chartwatch/model';
import type { ReferenceSet } from '@chartwatch/reference';
import { loadReferenceDir, ReferenceIndex } from '@chartwatch/reference';
import { alertedWindows, latestModel, nextModelVersion, saveModel } from '@chartwatch/store';
import type { RegistryDb } from '@chartwatch/store';
import type { TrainerConfig } from './config.ts';

const DAY_MS = 86_400_000;

/** What the trainer needs of the store; @chartwatch/store's Store has it all. */
export interface TrainerStore extends RegistryDb {
  eventsInRange(from: string, to: string): AsyncIterable<AccessEvent>;
  /** The newest stored event time at or before `atMost`; null when nothing is stored. */
  newestEventTime(atMost: string): Promise<string | null>;
  referenceSet(): Promise<ReferenceSet>;
}

/** One training run, as logged and returned. */
export interface TrainRun {
  /** Registry version number and the version text alerts name ("v3"). */
  registryVersion: number;
  version: string;
  from: string;
  to: string;
  events: number;
  rows: number;
  excluded: number;
  actorDays: number;
  threshold: number;
  rowsAboveThreshold: number;
  ms: number;
}

export interface TrainerService {
  /** Trains on the history window ending at the start of today (local) and registers the model. Runs never overlap. */
  trainNow(): Promise<TrainRun>;
  /** Trains every interval; at once when the newest model is older than one interval (or there is none). */
  start(): Promise<void>;
  /** Stops the schedule and waits for a run in flight. */
  stop(): Promise<void>;
}

export interface TrainerDeps {
  config: Pick<TrainerConfig, 'timezone' | 'referenceDir' | 'historyMs' | 'intervalMs' | 'budgetPer1000' | 'peerGrouping' | 'window' | 'noveltyDays' | 'minGroupRows' | 'seed' | 'excludeAlerted'>;
  store: TrainerStore;
  logger: Logger;
  /** Wall clock (ms); tests pin it. */
  now?: () => number;
}

/**
 * The trainer: reads a window of history back from ClickHouse, in event-time
 * order, through the same feature accumulator the live scorer runs (one
 * definition of the features), fits the behavioural model and stores it in
 * the registry with its version, features, training window and threshold.
 * Detectors poll the registry and swap the model in without a restart.
 */
export function createTrainerService(deps: TrainerDeps): TrainerService {
  const { config, store, logger } = deps;
  const now = deps.now ?? Date.now;
  const clock = new LocalClock(config.timezone);
  let running: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  /**
   * Where the trained history ends, on event time: the end of the newest
   * stored day, so a backfilled history (event times a month old) trains as
   * a live one does. Never after the start of today on the wall clock (today
   * is still being written), and events dated ahead of the wall clock do not
   * count as the newest.
   */
  async function historyEnd(wallMs: number): Promise<number> {
    const today = clock.alignedStart(wallMs, DAY_MS);
    const newest = await store.newestEventTime(new Date(wallMs).toISOString());
    if (newest === null) return today;
    // The next local midnight (a DST day is 23 or 25 hours long).
    const endOfNewestDay = clock.alignedStart(clock.alignedStart(Date.parse(newest), DAY_MS) + DAY_MS * 1.5, DAY_MS);
    return Math.min(today, endOfNewestDay);
  }

  async function trainOnce(): Promise<TrainRun> {
    const started = now();
    const toMs = await historyEnd(started);
    const fromMs = clock.alignedStart(toMs - config.historyMs + DAY_MS / 2, DAY_MS);
    const from = new Date(fromMs).toISOString();
    const to = new Date(toMs).toISOString();
    const referenceSet = config.referenceDir === null ? await store.referenceSet() : await loadReferenceDir(config.referenceDir, 'CHARTWATCH_REFERENCE_DIR');
    const alerted = config.excludeAlerted ? await alertedWindows(store, from, to) : [];
    const registryVersion = await nextModelVersion(store);
    const version = registryModelVersion(registryVersion);
    logger.info({ version, from, to, alertedWindows: alerted.length }, 'training');
    const { model, rows, excluded, events } = await trainFromEvents(store.eventsInRange(from, to), {
      reference: new ReferenceIndex(referenceSet),
      timezone: config.timezone,
      featureOptions: { window: config.window, noveltyDays: config.noveltyDays },
      from,
      to,
      version,
      budgetPer1000: config.budgetPer1000,
      peerGrouping: config.peerGrouping,
      minGroupRows: config.minGroupRows,
      seed: config.seed,
      ...(alerted.length > 0 ? { exclude: overlapsAlerts(alerted) } : {}),
    });
    const json = model.toJSON();
    await saveModel(store, {
      version: registryVersion,
      modelVersion: version,
      createdAt: new Date(now()).toISOString(),
      trainFrom: from,
      trainTo: to,
      features: [...json.features],
      threshold: Number.isFinite(json.threshold) ? json.threshold : null,
      budgetPer1000: json.budgetPer1000,
      rows: json.training.rows,
      actorDays: json.training.actorDays,
      events,
      json: JSON.stringify(json),
    });
    const run: TrainRun = {
      registryVersion,
      version,
      from,
      to,
      events,
      rows: rows.length,
      excluded,
      actorDays: json.training.actorDays,
      threshold: json.threshold,
      rowsAboveThreshold: json.training.rowsAboveThreshold,
      ms: now() - started,
    };
    logger.info(run, 'model registered');
    return run;
  }

  function trainNow(): Promise<TrainRun> {
    const run = running.then(trainOnce, trainOnce);
    running = run.catch(() => undefined);
    return run;
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      trainNow()
        .catch((err: unknown) => logger.error({ err }, 'training failed; the detectors keep the model they have'))
        .finally(() => schedule(config.intervalMs));
    }, delayMs);
    // A schedule must not keep a drained process alive.
    timer.unref();
  }

  return {
    trainNow,
    async start(): Promise<void> {
      const latest = await latestModel(store);
      const age = latest === null ? Number.POSITIVE_INFINITY : now() - Date.parse(latest.createdAt);
      const delay = Math.max(0, Math.min(config.intervalMs, config.intervalMs - age));
      logger.info({ latest: latest?.modelVersion ?? null, firstRunInMs: delay, intervalMs: config.intervalMs }, 'trainer scheduled');
      schedule(delay);
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
