import { describe, expect, it } from 'vitest';
import { ringShape, SlidingAgg } from './sliding-window.ts';

const SLIDE = 30 * 60_000;
const T0 = Date.parse('2026-03-02T20:00:00.000Z');
const pane = (k: number) => T0 + k * SLIDE;

describe('SlidingAgg', () => {
  it('counts events and distinct patients of the newest window; patients leave with their panes', () => {
    const agg = new SlidingAgg(ringShape(8, SLIDE, false));
    expect(agg.add(pane(0), 1, 'e1', [1, 2, 3], 0, 3)).toBe(true);
    expect(agg.add(pane(1), 1, 'e2', [3, 4], 0, 2)).toBe(true);
    expect(agg.count()).toBe(2);
    expect(agg.distinctPatients()).toBe(4);
    expect(agg.patientIdxs()).toEqual([1, 2, 3, 4]);
    expect(agg.windowStart).toBe(pane(1) - 7 * SLIDE);
    // Eight panes later the first pane has left the ring; patient 3 stays (seen again in pane 1), then goes too.
    agg.add(pane(8), 1, 'e3', [9], 0, 1);
    expect(agg.count()).toBe(2);
    expect(agg.patientIdxs()).toEqual([3, 4, 9]);
    agg.add(pane(20), 1, 'e4', [], 0, 0);
    expect(agg.count()).toBe(1);
    expect(agg.distinctPatients()).toBe(0);
  });

  it('grows and shrinks its patient list past the scan limit, with the same counts', () => {
    const agg = new SlidingAgg(ringShape(8, SLIDE, true));
    const many = Array.from({ length: 100 }, (_, i) => i);
    agg.add(pane(0), 3, 'e1', many, 0, 100);
    agg.add(pane(0), 4, 'e2', many, 50, 100);
    expect(agg.distinctPatients()).toBe(100);
    expect(agg.records()).toBe(7);
    expect(agg.patientIdxs()).toHaveLength(100);
    agg.add(pane(9), 1, 'e3', [5, 500], 0, 2);
    expect(agg.distinctPatients()).toBe(2);
    expect(agg.patientIdxs()).toEqual([5, 500]);
    expect(agg.add(pane(0), 1, 'late', [7], 0, 1)).toBe(false);
  });

  it('keeps evidence once armed, and forgets it when the ring empties', () => {
    const agg = new SlidingAgg(ringShape(8, SLIDE, false));
    agg.add(pane(0), 1, 'e1', [1], 0, 1);
    expect(agg.armed).toBe(false);
    agg.arm('e1');
    agg.add(pane(1), 1, 'e2', [2], 0, 1);
    expect(agg.evidenceIds()).toEqual(['e1', 'e2']);
    agg.add(pane(30), 1, 'e3', [], 0, 0);
    expect(agg.armed).toBe(false);
    expect(agg.evidenceIds()).toEqual([]);
  });

  it('cites only the events of the window it judges: evidence leaves with its pane', () => {
    const agg = new SlidingAgg(ringShape(8, SLIDE, false));
    agg.add(pane(0), 1, 'e0', [1], 0, 1);
    agg.arm('e0', pane(0));
    agg.add(pane(3), 1, 'e3', [2], 0, 1);
    agg.add(pane(8), 1, 'e8', [3], 0, 1);
    // The window is now panes 1-8: e0 slid out, e3 and e8 are in it.
    expect(agg.evidenceIds()).toEqual(['e3', 'e8']);
    agg.add(pane(11), 1, 'e11', [4], 0, 1);
    expect(agg.evidenceIds()).toEqual(['e8', 'e11']);
    expect(agg.count()).toBe(2);
  });

  it('counts distinct patients as a recount of the events would, late panes and long gaps included', () => {
    // Seeded walk: mostly forward by 0-2 panes, sometimes back inside the ring (a late event), sometimes far ahead.
    let seed = 7;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const agg = new SlidingAgg(ringShape(8, SLIDE, false));
    const seen: { pane: number; patient: number }[] = [];
    let head = 0;
    for (let i = 0; i < 3000; i++) {
      const r = rnd(100);
      head += r < 60 ? 0 : r < 95 ? 1 : r < 98 ? 2 : 12;
      const k = rnd(4) === 0 ? head - rnd(10) : head;
      const patients = Array.from({ length: 1 + rnd(3) }, () => rnd(60));
      if (!agg.add(pane(k), 1, `e${i}`, patients, 0, patients.length)) continue;
      for (const p of patients) seen.push({ pane: k, patient: p });
      const from = (agg.windowStart - T0) / SLIDE;
      const expected = new Set(seen.filter((s) => s.pane >= from).map((s) => s.patient)).size;
      expect(agg.distinctPatients()).toBe(expected);
    }
  });
});
