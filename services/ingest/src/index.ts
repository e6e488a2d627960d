export { createIngest } from './app.ts';
export type { Ingest, IngestDeps, IngestMetrics, IngestSettings, EventSink } from './app.ts';
export { ingestConfigFromEnv, INGEST_DEFAULTS } from './config.ts';
export type { IngestConfig } from './config.ts';
export { routeMessages, HEADERS } from './route-messages.ts';
export type { RoutedMessages, RouteOptions } from './route-messages.ts';
export { createIngestLogger } from './logger.ts';
export { sendDeadLetters, reduceDeadLetter, keptDeadLetter, REDUCED_HEADERS, DEAD_LETTER_PREFIX_BYTES } from './dead-letters.ts';
export type { DeadLetterSink, DeadLetterOutcome } from './dead-letters.ts';
