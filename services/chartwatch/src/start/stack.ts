import { ConfigError } from '@chartwatch/errors';
import type { ApiApp, ConsumerLagSource, WebhookFeed } from '@chartwatch/api';
import { activeSuppressions, buildApi, createApiMetrics, createIncidentFeed, kafkaConsumerLag, matchingSuppressions } from '@chartwatch/api';
import type { Bus, BusProducer } from '@chartwatch/bus';
import { chartwatchTopics, createKafkaBus, createMemoryBus } from '@chartwatch/bus';
import type { DetectorService } from '@chartwatch/detector';
import { createDetectorService } from '@chartwatch/detector';
import type { Ingest } from '@chartwatch/ingest';
import { createIngest } from '@chartwatch/ingest';
import type { Logger } from '@chartwatch/logger';
import type { ReferenceSet } from '@chartwatch/reference';
import { ReferenceIndex } from '@chartwatch/reference';
import type { Store } from '@chartwatch/store';
import { SuppressionHitRecorder, latestModelVersion, migrateApiTables, modelByVersion, modelRegistryMigrations, openStore } from '@chartwatch/store';
import type { TrainerService } from '@chartwatch/trainer';
import { createTrainerService } from '@chartwatch/trainer';
import { whenIngestSettles } from './ingest-settled.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { ModelSeam } from './model-seam.ts';
import { createModelSeam } from './model-seam.ts';
import { listenOnFreePort } from './listen.ts';
import type { StartConfig } from './start-config.ts';

export interface StackOptions {
  config: StartConfig;
  logger: Logger;
  lifecycle: Lifecycle;
  /** Reference data to load into the store before the detector reads it; null = keep what is stored. */
  reference: () => Promise<ReferenceSet | null>;
  /**
   * The flag that brings reference data (`--reference`), when keeping what is stored is only right if something
   * is stored: a file fed with no staff, patients or encounters anywhere has no care relationships, and every
   * sensitive read in it would alert. Then the start is refused, naming the flag.
   */
  requireReference?: string;
  /**
   * A model pinned beside the rules (`--model FILE`): scored with as it is,
   * no trainer. Absent = the in-process trainer trains from the store's
   * history on its schedule (TRAINER_*) and the detector swaps each version
   * it registers into its holder (rules only until the first one).
   */
  model?: ModelSeam;
  /** When the trainer may start; default: once ingest has settled (the feed's backfill is over). */
  trainAfter?: Promise<unknown>;
  /** Called once a step is done, for the terminal. */
  onStep?: (step: string) => void;
  /** Raw messages the feed has sent so far: with the in-process queue, ingest's lag on the overview is this minus what it consumed. */
  rawSent?: () => number;
}

/** The running pieces of the all-in-one process. */
export interface Stack {
  store: Store;
  bus: Bus;
  /** Where a feed sends raw audit messages. */
  producer: BusProducer;
  rawTopic: string;
  ingest: Ingest;
  detector: DetectorService;
  api: ApiApp;
  /** The holder the detector's model scorers read. */
  model: ModelSeam;
  /** The in-process trainer; null when a model is pinned with --model. */
  trainer: TrainerService | null;
  /** The webhook leg of the incident feed (WEBHOOK_URLS); null when none is configured. */
  webhooks: WebhookFeed | null;
  /** Base URL the API listens on, e.g. http://127.0.0.1:8080. */
  url: string;
}

/**
 * Consumer lag for the overview. On Kafka, the admin's per-partition
 * figures for ingest's and the detector's groups. The in-process queue
 * keeps no offsets anyone can ask for, so its lag comes from the services'
 * counters, summed over partitions: what was sent to a topic minus what its
 * consumer took (a redelivery counts as taken twice, so this can read low
 * after a failure, never high).
 */
function stackLag(config: StartConfig, ingest: Ingest, detector: DetectorService, rawSent: (() => number) | undefined): ConsumerLagSource {
  const topics = config.detector.bus.topics;
  if (config.busMode === 'kafka') {
    return kafkaConsumerLag(config.detector.bus.brokers, config.detector.bus.clientId, [
      { group: config.ingest.groupId, topic: topics.raw },
      { group: config.detector.groupId, topic: topics.events },
    ], config.detector.bus.security);
  }
  return {
    lag: async () => [
      ...(rawSent === undefined ? [] : [{ group: config.ingest.groupId, topic: topics.raw, partition: null, lag: Math.max(0, rawSent() - ingest.metrics().consumed) }]),
      { group: config.detector.groupId, topic: topics.events, partition: null, lag: Math.max(0, ingest.metrics().stored - detector.metrics().consumed) },
    ],
    close: async () => undefined,
  };
}

/**
 * Builds and starts the services of the all-in-one process, each registered
 * with the lifecycle as soon as it runs so a failure half-way still stops
 * what was started: store → migrations (the store's, the model registry's
 * and the API's) → reference data → bus → ingest → webhook feed
 * (WEBHOOK_URLS) → detector → trainer (in
 * the background, once the backfill is over) → API and dashboard
 * (listening). The services are the same code
 * the separate processes run; only the bus (in-process queue unless
 * KAFKA_BROKERS) and the store (chDB unless CLICKHOUSE_URL) vary.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const { config, logger, lifecycle } = options;
  const step = options.onStep ?? (() => undefined);

  const store = await openStore(config.store);
  lifecycle.add('store', () => store.close());
  // The registry's table: the in-process trainer writes it, the detector polls it.
  const migrated = await store.migrate(modelRegistryMigrations);
  // The API's tables too, before the detector starts: it reads suppressions from its first batch.
  const apiMigrated = await migrateApiTables(store, { retentionYears: config.store.retentionYears });
  logger.info({ migrated, apiMigrated }, 'store migrated');
  step(store.mode === 'embedded' ? `store: chDB in ${config.store.dataDir}` : `store: ClickHouse at ${config.store.url ?? ''}`);

  const reference = await options.reference();
  if (reference !== null) {
    await store.replaceReference(reference);
    logger.info({ staff: reference.staff.length, patients: reference.patients.length, vendors: reference.vendors.length, encounters: reference.encounters.length }, 'reference data loaded into the store');
  } else if (options.requireReference !== undefined) {
    const stored = await store.referenceSet();
    if (stored.staff.length === 0 && stored.patients.length === 0 && stored.encounters.length === 0) {
      throw new ConfigError(
        options.requireReference,
        `is needed: the data directory holds no reference data (staff, patients, encounters), and without it no access has a care relationship (give a directory of staff.csv, patients.csv, vendors.csv, encounters.csv)`,
      );
    }
  }

  const busConfig = config.detector.bus;
  const bus =
    config.busMode === 'kafka'
      ? createKafkaBus(busConfig, { logger: logger.child({ component: 'bus' }) })
      : createMemoryBus({ partitions: busConfig.partitions });
  lifecycle.add('bus', () => bus.close());
  await bus.ensureTopics(chartwatchTopics(busConfig));
  const producer = await bus.producer();
  step(config.busMode === 'kafka' ? `bus: Kafka at ${busConfig.brokers.join(',')}` : `bus: in-process queue, ${busConfig.partitions} partitions`);

  const ingest = createIngest({ config: config.ingest, store, bus, logger });
  await ingest.start();
  lifecycle.add('ingest', () => ingest.stop());

  // The API's metrics, shared with the webhook feed so GET /metrics shows its deliveries and failures.
  const apiMetrics = createApiMetrics();
  // The webhook feed joins its groups before the detector produces, so the in-process queue keeps every alert for it.
  let webhooks: WebhookFeed | null = null;
  if (config.api.webhooks !== null) {
    const feed = createIncidentFeed({
      webhooks: config.api.webhooks,
      bus,
      topic: busConfig.topics.alerts,
      metrics: apiMetrics,
      logger,
      store,
      // The in-process queue would hold a dead receiver's alerts in memory and then stall the detector's sends: there, give up and count.
      untilDelivered: bus.kind !== 'memory',
    });
    await feed.start();
    lifecycle.add('webhooks', () => feed.stop());
    webhooks = feed;
    step(`webhooks: ${config.api.webhooks.urls.length} receiver(s) fed from ${busConfig.topics.alerts}`);
  }

  // What each suppression hid (the suppressions page lists it): a suppressed alert is otherwise neither published nor stored.
  const hits = new SuppressionHitRecorder(store, { onError: (err) => logger.warn({ err }, 'recording suppressed alerts failed; retried with the next flush') });
  hits.start();
  lifecycle.add('suppression hits', () => hits.stop());

  const pinned = options.model !== undefined;
  const model = options.model ?? createModelSeam(null);
  const detector = createDetectorService({
    config: config.detector,
    store,
    bus,
    logger,
    // Suppressions triaged in the API silence the detector within DETECTOR_SUPPRESSION_REFRESH_MS.
    suppressions: async (at) => {
      const active = await activeSuppressions(store, at);
      return (alert) => {
        const by = matchingSuppressions(alert, active);
        if (by.length > 0) hits.record(by, alert);
        return by.length > 0;
      };
    },
    ...(pinned
      ? { scorers: model.scorers(new ReferenceIndex(reference ?? (await store.referenceSet())), config.timezone) }
      : {
          // The newest registered model at start (a restart keeps the last run's), then each one the trainer registers.
          model: {
            holder: model.holder,
            source: { latestVersion: () => latestModelVersion(store), modelJson: async (v: number) => (await modelByVersion(store, v))?.json ?? null },
          },
        }),
  });
  await detector.start();
  lifecycle.add('detector', () => detector.stop());
  step(`ingest and detector: ${busConfig.topics.raw} → ${busConfig.topics.events} → ${busConfig.topics.alerts}`);

  const trainer = pinned ? null : createTrainerService({ config: config.trainer, store, logger: logger.child({ component: 'trainer' }) });
  if (trainer !== null) {
    // In the background: training shares this thread, so it waits for the backfill rather than delay the first alerts.
    const abort = new AbortController();
    const scheduled = (options.trainAfter ?? whenIngestSettles(() => ingest.metrics().stored, { signal: abort.signal }))
      .then(async () => {
        if (abort.signal.aborted) return;
        // Trains at once when the registry has no model younger than TRAINER_INTERVAL; the detector picks it up within a minute.
        await trainer.start();
      })
      .catch((err: unknown) => logger.error({ err }, 'the trainer could not start; the detector keeps the model it has'));
    lifecycle.add('trainer', async () => {
      abort.abort();
      await scheduled;
      await trainer.stop();
    });
    step(`trainer: every ${Math.round(config.trainer.intervalMs / 3_600_000)} h on ${Math.round(config.trainer.historyMs / 86_400_000)} days of stored history, once the backfill is in`);
  }

  const consumerLag = stackLag(config, ingest, detector, options.rawSent);
  lifecycle.add('consumer lag', () => consumerLag.close());
  const api = await buildApi({ config: config.api, store, logger, migrate: false, metrics: apiMetrics, consumerLag });
  lifecycle.add('api', () => api.close());
  const url = await listenOnFreePort(api, config.api.host, config.api.port);
  logger.info({ url }, 'API and dashboard listening');

  return { store, bus, producer, rawTopic: busConfig.topics.raw, ingest, detector, api, model, trainer, webhooks, url };
}
