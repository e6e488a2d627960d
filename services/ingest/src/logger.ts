import { createLogger, type Logger } from '@chartwatch/logger';

/**
 * The ingest process's logger: chartwatch's pino logger (patient ids and
 * names redacted by its configuration), named for this service. Components
 * log through `logger.child({ component })`.
 */
export function createIngestLogger(level: string = 'info'): Logger {
  return createLogger({ level, name: 'chartwatch-ingest' });
}
