import type { BatchControl, Bus, BusConsumer, ConsumedBatch, ConsumedMessage } from '@chartwatch/bus';
import { partitionForKey, retryWithBackoff } from '@chartwatch/bus';
import type { Alert, LoadedRule, ReferenceLookup, ReplayScorer } from '@chartwatch/detect';
import type { AccessEvent } from '@chartwatch/event';
import { parseCanonicalLine } from '@chartwatch/event';
import type { Logger } from '@chartwatch/logger';
import { refreshModel } from '@chartwatch/model';
import type { ModelHolder, ModelSource, RefreshOutcome } from '@chartwatch/model';
import { ReferenceIndex } from '@chartwatch/reference';
import { AlertPublisher } from './alert-publisher.ts';
import type { AlertStore, Durably, PublishCounts, SuppressionCheck } from './alert-publisher.ts';
import type { DetectorConfig } from './config.ts';
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

function decodeSlice(slice: readonly ConsumedMessage[]): { events: AccessEvent[]; invalid: { offset: string; field: string; reason: string }[] } {
  const events: AccessEvent[] = [];
  const invalid: { offset: string; field: string; reason: string }[] = [];
  for (const m of slice) {
    const r = parseCanonicalLine(m.value.toString('utf8'));
    if (r.ok) events.push(r.event);
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

/**
 * The streaming detector on any bus (Kafka or the embedded in-process
 * queue): joins `settings.groupId` on the events topic and, per partition
 * batch, one sub-batch of `batchSize` messages at a time:
 *
 *   decode → (re)build the partition's state if it is missing or stale →
 *   feed the core → publish its alerts (alerts topic, then store) →
 *   commit the sub-batch's last offset.
 *
 * Every partition has a core of its own, rebuilt from the store's history
 * when the partition arrives without a state that continues exactly at the
 * batch's first offset (first batch after a start, after a rebalance moved
 * it here, after a redelivery or a reset of the group's offsets, after a
 * rules change). Nothing is committed before the alerts the sub-batch caused
 * are in both Kafka and the store.
 */
export async function runDetectorOnBus(bus: Bus, options: DetectorRunOptions): Promise<DetectorRun> {
  const { settings } = options;
  const log = options.logger.child({ component: 'detector' });
  const states = new Map<number, PartitionState>();
  const wrongPartitionLogged = new Set<number>();
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

  function logPublished(alerts: readonly Alert[], counts: PublishCounts, partition: number): void {
    if (counts.suppressed > 0) log.info({ partition, suppressed: counts.suppressed }, 'alerts covered by an active suppression: not published');
    if (counts.published === 0) return;
    for (const a of alerts) {
      // Ids only: the logger redacts patient ids anyway, and an alert's subject is an actor.
      log.info({ partition, alertId: a.alertId, ruleId: a.ruleId, actorId: a.actorId, severity: a.severity, windowStart: a.windowStart, firedAt: a.firedAt }, 'alert');
    }
  }

  async function rebuild(partition: number, firstEvents: readonly AccessEvent[], control: BatchControl, givingUp: () => boolean, durably: Durably): Promise<PartitionState | null> {
    const box: { value: Rebuilt | null } = { value: null };
    const started = Date.now();
    const referenceAtStart = reference;
    let lastBeat = started;
    const ok = await durably('rebuild partition state from the store', async () => {
      box.value = await rebuildPartition({
        partition,
        partitions: settings.partitions,
        rules,
        rulesVersion: metrics.rulesVersion,
        reference,
        settings,
        history: options.history,
        firstEvents,
        scorers: options.scorers?.(partition) ?? [],
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
      logPublished(rebuilt.alerts, counts, partition);
    }
    const stats = rebuilt.state.detector.stats();
    log.info(
      {
        partition,
        from: rebuilt.from,
        events: rebuilt.warmupEvents,
        watermark: stats.watermark,
        activeWindows: stats.activeWindows,
        alertsBeforeFloor: rebuilt.olderAlerts,
        floor: rebuilt.floor,
        alertsAfterFloor: rebuilt.alerts.length,
        published: counts?.published ?? 0,
        ms: Date.now() - started,
      },
      'partition state rebuilt from the store',
    );
    return rebuilt.state;
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
      const probe = events[0];
      if (probe !== undefined && !wrongPartitionLogged.has(partition) && partitionForKey(probe.actor.id, settings.partitions) !== partition) {
        wrongPartitionLogged.add(partition);
        log.error(
          { partition, configuredPartitions: settings.partitions, actorId: probe.actor.id, key: first.key },
          'an actor arrived on a partition its id does not hash to: the events topic has another partition count than configured (KAFKA_PARTITIONS), or the producer keys by something else; rebuilds will read the wrong actors',
        );
      }

      let state = states.get(partition);
      if (state !== undefined && (state.nextOffset !== BigInt(first.offset) || state.rulesVersion !== metrics.rulesVersion)) {
        const reason = state.rulesVersion !== metrics.rulesVersion ? 'rules changed' : `batch starts at offset ${first.offset}, state continues at ${String(state.nextOffset)}`;
        log.info({ partition, reason }, 'partition state does not continue this batch; rebuilding');
        states.delete(partition);
        state = undefined;
      }
      if (state === undefined && events.length > 0) {
        const rebuilt = await rebuild(partition, events, control, givingUp, durably);
        if (rebuilt === null) return;
        state = rebuilt;
        states.set(partition, state);
      }

      const raised: Alert[] = [];
      if (state !== undefined) {
        for (const event of events) {
          const out = state.offer(event);
          if (out === null) {
            metrics.repeats++;
            continue;
          }
          metrics.judged++;
          for (const a of out) raised.push(a);
        }
        state.nextOffset = BigInt(last.offset) + 1n;
        const late = state.endOfSlice();
        if (late.length > 0) {
          metrics.late += late.length;
          let worst = 0;
          for (const l of late) if (l.lateByMs > worst) worst = l.lateByMs;
          log.warn(
            { partition, count: late.length, watermark: late[0]?.watermark, maxLateByMs: worst, eventIds: late.slice(0, 5).map((l) => l.event.eventId) },
            'events arrived behind the watermark (late, or a repeat the state had forgotten): stored, counted in no window',
          );
        }
      }
      if (raised.length > 0) {
        metrics.alertsRaised += raised.length;
        const counts = await publisher.publish(raised, (state as PartitionState).recentAlerts, durably);
        if (counts === null) return;
        addCounts(metrics, counts);
        logPublished(raised, counts, partition);
      }
      await control.commit(last.offset);
      metrics.batches++;
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
  await consumer.run(handleBatch);
  log.info(
    { topic: settings.topics.events, alerts: settings.topics.alerts, groupId: settings.groupId, rules: rules.length, bus: bus.kind, partitions: settings.partitions },
    'detector started',
  );

  return {
    setRules(next: readonly LoadedRule[]): void {
      rules = next;
      metrics.rulesVersion++;
    },
    setReference(next: ReferenceLookup): void {
      reference = next;
      for (const s of states.values()) s.detector.setReference(next);
    },
    setSuppressions(check: SuppressionCheck | null): void {
      suppressions = check;
    },
    metrics: () => ({ ...metrics }),
    partitions: () =>
      [...states.values()]
        .sort((a, b) => a.partition - b.partition)
        .map((s) => {
          const st = s.detector.stats();
          return {
            partition: s.partition,
            nextOffset: s.nextOffset === null ? null : String(s.nextOffset),
            rulesVersion: s.rulesVersion,
            watermark: st.watermark,
            maxEventTime: st.maxEventTime,
            activeWindows: st.activeWindows,
            actors: st.actors,
            rememberedEventIds: s.rememberedEventIds,
          };
        }),
    async stop(): Promise<void> {
      stopping.abort();
      await consumer.stop();
      log.info({ ...metrics }, 'detector stopped');
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
>;

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
        },
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
