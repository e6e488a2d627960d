import { z } from 'zod';
import { busConfigFromEnv, type BusConfig } from '@chartwatch/bus';
import { ConfigError } from '@chartwatch/errors';
import { blankAsUnset, envInt, envReader, logLevelSetting, type LogLevel } from '@chartwatch/settings';
import { storeConfigFromEnv, type ResolvedStoreConfig } from '@chartwatch/store';

export interface IngestConfig {
  bus: BusConfig;
  store: ResolvedStoreConfig;
  /** Kafka consumer group of the ingest instances. */
  groupId: string;
  /** Messages per sub-batch: decoded, stored, produced and committed together. */
  batchSize: number;
  /** Partitions worked on at once; their store writes merge into one insert. */
  partitionsConcurrently: number;
  /** Upper bound on the events of one merged insert. */
  maxInsertEvents: number;
  /** Longest a fetch waits for more messages before ingest works on what it has. */
  maxBatchDelayMs: number;
  /** A message larger than this goes to the dead-letter topic unparsed. */
  maxMessageBytes: number;
  /** An event dated further than this ahead of the wall clock is implausible: dead-lettered, field `time`. */
  maxFutureMs: number;
  /** Backoff while ClickHouse or Kafka refuse a write: first pause, and the ceiling it doubles up to. */
  retryInitialMs: number;
  retryMaxMs: number;
  /** A consumer silent this long is dropped from the group and its partitions handed to others. */
  sessionTimeoutMs: number;
  /** How long a SIGTERM may take to drain before the process exits anyway. */
  shutdownTimeoutMs: number;
  logLevel: LogLevel;
}

export const INGEST_DEFAULTS = {
  groupId: 'chartwatch-ingest',
  batchSize: 512,
  partitionsConcurrently: 6,
  maxInsertEvents: 8_192,
  maxBatchDelayMs: 200,
  maxMessageBytes: 256 * 1024,
  maxFutureMs: 86_400_000,
  retryInitialMs: 200,
  retryMaxMs: 10_000,
  sessionTimeoutMs: 30_000,
  shutdownTimeoutMs: 15_000,
  logLevel: 'info',
} as const;


const settings = {
  INGEST_GROUP_ID: {
    schema: z.preprocess(blankAsUnset, z.string().regex(/^[A-Za-z0-9._-]{1,128}$/).default(INGEST_DEFAULTS.groupId)),
    expected: '1-128 of letters, digits, ".", "_", "-"',
  },
  INGEST_BATCH_SIZE: { schema: envInt(1, 50_000, INGEST_DEFAULTS.batchSize), expected: 'a whole number of messages from 1 to 50000' },
  INGEST_PARTITIONS_CONCURRENTLY: { schema: envInt(1, 256, INGEST_DEFAULTS.partitionsConcurrently), expected: 'a whole number from 1 to 256' },
  INGEST_MAX_INSERT_EVENTS: { schema: envInt(1, 1_000_000, INGEST_DEFAULTS.maxInsertEvents), expected: 'a whole number of events from 1 to 1000000' },
  INGEST_MAX_BATCH_DELAY_MS: { schema: envInt(1, 60_000, INGEST_DEFAULTS.maxBatchDelayMs), expected: 'milliseconds from 1 to 60000' },
  INGEST_MAX_MESSAGE_BYTES: {
    schema: envInt(1_024, 64 * 1024 * 1024, INGEST_DEFAULTS.maxMessageBytes),
    expected: 'bytes from 1024 to 67108864',
  },
  INGEST_MAX_FUTURE_MS: {
    schema: envInt(60_000, 366 * 86_400_000, INGEST_DEFAULTS.maxFutureMs),
    expected: 'milliseconds from 60000 (a minute) to 31622400000 (366 days)',
  },
  INGEST_RETRY_INITIAL_MS: { schema: envInt(1, 60_000, INGEST_DEFAULTS.retryInitialMs), expected: 'milliseconds from 1 to 60000' },
  INGEST_RETRY_MAX_MS: { schema: envInt(1, 600_000, INGEST_DEFAULTS.retryMaxMs), expected: 'milliseconds from 1 to 600000' },
  INGEST_SESSION_TIMEOUT_MS: {
    schema: envInt(6_000, 300_000, INGEST_DEFAULTS.sessionTimeoutMs),
    expected: 'milliseconds from 6000 to 300000 (within the broker\'s group.min/max.session.timeout.ms)',
  },
  INGEST_SHUTDOWN_TIMEOUT_MS: { schema: envInt(100, 600_000, INGEST_DEFAULTS.shutdownTimeoutMs), expected: 'milliseconds from 100 to 600000' },
  LOG_LEVEL: logLevelSetting(INGEST_DEFAULTS.logLevel),
} as const;

const read = envReader(settings);

/**
 * The ingest service's whole configuration, read from the environment once.
 * Kafka (KAFKA_*) and ClickHouse (CLICKHOUSE_*, CHARTWATCH_DATA_DIR) settings
 * are read by their packages; a bad value throws ConfigError naming the
 * variable and the expected form. `requireBrokers: false` is for the
 * embedded mode, where the in-process queue stands in for Kafka.
 */
export function ingestConfigFromEnv(env: Record<string, string | undefined>, options: { requireBrokers?: boolean } = {}): IngestConfig {
  const config: IngestConfig = {
    bus: busConfigFromEnv(env, options),
    store: storeConfigFromEnv(env),
    groupId: read(env, 'INGEST_GROUP_ID'),
    batchSize: read(env, 'INGEST_BATCH_SIZE'),
    partitionsConcurrently: read(env, 'INGEST_PARTITIONS_CONCURRENTLY'),
    maxInsertEvents: read(env, 'INGEST_MAX_INSERT_EVENTS'),
    maxBatchDelayMs: read(env, 'INGEST_MAX_BATCH_DELAY_MS'),
    maxMessageBytes: read(env, 'INGEST_MAX_MESSAGE_BYTES'),
    maxFutureMs: read(env, 'INGEST_MAX_FUTURE_MS'),
    retryInitialMs: read(env, 'INGEST_RETRY_INITIAL_MS'),
    retryMaxMs: read(env, 'INGEST_RETRY_MAX_MS'),
    sessionTimeoutMs: read(env, 'INGEST_SESSION_TIMEOUT_MS'),
    shutdownTimeoutMs: read(env, 'INGEST_SHUTDOWN_TIMEOUT_MS'),
    logLevel: read(env, 'LOG_LEVEL'),
  };
  if (config.retryMaxMs < config.retryInitialMs) {
    throw new ConfigError('INGEST_RETRY_MAX_MS', `got ${config.retryMaxMs}, expected at least INGEST_RETRY_INITIAL_MS (${config.retryInitialMs})`);
  }
  return config;
}
