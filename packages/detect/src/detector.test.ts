import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@chartwatch/errors';
import { createDetector } from './detector.ts';
import { loadRulesDir, parseRule } from './load-rules.ts';
import { access, packRule, patient, plus, reference, run, staff } from './rules/rule-fixture.ts';

const T0 = '2026-03-03T10:00:00.000Z';
const bulk = parseRule({
  file: 'bulk.yaml',
  text: `
id: bulk
version: 3
title: Bulk
severity: low
key: actor
measure: distinct-patients
window: { size: 1h }
threshold: { above: 150 }
explain: "{actor} {observed}/{threshold} {patientCount} {evidenceCount} {window}"
`,
});
const ref = reference({ staff: [staff('u1')], patients: [patient('vip', { vip: true })] });
const many = (n: number, actor = 'u1', from = T0) => Array.from({ length: n }, (_, i) => access({ id: `e${i}`, time: plus(from, i * 0.1), actor, patients: [`p${i}`] }));

describe('createDetector', () => {
  it('caps evidence and patient ids at 100 and keeps the totals', () => {
    const { alerts } = run(bulk, ref, many(151));
    expect(alerts).toHaveLength(1);
    const a = alerts[0];
    expect(a?.evidenceEventIds).toHaveLength(100);
    expect(a?.evidenceEventIds[0]).toBe('e0');
    expect(a?.evidenceCount).toBe(151);
    expect(a?.patientIds).toHaveLength(100);
    expect(a?.patientCount).toBe(151);
    expect(a?.explanation).toBe('u1 151/150 151 151 1h');
    expect(a?.ruleVersion).toBe(3);
  });

  it('counts distinct patients exactly past the Set (bitmap, then a grown bitmap), with repeats and uncoded ids', () => {
    const wide = parseRule({ file: 'wide.yaml', text: 'id: wide\nversion: 1\ntitle: Wide\nseverity: low\nkey: actor\nmeasure: distinct-patients\nwindow: { size: 1d }\nthreshold: { above: 301 }\nexplain: "{observed}"\n' });
    const reads = (actor: string, ids: readonly string[], from: number) => ids.map((id, i) => access({ time: plus(T0, (from + i) * 0.001), actor, patients: [id] }));
    const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    const own = range('p', 300);
    const events = [
      // u2 numbers 6,000 patients first, so u1's bitmap starts at a high patient number.
      ...reads('u2', range('q', 6000), 0),
      ...reads('u1', own, 6000),
      ...reads('u1', own, 6300),
      ...reads('u2', range('r', 3000), 6600),
      // Past the first bitmap's end: it grows and keeps what it held (p0 again is no new patient); then an id too long to code.
      ...reads('u1', ['r2999', 'p0', 'r2999', 'patient-with-a-long-identifier'], 9600),
    ];
    const alerts = run(wide, ref, events).alerts.filter((a) => a.actorId === 'u1');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ observed: 302, patientCount: 302, evidenceCount: 604 });
    expect(alerts[0]?.patientIds.slice(0, 2)).toEqual(['p0', 'p1']);
  });

  it('is deterministic: the same events give the same alerts, ids included', () => {
    const events = many(200);
    const a = run([bulk, packRule('vip-snoop')], ref, events).alerts;
    const b = run([bulk, packRule('vip-snoop')], ref, events).alerts;
    expect(a).toEqual(b);
    expect(a[0]?.alertId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('evicts closed windows once the watermark passes them', () => {
    const r = run(bulk, ref, many(20), { allowedLatenessMs: 60_000 });
    expect(r.detector.stats()).toMatchObject({ activeKeys: 1, activeWindows: 1 });
    r.feed([access({ time: plus(T0, 62), actor: 'u2', patients: ['x'] })]);
    expect(r.detector.stats()).toMatchObject({ activeKeys: 1, activeWindows: 1 }); // u2's window only
    expect(r.detector.advanceTo(Date.parse(plus(T0, 200)))).toEqual([]);
    expect(r.detector.stats()).toMatchObject({ activeKeys: 0, activeWindows: 0 });
  });

  it('flush closes everything; later events older than the newest seen are too late', () => {
    const r = run(bulk, ref, many(10));
    r.detector.flush();
    expect(r.detector.stats()).toMatchObject({ activeWindows: 0, activeKeys: 0, watermark: plus(T0, 0.9) });
    r.feed(many(1));
    expect(r.detector.stats().tooLate).toBe(1);
  });

  it('warmUp rebuilds state without alerting, and does not alert twice for a window it saw alert', () => {
    const events = many(200);
    const d = createDetector({ rules: [bulk], reference: ref });
    d.warmUp(events.slice(0, 160));
    expect(d.stats().alerts).toBe(0);
    const after: unknown[] = [];
    for (const e of events.slice(160)) after.push(...d.process(e));
    expect(after).toEqual([]);
    // The next window alerts again as usual.
    for (const e of many(151, 'u1', plus(T0, 60))) after.push(...d.process(e));
    expect(after).toHaveLength(1);
  });

  it('counts events with an unreadable time and goes on', () => {
    const d = createDetector({ rules: [bulk], reference: ref });
    expect(d.process({ ...access({ time: T0, actor: 'u1' }), time: 'not a time' })).toEqual([]);
    expect(d.stats()).toMatchObject({ events: 1, invalidTime: 1 });
  });

  it('swaps reference data without losing state', () => {
    const vip = packRule('vip-snoop');
    const r = run(vip, reference({ staff: [staff('u1')], patients: [patient('p9')] }), [access({ time: T0, actor: 'u1', patients: ['p9'] })]);
    expect(r.alerts).toEqual([]);
    r.detector.setReference(reference({ staff: [staff('u1')], patients: [patient('p9', { vip: true })] }));
    expect(r.feed([access({ time: plus(T0, 1), actor: 'u1', patients: ['p9'] })])).toHaveLength(1);
  });

  it('refuses bad options by name', () => {
    expect(() => createDetector({ rules: [], reference: ref, timezone: 'Nowhere/Land' })).toThrow(ConfigError);
    expect(() => createDetector({ rules: [], reference: ref, allowedLatenessMs: -1 })).toThrow(/allowedLatenessMs/);
    expect(() => createDetector({ rules: [], reference: ref, care: { memoryMs: Number.NaN } })).toThrow(/care\.memoryMs/);
  });

  it('reports watermark and maximum event time', () => {
    const d = createDetector({ rules: [bulk], reference: ref, allowedLatenessMs: 60_000 });
    d.process(access({ time: T0, actor: 'u1' }));
    expect(d.stats()).toMatchObject({ maxEventTime: T0, watermark: plus(T0, -1) });
  });

  it('feeds a self-match baseline when no match predicate is left to run (no match block, or one the prefilter decides)', () => {
    // The after-hours rule's shape without its match: the tracker must still see every read (it once ran only
    // after a match predicate had passed, so a rule with none never built the history).
    const nights = (match: string) => parseRule({
      file: 'nights.yaml',
      text: `
id: nights
version: 1
title: Night reads
severity: low
MATCH
conditions:
  - after-hours: { start: "07:00", end: "19:00", days: [mon, tue, wed, thu, fri] }
key: actor
measure: distinct-patients
window: { size: 1h }
threshold:
  baseline: { of: self-match, k: 0, ratio: 1.5, minimum: 5, minHistoryDays: 2, historyDays: 28 }
  fallback: 5
explain: "{observed}/{threshold}"
`.replace('MATCH', match),
    });
    const hour = (actor: string, from: string, n: number, prefix: string) => Array.from({ length: n }, (_, i) => access({ time: plus(from, i * 2), actor, patients: [`${prefix}${i}`] }));
    const days = ['2026-03-02', '2026-03-03', '2026-03-04'];
    // u1 reads 20 charts in an hour on three working days; on the fourth day both read 12 at night.
    const history = days.flatMap((d, k) => hour('u1', `${d}T10:00:00.000Z`, 20, `d${k}-`));
    const night = [...hour('u1', '2026-03-05T22:00:00.000Z', 12, 'n'), ...hour('u2', '2026-03-05T22:00:00.000Z', 12, 'm')];
    const events = [...history, ...night].sort((a, b) => a.time.localeCompare(b.time));
    const ref = reference({ staff: [staff('u1'), staff('u2')] });
    // u1's usual hour allows 30; u2 has no history, so the fallback of 5 applies.
    for (const match of ['', 'match: { actorKind: user }', 'match: { actorKind: user, outcomes: success }', 'match: { actions: [read] }']) {
      expect(run(nights(match), ref, events).alerts.map((a) => a.actorId), match).toEqual(['u2']);
    }
  });

  it("a peers-now baseline on tumbling windows: the role's windows of the same start, other members only", () => {
    const daily = parseRule({
      file: 'daily.yaml',
      text: `
id: daily
version: 1
title: Daily
severity: low
key: actor
measure: distinct-patients
window: { size: 1d }
threshold:
  baseline:
    - of: peers-now
      ratio: 2
      minPeers: 2
  fallback: 10
explain: "{observed} {threshold} {comparedWith} {baseline}"
`,
    });
    const team = reference({ staff: ['a', 'b', 'c', 'd'].map((id) => staff(id, { role: 'clerk' })) });
    const day = (actor: string, n: number, from = T0) => Array.from({ length: n }, (_, i) => access({ time: plus(from, i), actor, patients: [`${actor}-${i}`] }));
    // Yesterday's windows are not today's: b and c read 20 each yesterday, a alone today passes the fallback.
    expect(run(daily, team, [...day('b', 20, '2026-03-02T10:00:00.000Z'), ...day('c', 20, '2026-03-02T10:30:00.000Z'), ...day('a', 12)]).alerts.map((x) => x.actorId)).toEqual(['b', 'c', 'a']);
    // Today b and c read 9 and 12 first. c passes the fallback at 11 with b alone beside it (its own count is
    // not a peer's). The pool read then (b 9, c 11) holds 30 minutes of event time; read again at 10:50, an
    // alerted window still counts in full (b 9, c 12): a is allowed 2 × 10.5.
    const out = run(daily, team, [...day('b', 9), ...day('c', 12, plus(T0, 10)), ...day('a', 30, plus(T0, 30))]).alerts;
    expect(out.map((x) => [x.actorId, x.observed, x.threshold, x.comparedWith, x.baseline])).toEqual([['c', 11, 10, 'fixed', null], ['a', 22, 21, 'baseline-peers', 10.5]]);
  });

  it('keeps the invariants the hot path does not check, over a week of the whole pack', async () => {
    const pack = await loadRulesDir(fileURLToPath(new URL('../../../rules/', import.meta.url)));
    const actors = Array.from({ length: 40 }, (_, i) => staff(`u${i}`, { role: i % 3 === 0 ? 'pharmacist' : 'nurse' }));
    const hospital = reference({ staff: actors, patients: Array.from({ length: 500 }, (_, i) => patient(`p${i}`, { vip: i % 97 === 0 })) });
    // Deterministic, spread over every hour of seven days, a few bulk readers: keys open, fire, close, are forgotten and reused.
    const events = Array.from({ length: 20_000 }, (_, n) => {
      const actor = n % 40;
      const bulkReader = actor < 3 && n % 7 === 0;
      return access({ time: plus(T0, n * 0.5), actor: `u${actor}`, patients: [`p${bulkReader ? n % 500 : (actor * 7 + (n % 11)) % 500}`] });
    });
    const { detector } = run(pack, hospital, events);
    detector.flush();
    expect(detector.brokenInvariants()).toEqual([]);
    // 20,000 events through the whole pack: about a second idle, several on a loaded 2-core machine.
  }, 30_000);
});
