// Types for scripts/kafka-broker.mjs, so the TypeScript global setup and
// benchmark can import it under strict settings.

export declare const KAFKA_VERSION: string;

export interface KafkaBrokerHandle {
  /** `127.0.0.1:<port>`: what KAFKA_BROKERS should hold. */
  brokers: string;
  host: string;
  port: number;
  controllerPort: number;
  pid: number;
  watchdogPid: number | undefined;
  dir: string;
  logFile: string;
  /** With `secure: true`: the SASL_SSL listener (TLS with a self-signed certificate, SCRAM-SHA-512). */
  secure: KafkaSecureListener | null;
  stop(): Promise<void>;
}

export interface KafkaSecureListener {
  brokers: string;
  /** PEM of the broker's self-signed certificate: the clients' CA file. */
  caFile: string;
  username: string;
  password: string;
}

export interface StartKafkaBrokerOptions {
  cacheDir?: string;
  /** Stop the broker once this process is gone. */
  ownerPid?: number;
  heap?: string;
  startTimeoutMs?: number;
  log?: (line: string) => void;
  /** Add a SASL_SSL listener (certificate from keytool, a SCRAM-SHA-512 user). */
  secure?: boolean;
}

export declare function kafkaCacheDir(env?: Record<string, string | undefined>): string;
export declare function ensureKafkaJars(options?: { cacheDir?: string; log?: (line: string) => void }): string;
export declare function freePort(): Promise<number>;
export declare function probeKafka(host: string, port: number, timeoutMs?: number): Promise<number>;
export declare function waitForKafka(
  host: string,
  port: number,
  options?: { timeoutMs?: number; isAlive?: () => boolean; describeFailure?: () => string },
): Promise<void>;
export declare function startKafkaBroker(options?: StartKafkaBrokerOptions): Promise<KafkaBrokerHandle>;
export declare function stopKafkaBroker(options: { pid: number; dir: string; graceMs?: number }): Promise<void>;
