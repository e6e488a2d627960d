import { describe, expect, it } from 'vitest';
import { BASELINE_DAYS, dailyUsageWithBaseline } from './vendor-usage.ts';

const row = (day: string, records: number) => ({ day, records, events: 1, distinctPatients: 1 });

describe('dailyUsageWithBaseline', () => {
  it('gives every day of the range, idle days as zero, with quota flags', () => {
    const days = dailyUsageWithBaseline([row('2025-03-01', 100), row('2025-03-03', 3000)], 2500, '2025-03-01T00:00:00Z', '2025-03-04T00:00:00Z');
    expect(days.map((d) => [d.day, d.records, d.overQuota])).toEqual([
      ['2025-03-01', 100, false],
      ['2025-03-02', 0, false],
      ['2025-03-03', 3000, true],
    ]);
  });

  it('takes the median of the previous days since first seen as the baseline', () => {
    const rows = [row('2025-03-01', 100), row('2025-03-02', 300), row('2025-03-03', 200), row('2025-03-04', 1000)];
    const days = dailyUsageWithBaseline(rows, null, '2025-03-01T00:00:00Z', '2025-03-05T00:00:00Z');
    expect(days.map((d) => d.baseline)).toEqual([null, 100, 200, 200]);
    expect(days[3]?.ratioToBaseline).toBe(5);
    expect(days.every((d) => d.quota === null && !d.overQuota)).toBe(true);
  });

  it('looks back at most BASELINE_DAYS days, using history before the range', () => {
    const rows = Array.from({ length: 40 }, (_, i) => row(new Date(Date.UTC(2025, 0, 1 + i)).toISOString().slice(0, 10), i < 10 ? 10_000 : 10));
    const [day] = dailyUsageWithBaseline(rows, null, '2025-02-09T00:00:00Z', '2025-02-10T00:00:00Z');
    expect(BASELINE_DAYS).toBe(28);
    // The 28 days before Feb 9 start on Jan 12: all quiet days.
    expect(day?.baseline).toBe(10);
  });
});
