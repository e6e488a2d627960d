import { ConfigError } from '@chartwatch/errors';
import type { BusConfig } from './config.ts';
import { createKafkajsBus } from './kafkajs-bus.ts';
import { createPlatformaticBus } from './platformatic-bus.ts';
import type { Bus, BusLogger } from './types.ts';

/** The Kafka bus the configuration names (kafkajs unless KAFKA_CLIENT=platformatic). */
export function createKafkaBus(config: BusConfig, options: { logger?: BusLogger; maxRequestBytes?: number } = {}): Bus {
  if (config.brokers.length === 0) {
    throw new ConfigError('KAFKA_BROKERS', 'required to use Kafka: a comma-separated list of host:port');
  }
  const busOptions = { brokers: config.brokers, clientId: config.clientId, ...(config.security ? { security: config.security } : {}), ...options };
  return config.client === 'platformatic' ? createPlatformaticBus(busOptions) : createKafkajsBus(busOptions);
}

/** Every topic chartwatch uses, with the configured partition count. */
export function chartwatchTopics(config: BusConfig): { name: string; partitions: number }[] {
  const { raw, events, dlq, alerts } = config.topics;
  return [raw, events, dlq, alerts].map((name) => ({ name, partitions: config.partitions }));
}
