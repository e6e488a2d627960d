import { describe, expect, it } from 'vitest';
import { ConfigError } from '@chartwatch/errors';
import { ingestConfigFromEnv, INGEST_DEFAULTS } from './config.ts';

const base = { KAFKA_BROKERS: '127.0.0.1:9092' };

describe('ingestConfigFromEnv', () => {
  it('fills in the documented defaults', () => {
    const config = ingestConfigFromEnv(base);
    expect(config).toMatchObject({
      groupId: 'chartwatch-ingest',
      batchSize: 512,
      partitionsConcurrently: 6,
      maxInsertEvents: 8192,
      maxBatchDelayMs: 200,
      maxMessageBytes: 262_144,
      retryInitialMs: 200,
      retryMaxMs: 10_000,
      logLevel: 'info',
    });
    expect(config.shutdownTimeoutMs).toBe(INGEST_DEFAULTS.shutdownTimeoutMs);
    expect(config.bus.topics.raw).toBe('ehr.audit.raw');
    expect(config.store.database).toBe('chartwatch');
  });

  it('reads every setting', () => {
    const config = ingestConfigFromEnv({
      ...base,
      INGEST_GROUP_ID: 'ingest-b',
      INGEST_BATCH_SIZE: '100',
      INGEST_MAX_BATCH_DELAY_MS: '50',
      INGEST_MAX_MESSAGE_BYTES: '4096',
      INGEST_RETRY_INITIAL_MS: '10',
      INGEST_RETRY_MAX_MS: '20',
      INGEST_SHUTDOWN_TIMEOUT_MS: '1000',
      INGEST_SESSION_TIMEOUT_MS: '10000',
      INGEST_PARTITIONS_CONCURRENTLY: '6',
      INGEST_MAX_INSERT_EVENTS: '1000',
      LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({ groupId: 'ingest-b', batchSize: 100, maxBatchDelayMs: 50, maxMessageBytes: 4096, retryInitialMs: 10, retryMaxMs: 20, shutdownTimeoutMs: 1000, sessionTimeoutMs: 10_000, logLevel: 'warn' });
    expect(config).toMatchObject({ partitionsConcurrently: 6, maxInsertEvents: 1000 });
  });

  it('needs no brokers with requireBrokers: false (the embedded mode), and still checks them when given', () => {
    expect(ingestConfigFromEnv({}, { requireBrokers: false }).bus.brokers).toEqual([]);
    expect(ingestConfigFromEnv(base, { requireBrokers: false }).bus.brokers).toEqual(['127.0.0.1:9092']);
    expect(() => ingestConfigFromEnv({ KAFKA_BROKERS: 'nohost' }, { requireBrokers: false })).toThrow(/KAFKA_BROKERS/);
  });

  it.each([
    [{}, 'KAFKA_BROKERS'],
    [{ ...base, INGEST_BATCH_SIZE: '0' }, 'INGEST_BATCH_SIZE'],
    [{ ...base, INGEST_BATCH_SIZE: 'many' }, 'INGEST_BATCH_SIZE'],
    [{ ...base, INGEST_MAX_BATCH_DELAY_MS: '-1' }, 'INGEST_MAX_BATCH_DELAY_MS'],
    [{ ...base, INGEST_MAX_MESSAGE_BYTES: '1.5' }, 'INGEST_MAX_MESSAGE_BYTES'],
    [{ ...base, INGEST_GROUP_ID: 'a group' }, 'INGEST_GROUP_ID'],
    [{ ...base, INGEST_RETRY_INITIAL_MS: '500', INGEST_RETRY_MAX_MS: '100' }, 'INGEST_RETRY_MAX_MS'],
    [{ ...base, LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ ...base, INGEST_PARTITIONS_CONCURRENTLY: '0' }, 'INGEST_PARTITIONS_CONCURRENTLY'],
    [{ ...base, INGEST_SESSION_TIMEOUT_MS: '1000' }, 'INGEST_SESSION_TIMEOUT_MS'],
    [{ ...base, CLICKHOUSE_URL: 'ftp://x' }, 'CLICKHOUSE_URL'],
  ])('stops on a bad setting and names it: %j', (env, variable) => {
    try {
      ingestConfigFromEnv(env);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).setting).toBe(variable);
    }
  });
});
