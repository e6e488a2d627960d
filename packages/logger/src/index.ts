import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';

export type { Logger } from 'pino';
export { drainOnSignals } from './drain-on-signals.ts';
export type { DrainOptions, SignalTarget } from './drain-on-signals.ts';

/**
 * Paths that may hold patient identifiers or names. Redaction lives in the
 * logger's configuration so no call site can forget it (minimum PHI).
 */
export const REDACTED_PATHS = [
  'patientId',
  'patientIds',
  '*.patientId',
  '*.patientIds',
  '*.*.patientId',
  '*.*.patientIds',
  'givenName',
  'familyName',
  'address',
  '*.givenName',
  '*.familyName',
  '*.address',
  'birthDate',
  '*.birthDate',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
];

export interface LoggerConfig {
  level?: string;
  name?: string;
}

/** One logger per process; components take `logger.child({ component })`. */
export function createLogger(config: LoggerConfig = {}, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: config.level ?? 'info',
    name: config.name ?? 'chartwatch',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
  };
  return destination ? pino(options, destination) : pino(options);
}
