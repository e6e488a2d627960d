import { describe, expect, it } from 'vitest';
import { ChartwatchError, ConfigError, ERROR_CODES } from './index.ts';

describe('the error catalogue', () => {
  it('gives every code a meaning, and an HTTP status to those a client can get', () => {
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^CW_ERR_[A-Z_]+$/);
      expect(entry.meaning.length).toBeGreaterThan(0);
      if (entry.statusCode !== null) expect(entry.statusCode).toBeGreaterThanOrEqual(400);
    }
    expect(new ChartwatchError('CW_ERR_NOT_FOUND', 'alert a1 not found')).toMatchObject({ code: 'CW_ERR_NOT_FOUND', statusCode: 404, message: 'CW_ERR_NOT_FOUND: alert a1 not found' });
    expect(new ConfigError('KAFKA_BROKERS', 'got "", expected host:port')).toMatchObject({ code: 'CW_ERR_CONFIG', statusCode: null, setting: 'KAFKA_BROKERS' });
  });
});
