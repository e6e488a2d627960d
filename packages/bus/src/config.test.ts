import { describe, expect, it } from 'vitest';
import { ConfigError } from '@chartwatch/errors';
import { busConfigFromEnv } from './config.ts';

describe('busConfigFromEnv', () => {
  it('defaults everything but the brokers', () => {
    expect(busConfigFromEnv({ KAFKA_BROKERS: 'k1:9092, k2:9093' })).toEqual({
      brokers: ['k1:9092', 'k2:9093'],
      clientId: 'chartwatch',
      client: 'kafkajs',
      partitions: 6,
      security: { tls: null, sasl: null },
      topics: { raw: 'ehr.audit.raw', events: 'ehr.audit.events', dlq: 'ehr.audit.dlq', alerts: 'ehr.alerts' },
    });
  });

  it('requires KAFKA_BROKERS unless told otherwise', () => {
    expect(() => busConfigFromEnv({})).toThrow(ConfigError);
    expect(() => busConfigFromEnv({})).toThrow(/KAFKA_BROKERS: required/);
    expect(busConfigFromEnv({}, { requireBrokers: false }).brokers).toEqual([]);
  });

  it.each([
    [{ KAFKA_BROKERS: 'k1' }, 'KAFKA_BROKERS'],
    [{ KAFKA_BROKERS: 'k1:99999' }, 'KAFKA_BROKERS'],
    [{ KAFKA_BROKERS: 'k1:9092,' }, 'KAFKA_BROKERS'],
    [{ KAFKA_BROKERS: 'k1:9092', KAFKA_PARTITIONS: '0' }, 'KAFKA_PARTITIONS'],
    [{ KAFKA_BROKERS: 'k1:9092', KAFKA_PARTITIONS: '2.5' }, 'KAFKA_PARTITIONS'],
    [{ KAFKA_BROKERS: 'k1:9092', KAFKA_CLIENT: 'rdkafka' }, 'KAFKA_CLIENT'],
    [{ KAFKA_BROKERS: 'k1:9092', KAFKA_TOPIC_DLQ: 'bad topic' }, 'KAFKA_TOPIC_DLQ'],
    [{ KAFKA_BROKERS: 'k1:9092', KAFKA_CLIENT_ID: 'a b' }, 'KAFKA_CLIENT_ID'],
  ])('names the variable at fault: %j', (env, variable) => {
    try {
      busConfigFromEnv(env);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).setting).toBe(variable);
      expect((err as Error).message).toContain(variable);
    }
  });

  it('reads topic names, client and partitions', () => {
    const config = busConfigFromEnv({ KAFKA_BROKERS: '[::1]:9092', KAFKA_CLIENT: 'platformatic', KAFKA_PARTITIONS: '12', KAFKA_TOPIC_RAW: 'raw.v2' });
    expect(config.client).toBe('platformatic');
    expect(config.partitions).toBe(12);
    expect(config.topics.raw).toBe('raw.v2');
  });
});
