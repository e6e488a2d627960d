import type { BatchControl, Bus, BusConsumer, ConsumedBatch, ConsumedMessage } from '@chartwatch/bus';
import { retryWithBackoff } from '@chartwatch/bus';
import type { Alert, LoadedRule, ReferenceLookup, ReplayScorer } from '@chartwatch/detect';
import type { AccessEvent } from '@chartwatch/event';
import { parseCanonicalLine } from '@chartwatch/event';
import type { Logger } from '@chartwatch/logger';
import { refreshModel } from '@chartwatch/model';
import type { ModelHolder, ModelSource, RefreshOutcome } from '@chartwatch/model';
import { ReferenceIndex } from '@chartwatch/reference';
import { AlertPublisher } from './alert-publisher.ts';
import { BoundedIdSet } from './bounded-id-set.ts';
import { EventTimeBuffer } from './event-time-buffer.ts';
import { busPipelineProgress } from './pipeline-progress.ts';
import type { PipelineProgress } from './pipeline-progress.ts';
import type { AlertStore, Durably, PublishCounts, SuppressionCheck } from './alert-publisher.ts';
import type { DetectorConfig } from './config.ts';
import { DETECTOR_DEFAULTS } from './config.ts';
import type { EventHistoryStore, HistorySource } from './history-source.ts';
import { storeHistory } from './history-source.ts';
import { DEFAULT_MODEL_REFRESH_MS, partitionModelScorers } from './model-refresh.ts';
import type { PartitionModelScorers } from './model-refresh.ts';
import { rebuildPartition } from './partition-state.ts';
import type { CoreSettings, PartitionState, Rebuilt } from './partition-state.ts';
import { startPeriodic } from './periodic-task.ts';
import type { PeriodicTask } from './periodic-task.ts';
import { referenceCounts, referenceSource } from './reference-source.ts';
import type { ReferenceStore } from './reference-source.ts';
import { createRulesWatcher } from './rules-watcher.ts';
import type { RulesWatcher } from './rules-watcher.ts';

export interface DetectorRunSettings extends CoreSettings {
  groupId: string;
  topics: { events: string; alerts: string };
  /** Partition count of the events topic (and of the topics this run creates). */
  partitions: number;
  batchSize: number;
  maxBatchDelayMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /**
   * How far behind the newest event time a held event waits before it is
   * judged without a caught-up signal. Null or absent: DEFAULT_REORDER_HOLD_MS
   * (6 h) when `progress` is given, else the allowed lateness.
   */
  reorderHoldMs?: number | null;
  /** An event dated further than this ahead of the wall clock waits, moving no watermark. Default 15 min. */
  maxFutureMs?: number;
  /** Bound on held events. Default 500,000. */
  reorderMaxEvents?: number;
}

export interface DetectorRunOptions {
  settings: DetectorRunSettings;
  rules: readonly LoadedRule[];
  reference: ReferenceLookup;
  /** Where alerts are written and asked about; @chartwatch/store's Store is one. */
  alerts: AlertStore;
  /** Where partition state is rebuilt from; storeHistory(store) reads ClickHouse. */
  history: HistorySource;
  logger: Logger;
  /** True for an alert an active suppression covers; null or absent = nothing is suppressed. */
  suppressions?: SuppressionCheck | null;
  /**
   * Model scorers beside the rules, as replayEvents runs them: called for a
   * fresh set whenever a partition's state is (re)built, since scorers keep
   * per-actor state like the core does. Absent = rules only.
   */
  scorers?: (partition: number) => readonly ReplayScorer[];
  /** Says when everything produced so far is held (busPipelineProgress on Kafka); null = the hold alone decides. */
  progress?: PipelineProgress | null;
  /** Wall clock for the future-dated guard; tests pass their own. */
  now?: () => number;
}

export interface DetectorMetrics {
  /** Messages consumed (a redelivered message counts again). */
  consumed: number;
  /** Messages that were not canonical events (skipped and committed). */
  invalid: number;
  /** Events skipped because this partition's state had already counted them. */
  repeats: number;
  /** Events fed to the core from the stream. */
  judged: number;
  /** Events the core reported behind the watermark. */
  late: number;
  /** Events dated more than maxFutureMs ahead of the wall clock: held apart, moving no watermark. */
  future: number;
  /** Events waiting in the event-time buffer now. */
  held: number;
  /** Partition states rebuilt from the store, and the events read doing so. */
  rebuilds: number;
  warmupEvents: number;
  /** Alerts the core raised from the stream, and those a rebuild raised after its floor. */
  alertsRaised: number;
  alertsPublished: number;
  alertsAlreadyStored: number;
  alertsRecent: number;
  alertsSuppressed: number;
  /** Sub-batches judged, published and committed. */
  batches: number;
  /** Failed store / Kafka attempts that were retried. */
  retries: number;
  /** Bumped by every rules change; partitions rebuild lazily to catch up. */
  rulesVersion: number;
}

export interface PartitionSummary {
  partition: number;
  nextOffset: string | null;
  rulesVersion: number;
  watermark: string | null;
  maxEventTime: string | null;
  activeWindows: number;
  actors: number;
  rememberedEventIds: number;
}

/** A detector consuming a bus; see runDetectorOnBus. */
export interface DetectorRun {
  /** New rules: every partition rebuilds its state with them before its next batch. */
  setRules(rules: readonly LoadedRule[]): void;
  /** New reference data: swapped into every partition's core without losing window state. */
  setReference(reference: ReferenceLookup): void;
  setSuppressions(check: SuppressionCheck | null): void;
  metrics(): Readonly<DetectorMetrics>;
  partitions(): PartitionSummary[];
  /** Stops fetching, lets the sub-batch in flight finish or abandon (uncommitted), leaves the group. */
  stop(): Promise<void>;
}

function decodeSlice(slice: readonly ConsumedMessage[]): { events: { event: AccessEvent; offset: bigint }[]; invalid: { offset: string; field: string; reason: string }[] } {
  const events: { event: AccessEvent; offset: bigint }[] = [];
  const invalid: { offset: string; field: string; reason: string }[] = [];
  for (const m of slice) {
    const r = parseCanonicalLine(m.value.toString('utf8'));
    if (r.ok) events.push({ event: r.event, offset: BigInt(m.offset) });
    else invalid.push({ offset: m.offset, field: r.field, reason: r.reason });
  }
  return { events, invalid };
}

function addCounts(metrics: DetectorMetrics, counts: PublishCounts): void {
  metrics.alertsPublished += counts.published;
  metrics.alertsAlreadyStored += counts.alreadyStored;
  metrics.alertsRecent += counts.recent;
  metrics.alertsSuppressed += counts.suppressed;
}

/** Default hold of the event-time buffer when the pipeline can say it caught up (Kafka): the skew a backlog may have. */
export const DEFAULT_REORDER_HOLD_MS = 6 * 3_600_000;
/** Default hold on the in-process queue (see runDetectorOnBus). */
export const MEMORY_REORDER_HOLD_MS = 24 * 3_600_000;
export const DEFAULT_MAX_FUTURE_MS = 900_000;
export const DEFAULT_REORDER_MAX_EVENTS = 500_000;
/** How often a detector with held events asks whether the pipeline caught up. */
const CATCH_UP_CHECK_MS = 1_000;
/** The one core of an instance, labelled as partition 0 of 1 (it reads every actor's history). */
const CORE = 0;

/**
 * The streaming detector on any bus (Kafka or the embedded in-process
 * queue): joins `settings.groupId` on the events topic and, per partition
 * batch, one sub-batch of `batchSize` messages at a time:
 *
 *   decode → (re)build the instance's core if it is missing or stale →
 *   hold the events in the event-time buffer → release what the buffer's
 *   frontier passed, in event-time order, into the core → publish its
 *   alerts (alerts topic, then store) → commit up to the partition's
 *   oldest event still held.
 *
 * One core per instance, fed from every partition it consumes through one
 * event-time buffer (event-time-buffer.ts), so the partitioning of the
 * events or raw topic, the producer's partitioner and a backlog worked
 * through side by side cannot change what the core sees: the events in
 * event-time order, as replay sorts them. Held events leave when they are
 * `reorderHoldMs` behind the newest, or all at once when `progress` says
 * the pipeline caught up. The core is rebuilt from the store's history when
 * a partition's batch does not continue where the core left it (first batch
 * after a start, a redelivery, a reset of the group's offsets, a partition
 * another instance judged meanwhile, a rules change). Nothing is committed
 * before the alerts of the events it covers are in both Kafka and the store.
 */
export async function runDetectorOnBus(bus: Bus, options: DetectorRunOptions): Promise<DetectorRun> {
  const { settings } = options;
  const log = options.logger.child({ component: 'detector' });
  const now = options.now ?? Date.now;
  const progress = options.progress ?? null;
  // The in-process queue hands out 2,048 messages of one partition at a time, to ingest and to this
  // detector alike: a full-speed backfill drifts apart by most of a simulated day (6 h left 18% of a
  // 40,000-event backfill late), so it holds longer; its feed is quiet between ticks once live.
  const holdMs = settings.reorderHoldMs ?? (progress === null ? settings.allowedLatenessMs : bus.kind === 'memory' ? MEMORY_REORDER_HOLD_MS : DEFAULT_REORDER_HOLD_MS);
  // The in-process queue bounds each partition's uncommitted messages and makes its senders wait, so
  // held events must not stay uncommitted there (ingest would stop, and with it the stream that releases
  // them). It commits what it read; every held event is in the store, which a restart rebuilds from.
  const commitHeld = bus.kind !== 'memory';
  const buffer = new EventTimeBuffer({
    holdMs,
    maxFutureMs: settings.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS,
    maxEvents: settings.reorderMaxEvents ?? DEFAULT_REORDER_MAX_EVENTS,
  });
  /** The core, and per partition the next offset it expects. */
  let core: PartitionState | null = null;
  const expected = new Map<number, bigint>();
  const committed = new Map<number, bigint>();
  /** Ids a rebuild put in the buffer from the store: the stream's copy is a repeat. */
  const fromStore = new BoundedIdSet(settings.seenEventIds);
  /** Per partition, the group's position when the state was last rebuilt: a partition first seen later must start there. */
  let positionsAtRebuild = new Map<number, bigint>();
  let lastCatchUpCheck = 0;
  const stopping = new AbortController();
  let rules = options.rules;
  let reference = options.reference;
  let suppressions = options.suppressions ?? null;
  const metrics: DetectorMetrics = {
    consumed: 0,
    invalid: 0,
    repeats: 0,
    judged: 0,
    late: 0,
    future: 0,
    held: 0,
    rebuilds: 0,
    warmupEvents: 0,
    alertsRaised: 0,
    alertsPublished: 0,
    alertsAlreadyStored: 0,
    alertsRecent: 0,
    alertsSuppressed: 0,
    batches: 0,
    retries: 0,
    rulesVersion: 1,
  };

  await bus.ensureTopics([settings.topics.events, settings.topics.alerts].map((name) => ({ name, partitions: settings.partitions })));
  const producer = await bus.producer();
  const publisher = new AlertPublisher(producer, settings.topics.alerts, options.alerts, () => suppressions);

  // Handler calls and the idle release both touch the core and the buffer: one at a time.
  let serial: Promise<unknown> = Promise.resolve();
  function exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = serial.then(task, task);
    serial = run.catch(() => undefined);
    return run;
  }

  function logPublished(alerts: readonly Alert[], counts: PublishCounts): void {
    if (counts.suppressed > 0) log.info({ suppressed: counts.suppressed }, 'alerts covered by an active suppression: not published');
    if (counts.published === 0) return;
    for (const a of alerts) {
      // Ids only: the logger redacts patient ids anyway, and an alert's subject is an actor.
      log.info({ alertId: a.alertId, ruleId: a.ruleId, actorId: a.actorId, severity: a.severity, windowStart: a.windowStart, firedAt: a.firedAt }, 'alert');
    }
  }

  function holdFromStore(event: AccessEvent): void {
    const t = Date.parse(event.time);
    const added = buffer.add({ event, t, partition: -1, offset: null }, now());
    if (added === false) return;
    fromStore.add(event.eventId);
    if (added === 'future') metrics.future++;
  }

  async function rebuild(partition: number, firstEvents: readonly AccessEvent[], fresh: boolean, control: BatchControl, givingUp: () => boolean, durably: Durably): Promise<PartitionState | null> {
    const box: { value: Rebuilt | null } = { value: null };
    const started = Date.now();
    const referenceAtStart = reference;
    let lastBeat = started;
    // The buffer is kept: what it holds was judged by nobody, and the floor stays at or before its oldest
    // event, so the rebuild only holds the stored copies again (the buffer takes each id once).
    const floorAtMost = buffer.oldest;
    const ok = await durably('rebuild the detector state from the store', async () => {
      const offsets = bus.offsets?.bind(bus);
      positionsAtRebuild = new Map((offsets === undefined ? [] : await offsets(settings.topics.events, settings.groupId)).map((p) => [p.partition, p.committed ?? p.low]));
      box.value = await rebuildPartition({
        partition: CORE,
        partitions: 1,
        rules,
        rulesVersion: metrics.rulesVersion,
        reference,
        settings,
        history: options.history,
        firstEvents,
        scorers: options.scorers?.(CORE) ?? [],
        hold: holdFromStore,
        fresh,
        ...(Number.isFinite(floorAtMost) ? { floorAtMost } : {}),
        progress: async () => {
          if (Date.now() - lastBeat > 1_000) {
            lastBeat = Date.now();
            await control.heartbeat();
          }
          return !givingUp();
        },
      });
    });
    const rebuilt = box.value;
    if (!ok || rebuilt === null) return null;
    if (reference !== referenceAtStart) rebuilt.state.detector.setReference(reference);
    metrics.rebuilds++;
    metrics.warmupEvents += rebuilt.warmupEvents;
    metrics.alertsRaised += rebuilt.alerts.length;
    const counts = rebuilt.alerts.length === 0 ? null : await publisher.publish(rebuilt.alerts, rebuilt.state.recentAlerts, durably);
    if (rebuilt.alerts.length > 0 && counts === null) return null;
    if (counts !== null) {
      addCounts(metrics, counts);
      logPublished(rebuilt.alerts, counts);
    }
    const stats = rebuilt.state.detector.stats();
    log.info(
      {
        partition,
        from: rebuilt.from,
        events: rebuilt.warmupEvents,
        heldFromStore: buffer.size,
        watermark: stats.watermark,
        activeWindows: stats.activeWindows,
        alertsBeforeFloor: rebuilt.olderAlerts,
        floor: rebuilt.floor,
        alertsAfterFloor: rebuilt.alerts.length,
        published: counts?.published ?? 0,
        ms: Date.now() - started,
      },
      'detector state rebuilt from the store',
    );
    return rebuilt.state;
  }

  /** Asks, at most once a second, whether everything produced so far is held. */
  async function caughtUp(): Promise<boolean> {
    if (progress === null || buffer.size === 0 || Date.now() - lastCatchUpCheck < CATCH_UP_CHECK_MS) return false;
    lastCatchUpCheck = Date.now();
    try {
      return await progress.caughtUp(expected);
    } catch (err) {
      log.warn({ err }, 'asking whether the pipeline caught up failed; held events wait for the hold instead');
      return false;
    }
  }

  /** Moves what the buffer's frontier passed into the core; returns the alerts it raised. */
  async function release(state: PartitionState, all: boolean): Promise<Alert[]> {
    const raised: Alert[] = [];
    const out = all ? buffer.releaseAll(now()) : buffer.release(now());
    for (const h of out) {
      const alerts = state.offer(h.event);
      if (alerts === null) {
        metrics.repeats++;
        continue;
      }
      metrics.judged++;
      for (const a of alerts) raised.push(a);
    }
    metrics.held = buffer.size;
    const late = state.endOfSlice();
    if (late.length > 0) {
      metrics.late += late.length;
      let worst = 0;
      for (const l of late) if (l.lateByMs > worst) worst = l.lateByMs;
      log.warn(
        { count: late.length, watermark: late[0]?.watermark, maxLateByMs: worst, eventIds: late.slice(0, 5).map((l) => l.event.eventId) },
        'events arrived behind the watermark, later than the allowed lateness after event-time ordering: stored, counted in no window',
      );
    }
    return raised;
  }

  async function handleBatch(batch: ConsumedBatch, control: BatchControl): Promise<void> {
    const partition = batch.partition;
    const givingUp = (): boolean => stopping.signal.aborted || !control.isRunning() || control.isStale();
    const durably: Durably = (what, task) =>
      retryWithBackoff(task, {
        initialMs: settings.retryInitialMs,
        maxMs: settings.retryMaxMs,
        signal: stopping.signal,
        shouldGiveUp: givingUp,
        heartbeat: control.heartbeat,
        onFailure: (err, attempt, pauseMs) => {
          metrics.retries++;
          log.warn({ err, attempt, pauseMs, topic: batch.topic, partition }, `${what} failed; retrying, offsets stay uncommitted`);
        },
      });

    for (let start = 0; start < batch.messages.length; start += settings.batchSize) {
      // A stopping or rebalanced consumer leaves the rest for whoever owns the partition next.
      if (givingUp()) return;
      const slice = batch.messages.slice(start, start + settings.batchSize);
      const first = slice[0] as ConsumedMessage;
      const last = slice[slice.length - 1] as ConsumedMessage;
      metrics.consumed += slice.length;
      const { events, invalid } = decodeSlice(slice);
      if (invalid.length > 0) {
        metrics.invalid += invalid.length;
        log.warn({ partition, count: invalid.length, first: invalid[0] }, 'messages on the events topic are not canonical events; skipped');
      }

      const at = expected.get(partition);
      if (at === undefined || at !== BigInt(first.offset)) committed.set(partition, BigInt(first.offset));
      let reason: string | null = null;
      if (core !== null && core.rulesVersion !== metrics.rulesVersion) reason = 'rules changed';
      else if (core !== null && at !== undefined && at !== BigInt(first.offset)) reason = `partition ${partition}'s batch starts at offset ${first.offset}, the state continues at ${String(at)}`;
      else if (core !== null && at === undefined && BigInt(first.offset) > (positionsAtRebuild.get(partition) ?? BigInt(first.offset))) {
        // First seen here after the state was built, and not where the group stood then: another instance judged it meanwhile.
        reason = `partition ${partition} starts at offset ${first.offset}, past ${String(positionsAtRebuild.get(partition))} where the group stood when the state was built`;
      }
      if (reason !== null) {
        log.info({ partition, reason }, 'the detector state does not continue this batch; rebuilding');
        core = null;
      }
      if (core === null && events.length > 0) {
        const rebuilt = await rebuild(
          partition,
          events.map((e) => e.event),
          first.offset === '0',
          control,
          givingUp,
          durably,
        );
        if (rebuilt === null) return;
        core = rebuilt;
      }

      const raised: Alert[] = [];
      if (core !== null) {
        const wall = now();
        for (const { event, offset } of events) {
          if (fromStore.delete(event.eventId)) {
            metrics.repeats++;
            continue;
          }
          const t = Date.parse(event.time);
          // A future-dated event must not pin its partition's commits until its time comes: the store has it.
          const added = buffer.add({ event, t, partition, offset }, wall);
          if (added === false) metrics.repeats++;
          else if (added === 'future') {
            metrics.future++;
            log.warn(
              { partition, eventId: event.eventId, time: event.time, aheadMs: t - wall },
              'event dated ahead of the wall clock: stored, moves no watermark, judged when its time comes',
            );
          }
        }
        expected.set(partition, BigInt(last.offset) + 1n);
        for (const a of await release(core, await caughtUp())) raised.push(a);
      }
      if (raised.length > 0) {
        metrics.alertsRaised += raised.length;
        const counts = await publisher.publish(raised, (core as PartitionState).recentAlerts, durably);
        if (counts === null) return;
        addCounts(metrics, counts);
        logPublished(raised, counts);
      }
      // Committed up to the oldest event of this partition still held (a restart delivers the held ones
      // again), read on past the slice. Never backwards: a commit below the last one would replay judged events.
      const low = commitHeld ? buffer.lowestHeldOffset(partition) : null;
      let upTo = low === null ? BigInt(last.offset) : low - 1n;
      const done = committed.get(partition);
      if (done !== undefined && upTo < done - 1n) upTo = done - 1n;
      await control.commit(String(upTo), { readThrough: last.offset });
      if (upTo >= 0n) committed.set(partition, upTo + 1n);
      metrics.batches++;
    }
  }

  /** Between batches: held events leave once the pipeline caught up (or the wall clock reached a future-dated one). */
  async function releaseWhileIdle(): Promise<void> {
    const state = core;
    if (state === null || stopping.signal.aborted) return;
    if (buffer.size === 0) {
      await commitReleased();
      return;
    }
    const all = await caughtUp();
    const raised = await release(state, all);
    if (raised.length === 0) {
      await commitReleased();
      return;
    }
    metrics.alertsRaised += raised.length;
    const durably: Durably = (what, task) =>
      retryWithBackoff(task, {
        initialMs: settings.retryInitialMs,
        maxMs: settings.retryMaxMs,
        signal: stopping.signal,
        shouldGiveUp: () => stopping.signal.aborted,
        heartbeat: async () => undefined,
        onFailure: (err, attempt, pauseMs) => {
          metrics.retries++;
          log.warn({ err, attempt, pauseMs }, `${what} failed; retrying`);
        },
      });
    const counts = await publisher.publish(raised, state.recentAlerts, durably);
    if (counts === null) return;
    addCounts(metrics, counts);
    logPublished(raised, counts);
    await commitReleased();
  }

  /** After an idle release: each partition's commit moves up to its oldest event still held (or all it read). */
  async function commitReleased(): Promise<void> {
    const commitOutside = consumer.commitOutside?.bind(consumer);
    if (commitOutside === undefined) return;
    for (const [partition, next] of expected) {
      const low = buffer.lowestHeldOffset(partition);
      const upTo = low === null ? next - 1n : low - 1n;
      if (upTo < 0n || upTo + 1n <= (committed.get(partition) ?? 0n)) continue;
      try {
        await commitOutside(settings.topics.events, partition, String(upTo));
        committed.set(partition, upTo + 1n);
      } catch (err) {
        // A partition that moved elsewhere: its new owner rebuilds and commits.
        log.debug({ err, partition }, 'commit after an idle release failed');
      }
    }
  }

  const consumer: BusConsumer = bus.consumer({
    groupId: settings.groupId,
    topics: [settings.topics.events],
    fromBeginning: true,
    maxWaitMs: settings.maxBatchDelayMs,
    maxBatchMessages: settings.batchSize * 4,
    onError: (err) => log.error({ err }, 'consumer failed; it restarts from the last committed offset'),
  });
  await consumer.run((batch, control) => exclusive(() => handleBatch(batch, control)));
  const idle = setInterval(() => {
    exclusive(releaseWhileIdle).catch((err: unknown) => log.error({ err }, 'releasing held events failed; they stay held'));
  }, CATCH_UP_CHECK_MS);
  idle.unref();
  log.info(
    {
      topic: settings.topics.events,
      alerts: settings.topics.alerts,
      groupId: settings.groupId,
      rules: rules.length,
      bus: bus.kind,
      partitions: settings.partitions,
      reorderHoldMs: holdMs,
      caughtUpSignal: progress !== null,
    },
    'detector started',
  );

  return {
    setRules(next: readonly LoadedRule[]): void {
      rules = next;
      metrics.rulesVersion++;
    },
    setReference(next: ReferenceLookup): void {
      reference = next;
      core?.detector.setReference(next);
    },
    setSuppressions(check: SuppressionCheck | null): void {
      suppressions = check;
    },
    metrics: () => ({ ...metrics, held: buffer.size }),
    partitions: () => {
      const state = core;
      if (state === null) return [];
      const st = state.detector.stats();
      return [...expected.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([partition, next]) => ({
          partition,
          nextOffset: String(next),
          rulesVersion: state.rulesVersion,
          watermark: st.watermark,
          maxEventTime: st.maxEventTime,
          activeWindows: st.activeWindows,
          actors: st.actors,
          rememberedEventIds: state.rememberedEventIds,
        }));
    },
    async stop(): Promise<void> {
      stopping.abort();
      clearInterval(idle);
      await consumer.stop();
      log.info({ ...metrics, held: buffer.size }, 'detector stopped');
    },
  };
}

/** What the service needs of the store; @chartwatch/store's Store is all of it. */
export type DetectorStore = AlertStore & EventHistoryStore & ReferenceStore;

/**
 * Loads the suppressions in force at `at` (wall-clock ISO time) and returns
 * the matcher over them. The seam for the API's suppressions: main.ts wires
 * the store's activeSuppressions and isSuppressed when they are available.
 */
export type SuppressionLoader = (at: string) => Promise<SuppressionCheck>;

export type DetectorServiceConfig = Pick<
  DetectorConfig,
  | 'bus'
  | 'groupId'
  | 'rulesDir'
  | 'referenceDir'
  | 'referenceRefreshMs'
  | 'suppressionRefreshMs'
  | 'rulesDebounceMs'
  | 'timezone'
  | 'allowedLatenessMs'
  | 'warmupHorizonMs'
  | 'batchSize'
  | 'maxBatchDelayMs'
  | 'recentAlertIds'
  | 'seenEventIds'
  | 'retryInitialMs'
  | 'retryMaxMs'
> &
  Partial<Pick<DetectorConfig, 'reorderHoldMs' | 'maxFutureMs' | 'reorderMaxEvents' | 'upstreamGroupId'>>;

export interface DetectorServiceDeps {
  config: DetectorServiceConfig;
  store: DetectorStore;
  bus: Bus;
  logger: Logger;
  /** Default: storeHistory(store). */
  history?: HistorySource;
  suppressions?: SuppressionLoader;
  /** See DetectorRunOptions.scorers. */
  scorers?: (partition: number) => readonly ReplayScorer[];
  /**
   * The behavioural model beside the rules: every partition scores with a
   * model scorer reading `holder`, and every `refreshMs` (default 60 s) the
   * newest version in `source` (registryModelSource(store)) is swapped into
   * the holder, so a model the trainer registers is used without a restart.
   * Ignored for scoring when `scorers` is given (the holder is still refreshed).
   */
  model?: DetectorModel;
  /** Wall clock for loading suppressions; tests pass their own. */
  now?: () => number;
  /** Wall clock of the future-dated guard (DETECTOR_MAX_FUTURE_MS); default Date.now. */
  wallClock?: () => number;
}

export interface DetectorModel {
  holder: ModelHolder;
  source: ModelSource;
  refreshMs?: number;
}

export interface DetectorService {
  /** Loads rules (a bad pack stops the start, naming file, rule and field) and reference data, joins the group, starts the watchers. */
  start(): Promise<void>;
  /** Stops the watchers and timers, then the consumer (its sub-batch in flight finishes or stays uncommitted). */
  stop(): Promise<void>;
  metrics(): Readonly<DetectorMetrics>;
  partitions(): PartitionSummary[];
  /** Re-reads the rules directory now (what the watcher does after a change). */
  reloadRules(): Promise<'changed' | 'unchanged' | 'failed'>;
  /** Reloads reference data now (what the refresh timer does). */
  reloadReference(): Promise<void>;
  /** Brings the model holder up to the newest registered model now (what the refresh timer does); no model configured = unchanged. */
  refreshModel(): Promise<RefreshOutcome>;
}

/** The detector service: rules from a watched directory, refreshed reference data and suppressions, runDetectorOnBus underneath. */
export function createDetectorService(deps: DetectorServiceDeps): DetectorService {
  const { config, store, bus } = deps;
  const log = deps.logger.child({ component: 'detector-service' });
  const now = deps.now ?? Date.now;
  const history = deps.history ?? storeHistory(store);
  const reference = referenceSource(config.referenceDir, store);
  let run: DetectorRun | null = null;
  let watcher: RulesWatcher | null = null;
  const timers: PeriodicTask[] = [];
  const model = deps.model;
  let modelScorers: PartitionModelScorers | null = null;

  async function refreshHeldModel(): Promise<RefreshOutcome> {
    if (model === undefined) return { changed: false, version: null };
    const before = model.holder.current()?.version ?? null;
    const outcome = await refreshModel(model.holder, model.source);
    if (outcome.changed) log.info({ from: before, to: outcome.version }, 'model swapped in from the registry; partitions score with it from their next closed window');
    return outcome;
  }

  async function loadReference(): Promise<ReferenceIndex> {
    const set = await reference.load();
    log.info({ source: reference.description, ...referenceCounts(set) }, 'reference data loaded');
    const index = new ReferenceIndex(set);
    // Rules name role categories: staff whose role has none are outside every category rule (deceased-snoop's records staff, the care relationship's operational roles).
    const unmapped = index.unmappedRoles();
    if (unmapped.length > 0) log.warn({ unmappedRoles: unmapped, vocabulary: index.roles.isDefault ? 'built-in' : 'roles.csv' }, 'staff roles with no category in the role vocabulary');
    return index;
  }

  async function loadSuppressions(): Promise<SuppressionCheck | null> {
    if (deps.suppressions === undefined) return null;
    return deps.suppressions(new Date(now()).toISOString());
  }

  return {
    async start(): Promise<void> {
      watcher = createRulesWatcher({
        dir: config.rulesDir,
        setting: 'CHARTWATCH_RULES_DIR',
        debounceMs: config.rulesDebounceMs,
        logger: log,
        onRules: (pack) => run?.setRules(pack.rules),
      });
      const pack = await watcher.load();
      log.info({ dir: config.rulesDir, rules: pack.rules.map((r) => `${r.id}@${r.version}`) }, 'rules loaded');
      const index = await loadReference();
      if (model !== undefined) {
        try {
          await refreshHeldModel();
        } catch (err) {
          log.error({ err }, 'reading the model registry failed; scoring with the model held so far until a refresh succeeds');
        }
        if (deps.scorers === undefined) modelScorers = partitionModelScorers(model.holder, index, config.timezone);
        log.info({ model: model.holder.current()?.version ?? null, refreshMs: model.refreshMs ?? DEFAULT_MODEL_REFRESH_MS }, 'behavioural model scoring beside the rules');
      }
      let check: SuppressionCheck | null = null;
      try {
        check = await loadSuppressions();
      } catch (err) {
        // Failing open: an alert too many beats a silenced detector.
        log.error({ err }, 'loading suppressions failed; alerts are published unsuppressed until a reload succeeds');
      }
      run = await runDetectorOnBus(bus, {
        settings: {
          groupId: config.groupId,
          topics: { events: config.bus.topics.events, alerts: config.bus.topics.alerts },
          partitions: config.bus.partitions,
          batchSize: config.batchSize,
          maxBatchDelayMs: config.maxBatchDelayMs,
          retryInitialMs: config.retryInitialMs,
          retryMaxMs: config.retryMaxMs,
          timezone: config.timezone,
          allowedLatenessMs: config.allowedLatenessMs,
          warmupHorizonMs: config.warmupHorizonMs,
          recentAlertIds: config.recentAlertIds,
          seenEventIds: config.seenEventIds,
          reorderHoldMs: config.reorderHoldMs ?? null,
          ...(config.maxFutureMs !== undefined ? { maxFutureMs: config.maxFutureMs } : {}),
          ...(config.reorderMaxEvents !== undefined ? { reorderMaxEvents: config.reorderMaxEvents } : {}),
        },
        progress: busPipelineProgress(bus, {
          upstream: { groupId: config.upstreamGroupId ?? DETECTOR_DEFAULTS.upstreamGroupId, topic: config.bus.topics.raw },
          events: { groupId: config.groupId, topic: config.bus.topics.events },
        }),
        ...(deps.wallClock !== undefined ? { now: deps.wallClock } : {}),
        rules: pack.rules,
        reference: index,
        alerts: store,
        history,
        logger: deps.logger,
        suppressions: check,
        ...(deps.scorers !== undefined ? { scorers: deps.scorers } : modelScorers !== null ? { scorers: modelScorers.scorers } : {}),
      });
      watcher.start();
      const active = run;
      const setReference = (next: ReferenceIndex): void => {
        active.setReference(next);
        modelScorers?.setReference(next);
      };
      timers.push(
        startPeriodic(
          async () => setReference(await loadReference()),
          config.referenceRefreshMs,
          (err) => log.error({ err, source: reference.description }, 'reference reload failed; the last loaded reference data stays in force'),
        ),
      );
      if (deps.suppressions !== undefined) {
        timers.push(
          startPeriodic(
            async () => active.setSuppressions(await loadSuppressions()),
            config.suppressionRefreshMs,
            (err) => log.error({ err }, 'suppression reload failed; the last loaded suppressions stay in force'),
          ),
        );
      }
      if (model !== undefined) {
        timers.push(
          startPeriodic(
            async () => {
              await refreshHeldModel();
            },
            model.refreshMs ?? DEFAULT_MODEL_REFRESH_MS,
            (err) => log.error({ err }, 'model refresh failed; the model held so far stays in force'),
          ),
        );
      }
    },

    async stop(): Promise<void> {
      watcher?.stop();
      await Promise.all(timers.splice(0).map((t) => t.stop()));
      // The stopped run is kept: its metrics stay readable after stop().
      await run?.stop();
    },

    metrics(): Readonly<DetectorMetrics> {
      if (run === null) throw new Error('detector service is not started');
      return run.metrics();
    },

    partitions: () => run?.partitions() ?? [],

    reloadRules(): Promise<'changed' | 'unchanged' | 'failed'> {
      if (watcher === null) return Promise.reject(new Error('detector service is not started'));
      return watcher.reload();
    },

    async reloadReference(): Promise<void> {
      if (run === null) throw new Error('detector service is not started');
      const next = await loadReference();
      run.setReference(next);
      modelScorers?.setReference(next);
    },

    refreshModel: refreshHeldModel,
  };
}
