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

  it('keeps the days before incidentsFrom ordinary, with the default rate of incidents after', () => {
    const h = generateHospital({ seed: 11, staff: 120, days: 14, start: '2026-03-02', incidentsFrom: 7 });
    expect(h.incidents.length).toBeGreaterThan(20);
    expect(Math.min(...h.incidents.map((i) => i.day))).toBeGreaterThanOrEqual(7);
    expect(() => generateHospital({ seed: 11, staff: 120, days: 14, start: '2026-03-02', incidentsFrom: 14 })).toThrow(/incidentsFrom/);
  }, 30_000);

  it("spells roles in the chosen vocabulary and writes the roles.csv that maps them", () => {
    const h = generateHospital({ seed: 11, staff: 120, days: 1, start: '2026-03-02', vocabulary: 'coded' });
    const roles = new Set(h.reference.staff.map((s) => s.role));
    expect(roles.has('JC-2100 Staff RN')).toBe(true);
    expect(h.reference.roles?.find((m) => m.role === 'JC-5500 Records Associate')?.categories).toEqual(['him']);
    for (const r of roles) expect(h.reference.roles?.some((m) => m.role === r)).toBe(true);
  }, 30_000);
});
