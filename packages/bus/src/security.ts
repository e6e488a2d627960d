import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from '@chartwatch/errors';

/**
 * Transmission security for Kafka (HIPAA §164.312(e): audit events carry
 * patient ids). TLS verifies the brokers against a CA file (the system's
 * trust store when none is given) and may present a client certificate;
 * SASL SCRAM authenticates the client. Read once from the environment, the
 * files read at once, so a wrong path stops the start naming its variable.
 */
export const SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface KafkaTls {
  /** PEM of the CA(s) that signed the brokers' certificates; null: the system's trust store. */
  ca: string | null;
  /** PEM client certificate and key (mutual TLS); both or neither. */
  cert: string | null;
  key: string | null;
}

export interface KafkaSasl {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

export interface KafkaSecurity {
  /** null: plaintext connections. */
  tls: KafkaTls | null;
  /** null: no client authentication. */
  sasl: KafkaSasl | null;
}

export const PLAINTEXT: KafkaSecurity = { tls: null, sasl: null };

type Env = Record<string, string | undefined>;

function readPem(env: Env, variable: string): string | null {
  const path = env[variable]?.trim();
  if (!path) return null;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(variable, `cannot read ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
  if (!text.includes('-----BEGIN ')) throw new ConfigError(variable, `expected a PEM file, ${JSON.stringify(path)} holds no "-----BEGIN" block`);
  return text;
}

/**
 *   KAFKA_TLS                  true to connect over TLS (implied by any KAFKA_TLS_* file)
 *   KAFKA_TLS_CA_FILE          PEM of the brokers' CA (default: the system's trust store)
 *   KAFKA_TLS_CERT_FILE / KAFKA_TLS_KEY_FILE   PEM client certificate and key (mutual TLS)
 *   KAFKA_SASL_MECHANISM       scram-sha-512 (default) | scram-sha-256
 *   KAFKA_SASL_USERNAME        with KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE
 */
export function kafkaSecurityFromEnv(env: Env): KafkaSecurity {
  const flag = env['KAFKA_TLS']?.trim().toLowerCase();
  if (flag !== undefined && flag !== '' && !['true', 'false', '1', '0'].includes(flag)) {
    throw new ConfigError('KAFKA_TLS', `expected true or false, got ${JSON.stringify(env['KAFKA_TLS'])}`);
  }
  const ca = readPem(env, 'KAFKA_TLS_CA_FILE');
  const cert = readPem(env, 'KAFKA_TLS_CERT_FILE');
  const key = readPem(env, 'KAFKA_TLS_KEY_FILE');
  if ((cert === null) !== (key === null)) {
    throw new ConfigError(cert === null ? 'KAFKA_TLS_CERT_FILE' : 'KAFKA_TLS_KEY_FILE', 'a client certificate needs both KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE');
  }
  const anyFile = ca !== null || cert !== null;
  if ((flag === 'false' || flag === '0') && anyFile) throw new ConfigError('KAFKA_TLS', 'is false but KAFKA_TLS_* files are set: remove one or the other');
  const tls = flag === 'true' || flag === '1' || anyFile ? { ca, cert, key } : null;

  const username = env['KAFKA_SASL_USERNAME']?.trim() ?? '';
  const inline = env['KAFKA_SASL_PASSWORD'] ?? '';
  const passwordFile = env['KAFKA_SASL_PASSWORD_FILE']?.trim() ?? '';
  const rawMechanism = env['KAFKA_SASL_MECHANISM']?.trim().toLowerCase() || 'scram-sha-512';
  if (!(SASL_MECHANISMS as readonly string[]).includes(rawMechanism)) {
    throw new ConfigError('KAFKA_SASL_MECHANISM', `expected one of ${SASL_MECHANISMS.join(', ')}, got ${JSON.stringify(env['KAFKA_SASL_MECHANISM'])}`);
  }
  if (username === '') {
    if (inline !== '' || passwordFile !== '') throw new ConfigError('KAFKA_SASL_USERNAME', 'required when a KAFKA_SASL_PASSWORD is set');
    return { tls, sasl: null };
  }
  if (inline !== '' && passwordFile !== '') throw new ConfigError('KAFKA_SASL_PASSWORD', 'give KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both');
  let password = inline;
  if (passwordFile !== '') {
    try {
      password = readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new ConfigError('KAFKA_SASL_PASSWORD_FILE', `cannot read ${JSON.stringify(passwordFile)}: ${(err as Error).message}`);
    }
  }
  if (password === '') throw new ConfigError('KAFKA_SASL_PASSWORD', 'required with KAFKA_SASL_USERNAME (or KAFKA_SASL_PASSWORD_FILE)');
  return { tls, sasl: { mechanism: rawMechanism as SaslMechanism, username, password } };
}

/** Node TLS options for a client: the broker's certificate is always verified. */
export function tlsConnectionOptions(tls: KafkaTls): ConnectionOptions {
  return {
    rejectUnauthorized: true,
    ...(tls.ca === null ? {} : { ca: [tls.ca] }),
    ...(tls.cert === null || tls.key === null ? {} : { cert: tls.cert, key: tls.key }),
  };
}

/** kafkajs's `ssl` and `sasl` options for these settings. */
export function kafkajsSecurity(s: KafkaSecurity): { ssl?: ConnectionOptions; sasl?: KafkajsSasl } {
  let sasl: KafkajsSasl | undefined;
  if (s.sasl !== null) {
    const { username, password } = s.sasl;
    sasl = s.sasl.mechanism === 'scram-sha-512' ? { mechanism: 'scram-sha-512', username, password } : { mechanism: 'scram-sha-256', username, password };
  }
  return { ...(s.tls === null ? {} : { ssl: tlsConnectionOptions(s.tls) }), ...(sasl === undefined ? {} : { sasl }) };
}

type KafkajsSasl = { mechanism: 'scram-sha-512'; username: string; password: string } | { mechanism: 'scram-sha-256'; username: string; password: string };

/** @platformatic/kafka's `tls` and `sasl` options for these settings. */
export function platformaticSecurity(s: KafkaSecurity): { tls?: ConnectionOptions; sasl?: { mechanism: 'SCRAM-SHA-512' | 'SCRAM-SHA-256'; username: string; password: string } } {
  return {
    ...(s.tls === null ? {} : { tls: tlsConnectionOptions(s.tls) }),
    ...(s.sasl === null
      ? {}
      : { sasl: { mechanism: s.sasl.mechanism === 'scram-sha-512' ? 'SCRAM-SHA-512' : 'SCRAM-SHA-256', username: s.sasl.username, password: s.sasl.password } }),
  };
}

/** What a log line may say about the security settings: never the password or the key. */
export function describeKafkaSecurity(s: KafkaSecurity): string {
  const tls = s.tls === null ? 'plaintext' : `TLS${s.tls.ca === null ? '' : ' (CA file)'}${s.tls.cert === null ? '' : ' + client certificate'}`;
  return s.sasl === null ? tls : `${tls}, SASL ${s.sasl.mechanism.toUpperCase()} as ${s.sasl.username}`;
}
