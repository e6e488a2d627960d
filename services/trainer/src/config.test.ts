import { describe, expect, it } from 'vitest';
import { trainerConfigFromEnv } from './config.ts';

describe('trainerConfigFromEnv', () => {
  it('defaults to four weeks of history, a daily run, 1.5 alerts per 1,000 actor-days, per-role forests on day windows', () => {
    const c = trainerConfigFromEnv({});
    expect(c).toMatchObject({
      timezone: 'UTC',
      referenceDir: null,
      historyMs: 28 * 86_400_000,
      intervalMs: 86_400_000,
      budgetPer1000: 1.5,
      peerGrouping: 'role',
      window: 'day',
      noveltyDays: 2,
      minGroupRows: 50,
      seed: 1,
      excludeAlerted: true,
    });
  });

  it('reads every setting', () => {
    const c = trainerConfigFromEnv({
      CHARTWATCH_TIMEZONE: 'Europe/Paris',
      CHARTWATCH_REFERENCE_DIR: '/ref',
      TRAINER_HISTORY: '60d',
      TRAINER_INTERVAL: '6h',
      TRAINER_BUDGET_PER_1000: '0.5',
      TRAINER_PEER_GROUPS: 'global',
      TRAINER_WINDOW: 'hour',
      TRAINER_NOVELTY_DAYS: '7',
      TRAINER_MIN_GROUP_ROWS: '100',
      TRAINER_SEED: '42',
      TRAINER_EXCLUDE_ALERTED: 'false',
    });
    expect(c).toMatchObject({ timezone: 'Europe/Paris', referenceDir: '/ref', historyMs: 60 * 86_400_000, intervalMs: 6 * 3_600_000, budgetPer1000: 0.5, peerGrouping: 'global', window: 'hour', noveltyDays: 7, minGroupRows: 100, seed: 42, excludeAlerted: false });
  });

  it('names the variable at fault and the expected form', () => {
    expect(() => trainerConfigFromEnv({ TRAINER_HISTORY: 'a month' })).toThrow(/TRAINER_HISTORY: got "a month", expected a duration of at least 1d/);
    expect(() => trainerConfigFromEnv({ TRAINER_BUDGET_PER_1000: '-1' })).toThrow(/TRAINER_BUDGET_PER_1000/);
    expect(() => trainerConfigFromEnv({ TRAINER_PEER_GROUPS: 'department' })).toThrow(/TRAINER_PEER_GROUPS: got "department", expected role or global/);
    expect(() => trainerConfigFromEnv({ CHARTWATCH_TIMEZONE: 'Mars/Olympus' })).toThrow(/CHARTWATCH_TIMEZONE/);
    expect(() => trainerConfigFromEnv({ TRAINER_EXCLUDE_ALERTED: 'yes' })).toThrow(/TRAINER_EXCLUDE_ALERTED/);
    expect(() => trainerConfigFromEnv({ TRAINER_HISTORY: '2d', TRAINER_NOVELTY_DAYS: '2' })).toThrow(/TRAINER_HISTORY: .* more than TRAINER_NOVELTY_DAYS/);
  });
});
