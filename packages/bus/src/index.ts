export type {
  Bus,
  BusKind,
  BusConsumer,
  BusProducer,
  BusLogger,
  BatchControl,
  BatchHandler,
  ConsumedBatch,
  ConsumedMessage,
  ConsumerOptions,
  MessageHeaders,
  OutgoingMessage,
  PartitionOffsets,
  TopicSpec,
} from './types.ts';
export { busConfigFromEnv, DEFAULT_TOPICS, KAFKA_CLIENTS } from './config.ts';
export type { BusConfig, BusTopics, KafkaClientName } from './config.ts';
export { createKafkaBus, chartwatchTopics } from './create-bus.ts';
export { kafkaSecurityFromEnv, kafkajsSecurity, platformaticSecurity, describeKafkaSecurity, tlsConnectionOptions, PLAINTEXT, SASL_MECHANISMS } from './security.ts';
export type { KafkaSecurity, KafkaTls, KafkaSasl, SaslMechanism } from './security.ts';
export { createKafkajsBus, dropKafkajsTimeoutWarnings } from './kafkajs-bus.ts';
export type { KafkaBusOptions } from './kafkajs-bus.ts';
export { createPlatformaticBus } from './platformatic-bus.ts';
export { createMemoryBus } from './memory-bus.ts';
export type { MemoryBusOptions } from './memory-bus.ts';
export { partitionForKey, murmur2 } from './partitioner.ts';
export { chunkByBytes, DEFAULT_MAX_REQUEST_BYTES } from './send-chunks.ts';
export { retryWithBackoff } from './retry-with-backoff.ts';
