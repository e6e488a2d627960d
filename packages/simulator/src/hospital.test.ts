import { describe, expect, it } from 'vitest';
import { generateHospital, toReference } from './hospital.ts';

describe('generateHospital', () => {
  it('never terminates someone before they were hired (the reference loader refuses such a staff.csv)', () => {
    // Seed 6060 at 300 staff terminated a nurse hired 0.31 years before the window, 0.4 years before it.
    let leavers = 0;
    for (let seed = 6058; seed < 6063; seed++) {
      const { staff } = toReference(generateHospital({ seed, staff: 300, days: 7, start: '2026-03-02', timezone: 'America/New_York' }));
      for (const s of staff) {
        if (s.terminatedAt === null) continue;
        leavers++;
        expect(Date.parse(s.terminatedAt), `seed ${seed} ${s.actorId}`).toBeGreaterThan(Date.parse(s.hiredAt ?? 'never hired'));
      }
    }
    expect(leavers).toBeGreaterThan(25);
  }, 30_000);
});
