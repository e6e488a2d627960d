import { ConfigError } from '@chartwatch/errors';
import { kafkaSecurityFromEnv } from './security.ts';
import type { KafkaSecurity } from './security.ts';

export const KAFKA_CLIENTS = ['kafkajs', 'platformatic'] as const;
export type KafkaClientName = (typeof KAFKA_CLIENTS)[number];

export interface BusTopics {
  /** Raw audit messages as the sources send them (FHIR, CSV, JSON). */
  raw: string;
  /** Canonical AccessEvents, keyed by actor id. */
  events: string;
  /** Messages ingest could not parse: original bytes plus cw-dlq-* headers. */
  dlq: string;
  /** Alerts for incident response. */
  alerts: string;
}

export interface BusConfig {
  /** host:port of the bootstrap brokers; empty when Kafka is not used (embedded mode). */
  brokers: string[];
  clientId: string;
  /** Which Kafka client library talks to the brokers. */
  client: KafkaClientName;
  /** Partitions of topics chartwatch creates. */
  partitions: number;
  topics: BusTopics;
  /** TLS and SASL (KAFKA_TLS*, KAFKA_SASL*); absent: plaintext, no authentication. */
  security?: KafkaSecurity;
}

export const DEFAULT_TOPICS: BusTopics = {
  raw: 'ehr.audit.raw',
  events: 'ehr.audit.events',
  dlq: 'ehr.audit.dlq',
  alerts: 'ehr.alerts',
};

const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;
const BROKER = /^[A-Za-z0-9._-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/;

type Env = Record<string, string | undefined>;

function topic(env: Env, variable: string, fallback: string): string {
  const value = env[variable]?.trim() || fallback;
  if (!TOPIC_NAME.test(value) || value === '.' || value === '..') {
    throw new ConfigError(variable, `expected a Kafka topic name (1-249 of letters, digits, ".", "_", "-"), got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Reads the bus settings from the environment once, at the edge:
 *   KAFKA_BROKERS        comma list of host:port (required unless requireBrokers is false)
 *   KAFKA_CLIENT_ID      default "chartwatch"
 *   KAFKA_CLIENT         kafkajs | platformatic, default kafkajs
 *   KAFKA_PARTITIONS     partitions of created topics, default 6
 *   KAFKA_TOPIC_RAW / _EVENTS / _DLQ / _ALERTS   topic names
 *   KAFKA_TLS*, KAFKA_SASL*   transmission security (security.ts)
 */
export function busConfigFromEnv(env: Env, options: { requireBrokers?: boolean } = {}): BusConfig {
  const requireBrokers = options.requireBrokers ?? true;
  const rawBrokers = env['KAFKA_BROKERS']?.trim() ?? '';
  const brokers = rawBrokers === '' ? [] : rawBrokers.split(',').map((b) => b.trim());
  if (brokers.length === 0 && requireBrokers) {
    throw new ConfigError('KAFKA_BROKERS', 'required: a comma-separated list of host:port, e.g. "kafka-1:9092,kafka-2:9092"');
  }
  for (const broker of brokers) {
    const port = Number(broker.slice(broker.lastIndexOf(':') + 1));
    if (!BROKER.test(broker) || port < 1 || port > 65_535) {
      throw new ConfigError('KAFKA_BROKERS', `expected host:port entries separated by commas, got ${JSON.stringify(broker)} in ${JSON.stringify(rawBrokers)}`);
    }
  }

  const clientId = env['KAFKA_CLIENT_ID']?.trim() || 'chartwatch';
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(clientId)) {
    throw new ConfigError('KAFKA_CLIENT_ID', `expected 1-128 of letters, digits, ".", "_", "-", got ${JSON.stringify(clientId)}`);
  }

  const client = env['KAFKA_CLIENT']?.trim() || 'kafkajs';
  if (!(KAFKA_CLIENTS as readonly string[]).includes(client)) {
    throw new ConfigError('KAFKA_CLIENT', `expected one of ${KAFKA_CLIENTS.join(', ')}, got ${JSON.stringify(client)}`);
  }

  const rawPartitions = env['KAFKA_PARTITIONS']?.trim() || '6';
  const partitions = Number(rawPartitions);
  if (!/^\d+$/.test(rawPartitions) || partitions < 1 || partitions > 10_000) {
    throw new ConfigError('KAFKA_PARTITIONS', `expected an integer from 1 to 10000, got ${JSON.stringify(rawPartitions)}`);
  }

  return {
    brokers,
    clientId,
    client: client as KafkaClientName,
    partitions,
    security: kafkaSecurityFromEnv(env),
    topics: {
      raw: topic(env, 'KAFKA_TOPIC_RAW', DEFAULT_TOPICS.raw),
      events: topic(env, 'KAFKA_TOPIC_EVENTS', DEFAULT_TOPICS.events),
      dlq: topic(env, 'KAFKA_TOPIC_DLQ', DEFAULT_TOPICS.dlq),
      alerts: topic(env, 'KAFKA_TOPIC_ALERTS', DEFAULT_TOPICS.alerts),
    },
  };
}
