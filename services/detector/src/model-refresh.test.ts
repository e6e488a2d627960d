import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_REFRESH_MS, modelRefreshMsFromEnv } from './model-refresh.ts';

describe('modelRefreshMsFromEnv', () => {
  it('defaults to a minute and reads DETECTOR_MODEL_REFRESH_MS', () => {
    expect(modelRefreshMsFromEnv({})).toBe(DEFAULT_MODEL_REFRESH_MS);
    expect(DEFAULT_MODEL_REFRESH_MS).toBe(60_000);
    expect(modelRefreshMsFromEnv({ DETECTOR_MODEL_REFRESH_MS: ' ' })).toBe(60_000);
    expect(modelRefreshMsFromEnv({ DETECTOR_MODEL_REFRESH_MS: '5000' })).toBe(5_000);
  });

  it.each(['soon', '999', '1.5', '86400001'])('names the variable for %j', (value) => {
    expect(() => modelRefreshMsFromEnv({ DETECTOR_MODEL_REFRESH_MS: value })).toThrow(/DETECTOR_MODEL_REFRESH_MS.*expected milliseconds from 1000 to 86400000/);
  });
});
