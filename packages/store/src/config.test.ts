import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@chartwatch/errors';
import { checkStoreConfig, storeConfigFromEnv } from './config.ts';

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('storeConfigFromEnv', () => {
  it('defaults to embedded chDB in .data/clickhouse, database chartwatch, six years of retention', () => {
    expect(storeConfigFromEnv({})).toEqual({ database: 'chartwatch', dataDir: '.data/clickhouse', retentionYears: 6 });
  });

  it('treats blank values as unset', () => {
    expect(storeConfigFromEnv({ CLICKHOUSE_URL: ' ', CLICKHOUSE_DATABASE: '' })).toEqual({ database: 'chartwatch', dataDir: '.data/clickhouse', retentionYears: 6 });
  });

  it('reads a server URL, credentials, database, data directory and retention', () => {
    expect(
      storeConfigFromEnv({
        CLICKHOUSE_URL: 'https://ch.example.org:8443',
        CLICKHOUSE_USER: 'cw',
        CLICKHOUSE_PASSWORD: 's3cret',
        CLICKHOUSE_DATABASE: 'audit_2024',
        CHARTWATCH_DATA_DIR: '/var/lib/cw',
        CHARTWATCH_RETENTION_YEARS: '7',
      }),
    ).toEqual({ url: 'https://ch.example.org:8443', username: 'cw', password: 's3cret', database: 'audit_2024', dataDir: '/var/lib/cw', retentionYears: 7 });
  });

  it.each([
    ['CLICKHOUSE_URL', 'localhost:8123', 'http:// or https:// URL'],
    ['CLICKHOUSE_URL', 'tcp://localhost:9000', 'http:// or https:// URL'],
    ['CLICKHOUSE_DATABASE', 'chart-watch', 'database name'],
    ['CLICKHOUSE_DATABASE', 'x; DROP TABLE y', 'database name'],
    ['CHARTWATCH_RETENTION_YEARS', 'six', 'whole number of years'],
    ['CHARTWATCH_RETENTION_YEARS', '0', 'whole number of years'],
    ['CHARTWATCH_RETENTION_YEARS', '2.5', 'whole number of years'],
  ])('names %s when it is "%s"', (name, value, expected) => {
    const err = configErrorOf(() => storeConfigFromEnv({ [name]: value }));
    expect(err.setting).toBe(name);
    expect(err.code).toBe('CW_ERR_CONFIG');
    expect(err.message).toContain(`"${value}"`);
    expect(err.message).toContain(expected);
  });
});

describe('checkStoreConfig', () => {
  it('holds configs built in code to the same rules', () => {
    expect(configErrorOf(() => checkStoreConfig({ database: 'a.b', dataDir: 'x' })).setting).toBe('database');
    expect(configErrorOf(() => checkStoreConfig({ database: 'a', dataDir: 'x', retentionYears: -1 })).setting).toBe('retentionYears');
    expect(configErrorOf(() => checkStoreConfig({ database: 'a', dataDir: ' ' })).setting).toBe('dataDir');
    expect(() => checkStoreConfig({ database: 'a', dataDir: '', url: 'http://localhost:8123' })).not.toThrow();
  });

  it('reads a cluster name for the cluster schema, only with a server', () => {
    expect(storeConfigFromEnv({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: 'chartwatch' }).cluster).toBe('chartwatch');
    expect(storeConfigFromEnv({}).cluster).toBeUndefined();
    expect(configErrorOf(() => storeConfigFromEnv({ CLICKHOUSE_CLUSTER: 'chartwatch' })).setting).toBe('CLICKHOUSE_CLUSTER');
    expect(configErrorOf(() => storeConfigFromEnv({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: "a'b" })).setting).toBe('CLICKHOUSE_CLUSTER');
  });
});

describe('ClickHouse over https with a private CA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chartwatch-store-tls-'));
  const ca = join(dir, 'ca.pem');
  const cert = join(dir, 'client.pem');
  const key = join(dir, 'client.key');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n');
  writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');

  it('reads the CA file (and a client certificate) for an https:// server', () => {
    const c = storeConfigFromEnv({ CLICKHOUSE_URL: 'https://ch.example.org:8443', CLICKHOUSE_CA_FILE: ca, CLICKHOUSE_CERT_FILE: cert, CLICKHOUSE_KEY_FILE: key });
    expect(c.tls?.caCert.toString()).toContain('MIIB');
    expect(c.tls?.cert?.toString()).toContain('MIIC');
    expect(storeConfigFromEnv({ CLICKHOUSE_URL: 'https://ch.example.org:8443', CLICKHOUSE_CA_FILE: ca }).tls?.cert).toBeUndefined();
  });

  it.each([
    [{ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CA_FILE: ca }, 'CLICKHOUSE_CA_FILE', /https:\/\//],
    [{ CLICKHOUSE_CA_FILE: ca }, 'CLICKHOUSE_CA_FILE', /https:\/\//],
    [{ CLICKHOUSE_URL: 'https://ch:8443', CLICKHOUSE_CA_FILE: join(dir, 'nope.pem') }, 'CLICKHOUSE_CA_FILE', /cannot read/],
    [{ CLICKHOUSE_URL: 'https://ch:8443', CLICKHOUSE_CA_FILE: ca, CLICKHOUSE_CERT_FILE: cert }, 'CLICKHOUSE_KEY_FILE', /both/],
  ])('refuses %j naming %s', (env, setting, message) => {
    const err = configErrorOf(() => storeConfigFromEnv(env));
    expect(err.message).toContain(setting);
    expect(err.message).toMatch(message);
  });
});
