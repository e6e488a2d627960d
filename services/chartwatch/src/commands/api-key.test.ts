import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startConfigFromEnv } from '../start/start-config.ts';
import { apiKeyStoreConfig } from './api-key.ts';

describe('chartwatch api-key: the store it opens', () => {
  it.each([
    ['--data-dir', {}, '/srv/cw'],
    ['CHARTWATCH_DATA_DIR', { CHARTWATCH_DATA_DIR: '/var/lib/cw/clickhouse' }, null],
    ['the default', {}, null],
  ] as const)('is the one chartwatch start opens (%s)', (_, env, dataDir) => {
    const mine = apiKeyStoreConfig(env, dataDir);
    const start = startConfigFromEnv(env, { dataDir, port: null }).store;
    expect(mine.dataDir).toBe(start.dataDir);
    expect(mine).toEqual(start);
  });

  it('puts chDB under DIR/clickhouse for --data-dir DIR', () => {
    expect(apiKeyStoreConfig({}, 'some/dir').dataDir).toBe(join(resolve('some/dir'), 'clickhouse'));
  });
});

describe('chartwatch api-key --help', () => {
  it('names the route that manages keys while start runs (POST /api-keys, not /keys)', async () => {
    const { API_KEY_HELP } = await import('./api-key.ts');
    expect(API_KEY_HELP).toContain('POST /api-keys');
    expect(API_KEY_HELP).not.toMatch(/POST \/keys\b/);
  });
});
