import { describe, expect, it } from 'vitest';
import { ConfigError } from '@chartwatch/errors';
import { DETECTOR_DEFAULTS, detectorConfigFromEnv } from './config.ts';

const BASE = { KAFKA_BROKERS: 'localhost:9092' };

function errorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    detectorConfigFromEnv(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('detectorConfigFromEnv', () => {
  it('fills every default from an environment that names only the brokers', () => {
    const c = detectorConfigFromEnv(BASE);
    expect(c).toMatchObject({
      groupId: DETECTOR_DEFAULTS.groupId,
      rulesDir: 'rules',
      referenceDir: null,
      timezone: 'UTC',
      allowedLatenessMs: 300_000,
      warmupHorizonMs: null,
      batchSize: 512,
      logLevel: 'info',
    });
    expect(c.bus.topics).toMatchObject({ events: 'ehr.audit.events', alerts: 'ehr.alerts' });
    expect(c.store.database).toBe('chartwatch');
  });

  it('reads every setting, trimming blanks to their defaults', () => {
    const c = detectorConfigFromEnv({
      ...BASE,
      DETECTOR_GROUP_ID: 'det-2',
      CHARTWATCH_RULES_DIR: '/etc/chartwatch/rules',
      CHARTWATCH_REFERENCE_DIR: '/data/reference',
      CHARTWATCH_TIMEZONE: 'Europe/Berlin',
      DETECTOR_ALLOWED_LATENESS_MS: '60000',
      DETECTOR_WARMUP_HORIZON: '35d',
      DETECTOR_BATCH_SIZE: ' 100 ',
      DETECTOR_REFERENCE_REFRESH_MS: '',
      LOG_LEVEL: 'debug',
    });
    expect(c).toMatchObject({
      groupId: 'det-2',
      rulesDir: '/etc/chartwatch/rules',
      referenceDir: '/data/reference',
      timezone: 'Europe/Berlin',
      allowedLatenessMs: 60_000,
      warmupHorizonMs: 35 * 86_400_000,
      batchSize: 100,
      referenceRefreshMs: DETECTOR_DEFAULTS.referenceRefreshMs,
      logLevel: 'debug',
    });
  });

  it.each([
    ['DETECTOR_GROUP_ID', 'has space', '1-128 of letters'],
    ['CHARTWATCH_TIMEZONE', 'Mars/Olympus', 'IANA time zone'],
    ['DETECTOR_ALLOWED_LATENESS_MS', '-1', 'milliseconds'],
    ['DETECTOR_WARMUP_HORIZON', '30 days', 'duration like 30d'],
    ['DETECTOR_BATCH_SIZE', '1.5', 'whole number'],
    ['DETECTOR_RULES_DEBOUNCE_MS', 'soon', 'milliseconds'],
    ['LOG_LEVEL', 'loud', 'one of fatal'],
  ])('a bad %s stops the start naming the variable and the expected form', (name, value, expected) => {
    const err = errorOf({ ...BASE, [name]: value });
    expect(err.setting).toBe(name);
    expect(err.message).toContain(JSON.stringify(value));
    expect(err.message).toContain(expected);
  });

  it('names the variables of the packages it reads through', () => {
    expect(errorOf({}).setting).toBe('KAFKA_BROKERS');
    expect(errorOf({ ...BASE, CLICKHOUSE_DATABASE: 'drop table' }).setting).toBe('CLICKHOUSE_DATABASE');
    expect(detectorConfigFromEnv({}, { requireBrokers: false }).bus.brokers).toEqual([]);
  });

  it('refuses a retry ceiling below the first pause', () => {
    const err = errorOf({ ...BASE, DETECTOR_RETRY_INITIAL_MS: '500', DETECTOR_RETRY_MAX_MS: '100' });
    expect(err.setting).toBe('DETECTOR_RETRY_MAX_MS');
  });
});
