import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '@chartwatch/event';
import { access, packRule, plus, reference, run, staff } from './rule-fixture.ts';

const rule = packRule('after-hours-bulk');
const DAY = 24 * 60;
const PHARMACISTS = ['ph1', 'ph2', 'ph3', 'ph4', 'ph5'];
const THERAPISTS = ['th1', 'th2', 'th3', 'th4'];
const ref = reference({
  staff: [
    staff('nn', { role: 'nurse', department: 'icu' }),
    staff('dd', { role: 'physician', department: 'cardiology' }),
    ...PHARMACISTS.map((id) => staff(id, { role: 'pharmacist', department: 'pharmacy' })),
    ...THERAPISTS.map((id) => staff(id, { role: 'therapist', department: 'behavioral-health' })),
  ],
});

/** Several actors' reads merged in time order (the detector's input order). */
function together(...streams: AccessEvent[][]): AccessEvent[] {
  return streams.flat().sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

/** `count` reads of distinct patients by one actor, one every `every` minutes from `from`. */
function reads(actor: string, from: string, count: number, every: number, tag: string): AccessEvent[] {
  return Array.from({ length: count }, (_, i) => access({ time: plus(from, i * every), actor, patients: [`${tag}-${i}`] }));
}

/** A busy night nurse's four ordinary nights (Mon-Thu, 23:00-07:00 UTC): 25 patients, each read three times. */
function nights(): AccessEvent[] {
  const out: AccessEvent[] = [];
  for (let n = 0; n < 4; n++) {
    const start = plus('2026-03-02T23:00:00.000Z', n * DAY);
    for (let round = 0; round < 3; round++) out.push(...reads('nn', plus(start, round * 150), 25, 2, `n${n}`));
  }
  return out;
}
const NIGHT5 = '2026-03-06T23:00:00.000Z';

describe('rule after-hours-bulk', () => {
  it('keeps an alerted bulk read out of the baselines, so one incident does not hide the next', () => {
    // Four therapists each finish their notes after 19:00 on six weekdays: eight patients a night.
    const evenings: AccessEvent[][] = [];
    for (const [k, day] of ['02', '03', '04', '05', '06', '09'].entries()) {
      for (const th of THERAPISTS) evenings.push(reads(th, `2026-03-${day}T19:${String(10 + k).padStart(2, '0')}:00.000Z`, 8, 3, `${th}-e${day}`));
    }
    const r = run(rule, ref, together(...evenings));
    expect(r.alerts).toEqual([]);
    // th1 reads 99 patients between 02:30 and 04:09: alerted against the floor.
    expect(r.feed(reads('th1', '2026-03-10T02:30:00.000Z', 99, 1, 'bulk1')).map((a) => a.actorId)).toEqual(['th1']);
    // Two weeks later th2 does the same. Had th1's 99 entered the role's after-hours history, the peers'
    // 0.99 quantile × 1.25 would allow 123.
    const second = r.feed(reads('th2', '2026-03-24T02:30:00.000Z', 99, 1, 'bulk2'));
    expect(second).toHaveLength(1);
    expect(second[0]?.actorId).toBe('th2');
    // th1's reads up to the floor stay in: the day's peak before the alert was workload as far as anyone knew.
    expect(second[0]?.threshold).toBeLessThan(40);
  });

  it('fires when a day worker reads dozens of patients in the small hours', () => {
    const { alerts } = run(rule, ref, reads('dd', '2026-03-04T01:00:00.000Z', 40, 3, 'x'));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ actorId: 'dd', observed: 31, threshold: 30, comparedWith: 'fixed', measure: 'distinct patients' });
    // No history at all: the explanation says the floor judged it.
    expect(alerts[0]?.explanation).toMatch(/Cold start: no history yet for this key or its role, so the rule's floor of 30 applied\.$/);
  });

  it('fires when a night worker reads many times their usual volume, not on a busy ordinary night', () => {
    const r = run(rule, ref, nights());
    expect(r.alerts).toEqual([]);
    // 40 patients would pass the floor of 30 for anyone else, but it is an ordinary night for her.
    expect(r.feed(reads('nn', NIGHT5, 40, 5, 'busy'))).toEqual([]);
    const out = r.feed(reads('nn', plus(NIGHT5, 240), 120, 1, 'bulk'));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ comparedWith: 'baseline-self', baseline: 25, threshold: 75, observed: 76 });
  });

  it('does not fire on the same volume in business hours, in the hospital time zone', () => {
    // 14:00 UTC is business hours in UTC but 23:00 in Tokyo.
    const day = reads('dd', '2026-03-04T14:00:00.000Z', 40, 3, 'y');
    expect(run(rule, ref, day).alerts).toEqual([]);
    expect(run(rule, ref, day, { timezone: 'Asia/Tokyo' }).alerts).toHaveLength(1);
  });

  it('a weekend counts as after hours all day', () => {
    expect(run(rule, ref, reads('dd', '2026-03-07T11:00:00.000Z', 40, 3, 'w')).alerts).toHaveLength(1);
  });

  it("a weekend day shift is judged against the same hours on weekdays: a heavy reader's usual volume passes, a light reader's bulk does not", () => {
    const weekdays = (actor: string, perMorning: number) =>
      [0, 1, 2, 3, 4].flatMap((d) => reads(actor, plus('2026-03-02T08:00:00.000Z', d * DAY), perMorning, 4, `${actor}${d}`));
    const heavy = run(rule, ref, weekdays('dd', 40));
    expect(heavy.alerts).toEqual([]);
    expect(heavy.feed(reads('dd', '2026-03-07T08:00:00.000Z', 45, 4, 'sat'))).toEqual([]);
    const light = run(rule, ref, weekdays('nn', 8));
    const out = light.feed(reads('nn', '2026-03-07T08:00:00.000Z', 45, 4, 'sat'));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ threshold: 30, comparedWith: 'baseline-self', baseline: 8 });
  });

  it("a weekend crew of one role all reading a heavy volume is workload, with no history yet; one of them far above the others is not", () => {
    // Saturday morning, the detector's first day: no baseline, so the floor of 30 is all the history can say.
    const crew = (n: number) => PHARMACISTS.slice(0, n).map((id, k) => reads(id, plus('2026-03-07T08:00:00.000Z', k), 40, 3, `${id}-`));
    expect(run(rule, ref, together(...crew(4))).alerts).toEqual([]);
    // The same reads by one of them alone pass the floor.
    expect(run(rule, ref, crew(1)[0] as AccessEvent[]).alerts).toHaveLength(1);
    // A fifth starts an hour later and reads a patient a minute: when it passes 30 (09:30), the four others
    // have read 30 each, and 1.5 × their median is what is allowed.
    const out = run(rule, ref, together(...crew(4), reads('ph5', '2026-03-07T09:00:30.000Z', 100, 1, 'bulk'))).alerts;
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ actorId: 'ph5', comparedWith: 'baseline-peers', baseline: 30, threshold: 45, observed: 46 });
  });

  it('colleagues whose shift ended hours ago in the window are not at work now', () => {
    // Three night pharmacists read 40 patients each until 06:00 on Saturday; the day pharmacist starts at 07:00.
    const night = PHARMACISTS.slice(0, 3).map((id, k) => reads(id, plus('2026-03-07T04:00:00.000Z', k), 40, 3, `${id}-`));
    const day = reads('ph4', '2026-03-07T07:00:00.000Z', 40, 4, 'day');
    const out = run(rule, ref, together(...night, day)).alerts.filter((a) => a.actorId === 'ph4');
    // At its 31st patient (09:00), in the window from 05:30 that still holds the night's reads.
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ comparedWith: 'fixed', threshold: 30, observed: 31, windowStart: '2026-03-07T05:30:00.000Z' });
  });

  it('one burst is one alert, however many overlapping windows it spans', () => {
    const r = run(rule, ref, reads('dd', '2026-03-04T00:30:00.000Z', 150, 2, 'z'));
    expect(r.alerts).toHaveLength(1);
    expect(r.detector.stats().suppressedByRule['after-hours-bulk']).toBeGreaterThan(100);
  });

  it('a late read inside the lateness counts; behind the watermark it is reported, not counted', () => {
    const burst = reads('dd', '2026-03-04T01:00:00.000Z', 30, 1, 'l');
    const r = run(rule, ref, burst, { allowedLatenessMs: 10 * 60_000 });
    expect(r.alerts).toEqual([]);
    expect(r.feed([access({ time: '2026-03-04T01:25:00.000Z', actor: 'dd', patients: ['late'] })])).toHaveLength(1);
    const r2 = run(rule, ref, [...burst, access({ time: '2026-03-04T02:00:00.000Z', actor: 'nn', patients: ['q'] })], { allowedLatenessMs: 10 * 60_000 });
    expect(r2.feed([access({ time: '2026-03-04T01:25:00.000Z', actor: 'dd', patients: ['late'] })])).toEqual([]);
    expect(r2.detector.takeLate()).toHaveLength(1);
  });
});
