import { z } from 'zod';
import { parseDuration } from '@chartwatch/detect';
import { ConfigError } from '@chartwatch/errors';
import { blankAsUnset, envInt, envReader, logLevelSetting, timeZoneSetting, type Env, type LogLevel } from '@chartwatch/settings';
import type { PeerGrouping, WindowKind } from '@chartwatch/model';
import { DEFAULT_BUDGET_PER_1000, DEFAULT_FEATURE_OPTIONS, DEFAULT_MIN_GROUP_ROWS, DEFAULT_PEER_GROUPING, PEER_GROUPINGS, WINDOWS } from '@chartwatch/model';
import { storeConfigFromEnv } from '@chartwatch/store';
import type { ResolvedStoreConfig } from '@chartwatch/store';

export interface TrainerConfig {
  store: ResolvedStoreConfig;
  /** IANA zone of the hospital: local days and business hours. */
  timezone: string;
  /** Reference CSVs; null = the store's reference tables. */
  referenceDir: string | null;
  /** Length of history trained on: the whole local days before today. */
  historyMs: number;
  /** How often a new model is trained. */
  intervalMs: number;
  budgetPer1000: number;
  peerGrouping: PeerGrouping;
  window: WindowKind;
  noveltyDays: number;
  minGroupRows: number;
  seed: number;
  /** Leave out of training the actor-windows that raised an alert. */
  excludeAlerted: boolean;
  shutdownTimeoutMs: number;
  logLevel: LogLevel;
}

export const TRAINER_DEFAULTS = {
  timezone: 'UTC',
  history: '28d',
  interval: '24h',
  budgetPer1000: DEFAULT_BUDGET_PER_1000,
  peerGrouping: DEFAULT_PEER_GROUPING,
  window: DEFAULT_FEATURE_OPTIONS.window,
  noveltyDays: DEFAULT_FEATURE_OPTIONS.noveltyDays,
  minGroupRows: DEFAULT_MIN_GROUP_ROWS,
  seed: 1,
  excludeAlerted: true,
  shutdownTimeoutMs: 30_000,
  logLevel: 'info',
} as const;

const duration = (fallback: string, minMs: number) =>
  z.preprocess(
    blankAsUnset,
    z
      .string()
      .default(fallback)
      .transform((s, ctx) => {
        const ms = parseDuration(s);
        if (ms === null || ms < minMs) {
          ctx.addIssue({ code: 'custom', message: 'not a duration' });
          return z.NEVER;
        }
        return ms;
      }),
  );


const settings = {
  CHARTWATCH_TIMEZONE: timeZoneSetting(TRAINER_DEFAULTS.timezone),
  CHARTWATCH_REFERENCE_DIR: { schema: z.preprocess(blankAsUnset, z.string().optional()), expected: 'a directory path (unset = reference tables in ClickHouse)' },
  TRAINER_HISTORY: { schema: duration(TRAINER_DEFAULTS.history, 86_400_000), expected: 'a duration of at least 1d, like 28d' },
  TRAINER_INTERVAL: { schema: duration(TRAINER_DEFAULTS.interval, 60_000), expected: 'a duration of at least 1m, like 24h' },
  TRAINER_BUDGET_PER_1000: {
    schema: z.preprocess(blankAsUnset, z.coerce.number().min(0).max(1000).default(TRAINER_DEFAULTS.budgetPer1000)),
    expected: 'model alerts per 1,000 actor-days, a number from 0 to 1000',
  },
  TRAINER_PEER_GROUPS: { schema: z.preprocess(blankAsUnset, z.enum(PEER_GROUPINGS).default(TRAINER_DEFAULTS.peerGrouping)), expected: PEER_GROUPINGS.join(' or ') },
  TRAINER_WINDOW: { schema: z.preprocess(blankAsUnset, z.enum(WINDOWS).default(TRAINER_DEFAULTS.window)), expected: WINDOWS.join(' or ') },
  TRAINER_NOVELTY_DAYS: { schema: envInt(0, 366, TRAINER_DEFAULTS.noveltyDays), expected: 'a whole number of days from 0 to 366' },
  TRAINER_MIN_GROUP_ROWS: { schema: envInt(2, 1_000_000, TRAINER_DEFAULTS.minGroupRows), expected: 'a whole number from 2 to 1000000' },
  TRAINER_SEED: { schema: envInt(0, 2 ** 32 - 1, TRAINER_DEFAULTS.seed), expected: 'a whole number from 0 to 4294967295' },
  TRAINER_EXCLUDE_ALERTED: {
    schema: z.preprocess(blankAsUnset, z.enum(['true', 'false']).default('true').transform((v) => v === 'true')),
    expected: 'true or false',
  },
  TRAINER_SHUTDOWN_TIMEOUT_MS: { schema: envInt(100, 600_000, TRAINER_DEFAULTS.shutdownTimeoutMs), expected: 'milliseconds from 100 to 600000' },
  LOG_LEVEL: logLevelSetting(TRAINER_DEFAULTS.logLevel),
} as const;

const read = envReader(settings);

/** The trainer's whole configuration, read from the environment once; a bad value throws ConfigError naming the variable. */
export function trainerConfigFromEnv(env: Env): TrainerConfig {
  const config: TrainerConfig = {
    store: storeConfigFromEnv(env),
    timezone: read(env, 'CHARTWATCH_TIMEZONE'),
    referenceDir: read(env, 'CHARTWATCH_REFERENCE_DIR') ?? null,
    historyMs: read(env, 'TRAINER_HISTORY'),
    intervalMs: read(env, 'TRAINER_INTERVAL'),
    budgetPer1000: read(env, 'TRAINER_BUDGET_PER_1000'),
    peerGrouping: read(env, 'TRAINER_PEER_GROUPS'),
    window: read(env, 'TRAINER_WINDOW'),
    noveltyDays: read(env, 'TRAINER_NOVELTY_DAYS'),
    minGroupRows: read(env, 'TRAINER_MIN_GROUP_ROWS'),
    seed: read(env, 'TRAINER_SEED'),
    excludeAlerted: read(env, 'TRAINER_EXCLUDE_ALERTED'),
    shutdownTimeoutMs: read(env, 'TRAINER_SHUTDOWN_TIMEOUT_MS'),
    logLevel: read(env, 'LOG_LEVEL'),
  };
  if (config.historyMs <= config.noveltyDays * 86_400_000) {
    throw new ConfigError('TRAINER_HISTORY', `got ${env['TRAINER_HISTORY'] ?? TRAINER_DEFAULTS.history}, expected more than TRAINER_NOVELTY_DAYS (${config.noveltyDays} days): those first days only warm up the look-back`);
  }
  return config;
}
