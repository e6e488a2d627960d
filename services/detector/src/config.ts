import { z } from 'zod';
import { busConfigFromEnv } from '@chartwatch/bus';
import type { BusConfig } from '@chartwatch/bus';
import { parseDuration } from '@chartwatch/detect';
import { ConfigError } from '@chartwatch/errors';
import { blankAsUnset, envInt, envReader, logLevelSetting, timeZoneSetting, type Env, type LogLevel } from '@chartwatch/settings';
import { storeConfigFromEnv } from '@chartwatch/store';
import type { ResolvedStoreConfig } from '@chartwatch/store';

export interface DetectorConfig {
  bus: BusConfig;
  store: ResolvedStoreConfig;
  /** Kafka consumer group of the detector instances: partitions (and their window state) are spread over its members. */
  groupId: string;
  /** Directory of rules/*.yaml, watched for changes. */
  rulesDir: string;
  /** Reference CSVs (staff, patients, vendors, encounters); null = the store's reference tables. */
  referenceDir: string | null;
  /** How often reference data is reloaded. */
  referenceRefreshMs: number;
  /** How often active suppressions are reloaded. */
  suppressionRefreshMs: number;
  /** Quiet time after a change in the rules directory before the pack is re-read. */
  rulesDebounceMs: number;
  /** IANA zone of business hours and day boundaries. */
  timezone: string;
  /** How far behind the newest event an event may arrive and still count. */
  allowedLatenessMs: number;
  /** Event history read to rebuild a partition; null = derived from the rules. */
  warmupHorizonMs: number | null;
  /** How far behind the newest event time held events wait without a caught-up signal; null = 6 h. */
  reorderHoldMs: number | null;
  /** An event dated further than this ahead of the wall clock moves no watermark and waits for its time. */
  maxFutureMs: number;
  /** Bound on the events held for event-time ordering. */
  reorderMaxEvents: number;
  /** The consumer group of ingest, whose position on the raw topic says whether the pipeline caught up. */
  upstreamGroupId: string;
  /** Messages judged, published and committed together. */
  batchSize: number;
  maxBatchDelayMs: number;
  /** Alert ids each partition remembers having published. */
  recentAlertIds: number;
  /** Cap on event ids each partition remembers ahead of its watermark (repeat guard). */
  seenEventIds: number;
  retryInitialMs: number;
  retryMaxMs: number;
  shutdownTimeoutMs: number;
  logLevel: LogLevel;
}

export const DETECTOR_DEFAULTS = {
  groupId: 'chartwatch-detector',
  rulesDir: 'rules',
  referenceRefreshMs: 300_000,
  suppressionRefreshMs: 30_000,
  rulesDebounceMs: 500,
  timezone: 'UTC',
  allowedLatenessMs: 300_000,
  maxFutureMs: 900_000,
  reorderMaxEvents: 500_000,
  upstreamGroupId: 'chartwatch-ingest',
  batchSize: 512,
  maxBatchDelayMs: 200,
  recentAlertIds: 10_000,
  seenEventIds: 200_000,
  retryInitialMs: 200,
  retryMaxMs: 10_000,
  shutdownTimeoutMs: 15_000,
  logLevel: 'info',
} as const;



const settings = {
  DETECTOR_GROUP_ID: {
    schema: z.preprocess(blankAsUnset, z.string().regex(/^[A-Za-z0-9._-]{1,128}$/).default(DETECTOR_DEFAULTS.groupId)),
    expected: '1-128 of letters, digits, ".", "_", "-"',
  },
  CHARTWATCH_RULES_DIR: { schema: z.preprocess(blankAsUnset, z.string().default(DETECTOR_DEFAULTS.rulesDir)), expected: 'a directory path' },
  CHARTWATCH_REFERENCE_DIR: { schema: z.preprocess(blankAsUnset, z.string().optional()), expected: 'a directory path (unset = reference tables in ClickHouse)' },
  CHARTWATCH_TIMEZONE: timeZoneSetting(DETECTOR_DEFAULTS.timezone),
  DETECTOR_REFERENCE_REFRESH_MS: { schema: envInt(1_000, 86_400_000, DETECTOR_DEFAULTS.referenceRefreshMs), expected: 'milliseconds from 1000 to 86400000' },
  DETECTOR_SUPPRESSION_REFRESH_MS: { schema: envInt(1_000, 86_400_000, DETECTOR_DEFAULTS.suppressionRefreshMs), expected: 'milliseconds from 1000 to 86400000' },
  DETECTOR_RULES_DEBOUNCE_MS: { schema: envInt(0, 60_000, DETECTOR_DEFAULTS.rulesDebounceMs), expected: 'milliseconds from 0 to 60000' },
  DETECTOR_ALLOWED_LATENESS_MS: { schema: envInt(0, 7 * 86_400_000, DETECTOR_DEFAULTS.allowedLatenessMs), expected: 'milliseconds from 0 to 604800000 (7 days)' },
  DETECTOR_WARMUP_HORIZON: {
    schema: z.preprocess(
      blankAsUnset,
      z
        .string()
        .transform((s, ctx) => {
          const ms = parseDuration(s);
          if (ms === null || ms === 0) {
            ctx.addIssue({ code: 'custom', message: 'not a duration' });
            return z.NEVER;
          }
          return ms;
        })
        .optional(),
    ),
    expected: 'a duration like 30d or 12h (unset = derived from the rules: longest window, baseline history and care memory)',
  },
  DETECTOR_REORDER_HOLD_MS: {
    schema: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(30 * 86_400_000).optional()),
    expected: 'milliseconds from 0 to 2592000000 (30 days); unset = 21600000 (6 h)',
  },
  DETECTOR_MAX_FUTURE_MS: { schema: envInt(0, 7 * 86_400_000, DETECTOR_DEFAULTS.maxFutureMs), expected: 'milliseconds from 0 to 604800000 (7 days)' },
  DETECTOR_REORDER_MAX_EVENTS: { schema: envInt(1_000, 100_000_000, DETECTOR_DEFAULTS.reorderMaxEvents), expected: 'a whole number of events from 1000 to 100000000' },
  INGEST_GROUP_ID: {
    schema: z.preprocess(blankAsUnset, z.string().regex(/^[A-Za-z0-9._-]{1,128}$/).default(DETECTOR_DEFAULTS.upstreamGroupId)),
    expected: '1-128 of letters, digits, ".", "_", "-" (the ingest group whose raw-topic position the detector waits for)',
  },
  DETECTOR_BATCH_SIZE: { schema: envInt(1, 50_000, DETECTOR_DEFAULTS.batchSize), expected: 'a whole number of messages from 1 to 50000' },
  DETECTOR_MAX_BATCH_DELAY_MS: { schema: envInt(1, 60_000, DETECTOR_DEFAULTS.maxBatchDelayMs), expected: 'milliseconds from 1 to 60000' },
  DETECTOR_RECENT_ALERT_IDS: { schema: envInt(1, 10_000_000, DETECTOR_DEFAULTS.recentAlertIds), expected: 'a whole number from 1 to 10000000' },
  DETECTOR_SEEN_EVENT_IDS: { schema: envInt(1, 100_000_000, DETECTOR_DEFAULTS.seenEventIds), expected: 'a whole number from 1 to 100000000' },
  DETECTOR_RETRY_INITIAL_MS: { schema: envInt(1, 60_000, DETECTOR_DEFAULTS.retryInitialMs), expected: 'milliseconds from 1 to 60000' },
  DETECTOR_RETRY_MAX_MS: { schema: envInt(1, 600_000, DETECTOR_DEFAULTS.retryMaxMs), expected: 'milliseconds from 1 to 600000' },
  DETECTOR_SHUTDOWN_TIMEOUT_MS: { schema: envInt(100, 600_000, DETECTOR_DEFAULTS.shutdownTimeoutMs), expected: 'milliseconds from 100 to 600000' },
  LOG_LEVEL: logLevelSetting(DETECTOR_DEFAULTS.logLevel),
} as const;

const read = envReader(settings);

/**
 * The detector service's whole configuration, read from the environment
 * once. Kafka (KAFKA_*) and ClickHouse (CLICKHOUSE_*, CHARTWATCH_DATA_DIR)
 * settings are read by their packages; a bad value throws ConfigError naming
 * the variable and the expected form. `requireBrokers: false` is for the
 * embedded mode, where the in-process queue stands in for Kafka.
 */
export function detectorConfigFromEnv(env: Env, options: { requireBrokers?: boolean } = {}): DetectorConfig {
  const config: DetectorConfig = {
    bus: busConfigFromEnv(env, options),
    store: storeConfigFromEnv(env),
    groupId: read(env, 'DETECTOR_GROUP_ID'),
    rulesDir: read(env, 'CHARTWATCH_RULES_DIR'),
    referenceDir: read(env, 'CHARTWATCH_REFERENCE_DIR') ?? null,
    referenceRefreshMs: read(env, 'DETECTOR_REFERENCE_REFRESH_MS'),
    suppressionRefreshMs: read(env, 'DETECTOR_SUPPRESSION_REFRESH_MS'),
    rulesDebounceMs: read(env, 'DETECTOR_RULES_DEBOUNCE_MS'),
    timezone: read(env, 'CHARTWATCH_TIMEZONE'),
    allowedLatenessMs: read(env, 'DETECTOR_ALLOWED_LATENESS_MS'),
    warmupHorizonMs: read(env, 'DETECTOR_WARMUP_HORIZON') ?? null,
    reorderHoldMs: read(env, 'DETECTOR_REORDER_HOLD_MS') ?? null,
    maxFutureMs: read(env, 'DETECTOR_MAX_FUTURE_MS'),
    reorderMaxEvents: read(env, 'DETECTOR_REORDER_MAX_EVENTS'),
    upstreamGroupId: read(env, 'INGEST_GROUP_ID'),
    batchSize: read(env, 'DETECTOR_BATCH_SIZE'),
    maxBatchDelayMs: read(env, 'DETECTOR_MAX_BATCH_DELAY_MS'),
    recentAlertIds: read(env, 'DETECTOR_RECENT_ALERT_IDS'),
    seenEventIds: read(env, 'DETECTOR_SEEN_EVENT_IDS'),
    retryInitialMs: read(env, 'DETECTOR_RETRY_INITIAL_MS'),
    retryMaxMs: read(env, 'DETECTOR_RETRY_MAX_MS'),
    shutdownTimeoutMs: read(env, 'DETECTOR_SHUTDOWN_TIMEOUT_MS'),
    logLevel: read(env, 'LOG_LEVEL'),
  };
  if (config.retryMaxMs < config.retryInitialMs) {
    throw new ConfigError('DETECTOR_RETRY_MAX_MS', `got ${config.retryMaxMs}, expected at least DETECTOR_RETRY_INITIAL_MS (${config.retryInitialMs})`);
  }
  return config;
}
