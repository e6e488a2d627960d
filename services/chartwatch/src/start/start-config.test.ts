import { describe, expect, it } from 'vitest';
import { startConfigFromEnv } from './start-config.ts';

describe('startConfigFromEnv', () => {
  it('embedded: ingest and the detector share one brokerless bus config, the in-process queue', () => {
    const config = startConfigFromEnv({}, { dataDir: '/srv/cw', port: null });
    expect(config.busMode).toBe('memory');
    expect(config.ingest.bus.brokers).toEqual([]);
    expect(config.ingest.bus).toEqual(config.detector.bus);
  });

  it('with KAFKA_BROKERS: both read the brokers; the trainer reads TRAINER_*', () => {
    const config = startConfigFromEnv({ KAFKA_BROKERS: 'k1:9092', TRAINER_INTERVAL: '6h' }, { dataDir: '/srv/cw', port: null });
    expect(config.busMode).toBe('kafka');
    expect(config.ingest.bus.brokers).toEqual(['k1:9092']);
    expect(config.trainer.intervalMs).toBe(6 * 3_600_000);
    expect(() => startConfigFromEnv({ TRAINER_INTERVAL: 'often' }, { dataDir: '/srv/cw', port: null })).toThrow(/TRAINER_INTERVAL/);
  });
});
