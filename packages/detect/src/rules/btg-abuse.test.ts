import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '@chartwatch/event';
import { access, packRule, plus, reference, run, staff } from './rule-fixture.ts';

const rule = packRule('btg-abuse');
const DAY = 24 * 60;
const START = '2026-03-02T12:00:00.000Z';
const ED = { role: 'physician', department: 'emergency' };
const ref = reference({
  staff: ['ed1', 'ed2', 'ed3', 'ed4', 'busy', 'x'].map((id) => staff(id, ED)),
});
const btg = (time: string, actor: string, patient: string) => access({ time, actor, ...ED, patients: [patient], breakTheGlass: true });

/** Four days in which every ED physician breaks the glass once, and "busy" four times a day. */
function history(): AccessEvent[] {
  const out: AccessEvent[] = [];
  for (let d = 0; d < 4; d++) {
    for (const id of ['ed1', 'ed2', 'ed3', 'ed4']) out.push(btg(plus(START, d * DAY + 10), id, `p-${id}-${d}`));
    for (let i = 0; i < 4; i++) out.push(btg(plus(START, d * DAY + 20 + i), 'busy', `p-busy-${d}-${i}`));
  }
  return out.sort((a, b) => (a.time < b.time ? -1 : 1));
}
const DAY5 = plus(START, 4 * DAY);

describe('rule btg-abuse', () => {
  it("fires when a physician breaks the glass on far more patients than their role's norm", () => {
    const r = run(rule, ref, history());
    expect(r.alerts).toEqual([]);
    const out = r.feed(Array.from({ length: 9 }, (_, i) => btg(plus(DAY5, i * 10), 'x', `q${i}`)));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ actorId: 'x', comparedWith: 'baseline-peers', observed: 5, threshold: 4, baseline: 1 });
  });

  it("does not fire on a physician whose own norm is that high", () => {
    const r = run(rule, ref, history());
    expect(r.feed(Array.from({ length: 7 }, (_, i) => btg(plus(DAY5, i * 10), 'busy', `r${i}`)))).toEqual([]);
  });

  it('alerts once per day', () => {
    const r = run(rule, ref, history());
    r.feed(Array.from({ length: 12 }, (_, i) => btg(plus(DAY5, i * 10), 'x', `q${i}`)));
    expect(r.alerts).toHaveLength(1);
    expect(r.detector.stats().suppressedByRule['btg-abuse']).toBe(7);
  });

  it('a late declaration inside the lateness counts; behind the watermark it is reported', () => {
    const burst = Array.from({ length: 4 }, (_, i) => btg(plus(DAY5, i * 10), 'x', `q${i}`));
    const r = run(rule, ref, [...history(), ...burst, btg(plus(DAY5, 40), 'ed1', 'z')], { allowedLatenessMs: 5 * 60_000 });
    expect(r.feed([btg(plus(DAY5, 36), 'x', 'late')])).toHaveLength(1);
    const r2 = run(rule, ref, [...history(), ...burst, btg(plus(DAY5, 60), 'ed1', 'z')], { allowedLatenessMs: 5 * 60_000 });
    expect(r2.feed([btg(plus(DAY5, 36), 'x', 'late')])).toEqual([]);
    expect(r2.detector.stats().tooLate).toBe(1);
  });
});
