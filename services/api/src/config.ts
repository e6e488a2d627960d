import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { BusConfig } from '@chartwatch/bus';
import { busConfigFromEnv } from '@chartwatch/bus';
import { ConfigError } from '@chartwatch/errors';
import { isTimeZone } from '@chartwatch/settings';

/**
 * The API's settings, read from the environment once (main.ts) and passed
 * down as a typed object. A bad value stops the start with the variable's
 * name and the expected form.
 */

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const httpUrl = z.url({ protocol: /^https?$/ });

const envSchema = z.object({
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: int(0, 65535).default(8080),
  API_BODY_LIMIT: int(1024, 10 * 1024 * 1024).default(64 * 1024),
  API_RATE_LIMIT_MAX: int(1, 1_000_000_000).default(600),
  API_RATE_LIMIT_WINDOW_MS: int(1000, 3_600_000).default(60_000),
  API_KEY_CACHE_MS: int(0, 3_600_000).default(30_000),
  API_TRUST_PROXY: bool.default(false),
  // TLS served by the API itself (PEM files); or terminate TLS at a reverse proxy (services/api/README.md).
  API_TLS_CERT_FILE: z.string().min(1).optional(),
  API_TLS_KEY_FILE: z.string().min(1).optional(),
  // Minimum necessary: analysts see patient data only for alerts assigned to them (minimum-necessary.ts).
  API_MINIMUM_NECESSARY: bool.default(false),
  API_SHUTDOWN_TIMEOUT_MS: int(100, 120_000).default(10_000),
  API_AUDIT_BATCH_SIZE: int(1, 100_000).default(500),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OIDC_ISSUER: z.string().min(1).optional(),
  OIDC_AUDIENCE: z.string().min(1).optional(),
  OIDC_JWKS_URL: httpUrl.optional(),
  OIDC_ROLE_CLAIM: z.string().regex(/^[A-Za-z0-9_:/.-]+$/, 'a claim name, dotted for nested claims (e.g. realm_access.roles)').default('roles'),
  WEBHOOK_URLS: z.string().optional(),
  WEBHOOK_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  // Alerts carry patient ids: receivers must be https unless this says plain http is acceptable (a receiver on the same host).
  WEBHOOK_ALLOW_HTTP: bool.default(false),
  WEBHOOK_MAX_ATTEMPTS: int(1, 20).default(5),
  WEBHOOK_BACKOFF_MS: int(1, 600_000).default(500),
  WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(5000),
  WEBHOOK_QUEUE_SIZE: int(1, 1_000_000).default(1000),
  // Local days and business hours of the peer comparison (the detector's setting).
  CHARTWATCH_TIMEZONE: z.string().refine(isTimeZone, 'an IANA time zone such as UTC or Europe/Berlin').default('UTC'),
  // The groups whose lag GET /overview reports (the services' own defaults).
  INGEST_GROUP_ID: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, '1-128 of letters, digits, ".", "_", "-"').default('chartwatch-ingest'),
  DETECTOR_GROUP_ID: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, '1-128 of letters, digits, ".", "_", "-"').default('chartwatch-detector'),
});

export interface OidcConfig {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** Claim holding the role(s); dotted for nested claims. */
  roleClaim: string;
}

export interface WebhookConfig {
  urls: string[];
  secret: string;
  maxAttempts: number;
  backoffMs: number;
  timeoutMs: number;
  queueSize: number;
}

export interface ApiConfig {
  host: string;
  port: number;
  bodyLimit: number;
  rateLimit: { max: number; windowMs: number };
  apiKeyCacheMs: number;
  trustProxy: boolean;
  /** PEM certificate (chain) and key the API serves https with; null: plain http (behind a TLS-terminating proxy, or loopback). */
  tls: { cert: Buffer; key: Buffer } | null;
  /** Analysts see patient data only for alerts assigned to them (API_MINIMUM_NECESSARY). */
  minimumNecessary: boolean;
  shutdownTimeoutMs: number;
  /** Most audit rows in one insert (rows are stored before their response leaves). */
  audit: { batchSize: number };
  logLevel: string;
  oidc: OidcConfig | null;
  webhooks: WebhookConfig | null;
  /** IANA zone of local days and business hours (CHARTWATCH_TIMEZONE). */
  timezone: string;
  /** KAFKA_*: the alerts topic the webhook feed reads; brokers empty when Kafka is not used. */
  bus: BusConfig;
  /** Consumer groups whose lag GET /overview reports, with the topic each reads. */
  lagGroups: { group: string; topic: string }[];
}

export interface ApiConfigOptions {
  /**
   * In `chartwatch start` the alerts topic may be the in-process queue, so
   * webhooks need no brokers; the standalone API reads the topic from Kafka.
   */
  embedded?: boolean;
}

function readPem(setting: string, path: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    throw new ConfigError(setting, `cannot read ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
  if (!pem.includes('-----BEGIN ')) throw new ConfigError(setting, `expected a PEM file, ${JSON.stringify(path)} holds no "-----BEGIN" block`);
  return pem;
}

function apiTls(certFile: string | undefined, keyFile: string | undefined): ApiConfig['tls'] {
  if (certFile === undefined && keyFile === undefined) return null;
  if (certFile === undefined || keyFile === undefined) {
    throw new ConfigError(certFile === undefined ? 'API_TLS_CERT_FILE' : 'API_TLS_KEY_FILE', 'https needs both API_TLS_CERT_FILE and API_TLS_KEY_FILE');
  }
  return { cert: readPem('API_TLS_CERT_FILE', certFile), key: readPem('API_TLS_KEY_FILE', keyFile) };
}

export function apiConfigFromEnv(env: Record<string, string | undefined>, options: ApiConfigOptions = {}): ApiConfig {
  // Empty strings mean "not set", as shells and .env files often leave them.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const setting = String(issue?.path[0] ?? 'environment');
    const value = present[setting];
    throw new ConfigError(setting, `${issue?.message ?? 'invalid'}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`);
  }
  const e = parsed.data;

  const oidcParts = { OIDC_ISSUER: e.OIDC_ISSUER, OIDC_AUDIENCE: e.OIDC_AUDIENCE, OIDC_JWKS_URL: e.OIDC_JWKS_URL };
  const oidcSet = Object.entries(oidcParts).filter(([, v]) => v !== undefined);
  if (oidcSet.length > 0 && oidcSet.length < 3) {
    const missing = Object.entries(oidcParts).find(([, v]) => v === undefined)?.[0] ?? 'OIDC_JWKS_URL';
    throw new ConfigError(missing, 'required when any of OIDC_ISSUER, OIDC_AUDIENCE, OIDC_JWKS_URL is set');
  }
  const oidc = e.OIDC_ISSUER && e.OIDC_AUDIENCE && e.OIDC_JWKS_URL
    ? { issuer: e.OIDC_ISSUER, audience: e.OIDC_AUDIENCE, jwksUrl: e.OIDC_JWKS_URL, roleClaim: e.OIDC_ROLE_CLAIM }
    : null;

  let webhooks: WebhookConfig | null = null;
  if (e.WEBHOOK_URLS !== undefined) {
    const urls = e.WEBHOOK_URLS.split(',').map((u) => u.trim()).filter((u) => u !== '');
    for (const u of urls) {
      if (!httpUrl.safeParse(u).success) throw new ConfigError('WEBHOOK_URLS', `comma-separated http(s) URLs (bad entry ${JSON.stringify(u)})`);
      if (!e.WEBHOOK_ALLOW_HTTP && !u.toLowerCase().startsWith('https:')) {
        throw new ConfigError('WEBHOOK_URLS', `alerts carry patient ids: receivers must use https (got ${JSON.stringify(u)}); set WEBHOOK_ALLOW_HTTP=true to accept http`);
      }
    }
    if (e.WEBHOOK_SECRET === undefined) throw new ConfigError('WEBHOOK_SECRET', 'required when WEBHOOK_URLS is set (at least 16 characters)');
    if (urls.length > 0) {
      webhooks = {
        urls,
        secret: e.WEBHOOK_SECRET,
        maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
        backoffMs: e.WEBHOOK_BACKOFF_MS,
        timeoutMs: e.WEBHOOK_TIMEOUT_MS,
        queueSize: e.WEBHOOK_QUEUE_SIZE,
      };
    }
  }

  const bus = busConfigFromEnv(env, { requireBrokers: false });
  if (webhooks !== null && bus.brokers.length === 0 && options.embedded !== true) {
    throw new ConfigError('KAFKA_BROKERS', 'required when WEBHOOK_URLS is set: the API feeds the webhooks from the alerts topic (host:port list)');
  }

  return {
    host: e.API_HOST,
    port: e.API_PORT,
    bodyLimit: e.API_BODY_LIMIT,
    rateLimit: { max: e.API_RATE_LIMIT_MAX, windowMs: e.API_RATE_LIMIT_WINDOW_MS },
    apiKeyCacheMs: e.API_KEY_CACHE_MS,
    trustProxy: e.API_TRUST_PROXY,
    tls: apiTls(e.API_TLS_CERT_FILE, e.API_TLS_KEY_FILE),
    minimumNecessary: e.API_MINIMUM_NECESSARY,
    shutdownTimeoutMs: e.API_SHUTDOWN_TIMEOUT_MS,
    audit: { batchSize: e.API_AUDIT_BATCH_SIZE },
    logLevel: e.LOG_LEVEL,
    oidc,
    webhooks,
    timezone: e.CHARTWATCH_TIMEZONE,
    bus,
    lagGroups: [
      { group: e.INGEST_GROUP_ID, topic: bus.topics.raw },
      { group: e.DETECTOR_GROUP_ID, topic: bus.topics.events },
    ],
  };
}
