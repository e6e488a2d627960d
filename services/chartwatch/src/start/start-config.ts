import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { ApiConfig } from '@chartwatch/api';
import { apiConfigFromEnv } from '@chartwatch/api';
import type { DetectorConfig } from '@chartwatch/detector';
import { detectorConfigFromEnv } from '@chartwatch/detector';
import { ConfigError } from '@chartwatch/errors';
import type { IngestConfig } from '@chartwatch/ingest';
import { ingestConfigFromEnv } from '@chartwatch/ingest';
import type { ResolvedStoreConfig } from '@chartwatch/store';
import type { TrainerConfig } from '@chartwatch/trainer';
import { trainerConfigFromEnv } from '@chartwatch/trainer';
import { START_DEFAULTS } from './flags.ts';
import type { StartFlags } from './flags.ts';

/**
 * Everything `chartwatch start` reads from the environment, read once and
 * checked here: the services' own settings (KAFKA_*, CLICKHOUSE_*, INGEST_*,
 * DETECTOR_*, API_*) by their own config readers, so the all-in-one process
 * accepts exactly what the separate services accept, and the few settings
 * of its own. A bad value throws ConfigError naming the variable.
 */
export interface StartConfig {
  /** Root of what start writes: the log, the simulation's state, chDB data (embedded). */
  dataDir: string;
  logFile: string;
  /** Where the simulation's seed, size and window are kept, so a restart resumes the same hospital. */
  simulationFile: string;
  store: ResolvedStoreConfig;
  /** ingest's settings; `bus.brokers` is empty in embedded mode. */
  ingest: IngestConfig;
  detector: DetectorConfig;
  api: ApiConfig;
  /** The in-process trainer's settings (TRAINER_*), as the trainer service reads them. */
  trainer: TrainerConfig;
  /** Kafka when brokers are configured, else the in-process queue. */
  busMode: 'kafka' | 'memory';
  timezone: string;
  logLevel: DetectorConfig['logLevel'];
  /** Deadline for stopping everything on SIGINT/SIGTERM. */
  shutdownTimeoutMs: number;
}

type Env = Record<string, string | undefined>;

const ownSettings = z.object({
  CHARTWATCH_SHUTDOWN_TIMEOUT_MS: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce.number().int().min(1_000).max(600_000).default(20_000),
  ),
});

export function startConfigFromEnv(env: Env, flags: Pick<StartFlags, 'dataDir' | 'port'>): StartConfig {
  // --data-dir wins; else the parent of CHARTWATCH_DATA_DIR (the chDB directory), else .data.
  const envChdb = env['CHARTWATCH_DATA_DIR']?.trim();
  const dataDir = flags.dataDir ?? (envChdb ? dirname(resolve(envChdb)) : resolve(START_DEFAULTS.dataDir));
  const chdbDir = flags.dataDir !== null || !envChdb ? join(dataDir, 'clickhouse') : resolve(envChdb);
  const effective: Env = { ...env, CHARTWATCH_DATA_DIR: chdbDir };
  if (flags.port !== null) effective['API_PORT'] = String(flags.port);
  else if (!env['API_PORT']?.trim()) effective['API_PORT'] = String(START_DEFAULTS.port);

  const detector = detectorConfigFromEnv(effective, { requireBrokers: false });
  const own = ownSettings.safeParse({ CHARTWATCH_SHUTDOWN_TIMEOUT_MS: env['CHARTWATCH_SHUTDOWN_TIMEOUT_MS'] });
  if (!own.success) {
    throw new ConfigError('CHARTWATCH_SHUTDOWN_TIMEOUT_MS', `got ${JSON.stringify(env['CHARTWATCH_SHUTDOWN_TIMEOUT_MS'])}, expected milliseconds from 1000 to 600000`);
  }
  return {
    dataDir,
    logFile: join(dataDir, 'chartwatch.log'),
    simulationFile: join(dataDir, 'simulation.json'),
    store: detector.store,
    ingest: ingestConfigFromEnv(effective, { requireBrokers: false }),
    detector,
    // Embedded: the webhook feed reads the alerts topic from whichever bus start runs, so WEBHOOK_URLS needs no brokers.
    api: apiConfigFromEnv(effective, { embedded: true }),
    trainer: trainerConfigFromEnv(effective),
    busMode: detector.bus.brokers.length > 0 ? 'kafka' : 'memory',
    timezone: detector.timezone,
    logLevel: detector.logLevel,
    shutdownTimeoutMs: own.data.CHARTWATCH_SHUTDOWN_TIMEOUT_MS,
  };
}
