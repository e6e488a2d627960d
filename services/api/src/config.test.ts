import { describe, expect, it } from 'vitest';
import { ConfigError } from '@chartwatch/errors';
import { apiConfigFromEnv } from './config.ts';

describe('apiConfigFromEnv', () => {
  it('fills defaults', () => {
    const c = apiConfigFromEnv({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, bodyLimit: 65536, oidc: null, webhooks: null, rateLimit: { max: 600, windowMs: 60_000 } });
  });

  it('names the variable at fault', () => {
    const bad: [Record<string, string>, string][] = [
      [{ API_PORT: '70000' }, 'API_PORT'],
      [{ API_PORT: 'eighty' }, 'API_PORT'],
      [{ API_TRUST_PROXY: 'maybe' }, 'API_TRUST_PROXY'],
      [{ OIDC_ISSUER: 'https://idp' }, 'OIDC_AUDIENCE'],
      [{ OIDC_ISSUER: 'https://idp', OIDC_AUDIENCE: 'a', OIDC_JWKS_URL: 'ftp://x' }, 'OIDC_JWKS_URL'],
      [{ WEBHOOK_URLS: 'https://a.example/hook' }, 'WEBHOOK_SECRET'],
      [{ WEBHOOK_URLS: 'https://a.example/hook,not a url', WEBHOOK_SECRET: 'x'.repeat(20) }, 'WEBHOOK_URLS'],
      [{ WEBHOOK_SECRET: 'short' }, 'WEBHOOK_SECRET'],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
      // The standalone API feeds webhooks from the alerts topic: no brokers, no feed.
      [{ WEBHOOK_URLS: 'https://a.example/hook', WEBHOOK_SECRET: 'x'.repeat(20) }, 'KAFKA_BROKERS'],
      [{ KAFKA_BROKERS: 'kafka:nine' }, 'KAFKA_BROKERS'],
      [{ CHARTWATCH_TIMEZONE: 'Mars/Olympus' }, 'CHARTWATCH_TIMEZONE'],
      [{ DETECTOR_GROUP_ID: 'a group' }, 'DETECTOR_GROUP_ID'],
    ];
    for (const [env, setting] of bad) {
      let thrown: unknown;
      try {
        apiConfigFromEnv(env);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, JSON.stringify(env)).toBeInstanceOf(ConfigError);
      expect((thrown as ConfigError).setting).toBe(setting);
      expect((thrown as Error).message).toContain(setting);
    }
  });

  it('reads OIDC and webhooks', () => {
    const c = apiConfigFromEnv({
      OIDC_ISSUER: 'https://idp.example/realms/h',
      OIDC_AUDIENCE: 'chartwatch',
      OIDC_JWKS_URL: 'https://idp.example/jwks',
      OIDC_ROLE_CLAIM: 'realm_access.roles',
      WEBHOOK_URLS: ' https://a.example/hook , http://127.0.0.1:9000/x ',
      WEBHOOK_SECRET: 'x'.repeat(32),
      WEBHOOK_ALLOW_HTTP: 'true',
      KAFKA_BROKERS: 'kafka-1:9092',
      API_PORT: '',
    });
    expect(c.oidc).toEqual({ issuer: 'https://idp.example/realms/h', audience: 'chartwatch', jwksUrl: 'https://idp.example/jwks', roleClaim: 'realm_access.roles' });
    expect(c.webhooks?.urls).toEqual(['https://a.example/hook', 'http://127.0.0.1:9000/x']);
    expect(c.port).toBe(8080);
    expect(c.bus.topics.alerts).toBe('ehr.alerts');
  });

  it('refuses an http webhook receiver unless WEBHOOK_ALLOW_HTTP says so (alerts carry patient ids)', () => {
    const env = { WEBHOOK_URLS: 'https://a.example/hook,http://b.example/hook', WEBHOOK_SECRET: 'x'.repeat(16), KAFKA_BROKERS: 'k:9092' };
    expect(() => apiConfigFromEnv(env)).toThrow(/WEBHOOK_URLS.*https.*"http:\/\/b\.example\/hook"/s);
    expect(apiConfigFromEnv({ ...env, WEBHOOK_ALLOW_HTTP: 'true' }).webhooks?.urls).toHaveLength(2);
  });

  it('takes webhooks without brokers when embedded (chartwatch start feeds them from its own bus)', () => {
    const c = apiConfigFromEnv({ WEBHOOK_URLS: 'http://127.0.0.1:9000/x', WEBHOOK_SECRET: 'x'.repeat(16), WEBHOOK_ALLOW_HTTP: '1' }, { embedded: true });
    expect(c.webhooks?.urls).toEqual(['http://127.0.0.1:9000/x']);
    expect(c.bus.brokers).toEqual([]);
  });

  it('names the consumer groups whose lag the overview reports, with their topics', () => {
    expect(apiConfigFromEnv({}).lagGroups).toEqual([
      { group: 'chartwatch-ingest', topic: 'ehr.audit.raw' },
      { group: 'chartwatch-detector', topic: 'ehr.audit.events' },
    ]);
    expect(apiConfigFromEnv({ INGEST_GROUP_ID: 'in-b', DETECTOR_GROUP_ID: 'det-b', KAFKA_TOPIC_EVENTS: 'ev' }).lagGroups).toEqual([
      { group: 'in-b', topic: 'ehr.audit.raw' },
      { group: 'det-b', topic: 'ev' },
    ]);
    expect(apiConfigFromEnv({ CHARTWATCH_TIMEZONE: 'Europe/Berlin' }).timezone).toBe('Europe/Berlin');
  });
});
