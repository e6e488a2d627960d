import { describe, expect, it } from 'vitest';
import { trainerLine } from './banner.ts';

describe('trainerLine', () => {
  it('says the in-process trainer supplies the model, with its schedule', () => {
    expect(trainerLine({ intervalMs: 24 * 3_600_000, historyMs: 28 * 86_400_000 })).toMatch(/^model trained in-process .*up to 28 days of history, again every 24 h/);
    expect(trainerLine({ intervalMs: 30 * 60_000, historyMs: 36 * 3_600_000 })).toContain('up to 36 h of history, again every 30 min');
  });
});
