import { describe, expect, it } from 'vitest';
import { fromEpochMillis, toClickHouseTime } from './clickhouse-time.ts';

describe('clickhouse-time', () => {
  it('writes the basic DateTime64 form in UTC and reads epoch milliseconds back as ISO', () => {
    expect(toClickHouseTime('2024-01-02T03:04:05.678Z')).toBe('2024-01-02 03:04:05.678');
    expect(toClickHouseTime('2024-01-02T05:04:05+02:00')).toBe('2024-01-02 03:04:05.000');
    expect(fromEpochMillis('1704164645678')).toBe('2024-01-02T03:04:05.678Z');
    expect(fromEpochMillis(1704164645678)).toBe('2024-01-02T03:04:05.678Z');
  });

  it('refuses a value that is not a time', () => {
    expect(() => toClickHouseTime('soon')).toThrow(/CW_ERR_INPUT.*"soon"/);
  });
});
