import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '@chartwatch/event';
import { toCsv } from '@chartwatch/event';
import type { Alert } from './alert.ts';
import { createReplay, parseInput, ReplayOrderError, replayEvents } from './replay.ts';
import type { ReplayScorer } from './replay.ts';
import { access, packRule, patient, plus, reference, staff } from './rules/rule-fixture.ts';

const T0 = '2026-03-03T10:00:00.000Z';
const rules = [packRule('vip-snoop'), packRule('self-access')];
const ref = reference({
  staff: [staff('u1', { department: 'cardiology' })],
  patients: [patient('vip', { vip: true }), patient('me', { employeeActorId: 'u1' }), patient('p1')],
});
const events: AccessEvent[] = [
  access({ id: 'a3', time: plus(T0, 30), actor: 'u1', patients: ['me'] }),
  access({ id: 'a1', time: T0, actor: 'u1', patients: ['vip'] }),
  access({ id: 'a2', time: plus(T0, 1), actor: 'u1', patients: ['p1'] }),
];
const ndjson = events.map((e) => JSON.stringify(e)).join('\n');

describe('replayEvents', () => {
  it('sorts by event time and reports alerts per rule', () => {
    const { alerts, summary } = replayEvents({ input: ndjson, format: 'json', rules, reference: ref });
    expect(alerts.map((a) => [a.ruleId, a.evidenceEventIds[0]])).toEqual([
      ['vip-snoop', 'a1'],
      ['self-access', 'a3'],
    ]);
    expect(summary).toMatchObject({ events: 3, invalid: 0, alerts: 2, alertsByRule: { 'vip-snoop': 1, 'self-access': 1 }, late: 0, firstEventTime: T0, lastEventTime: plus(T0, 30) });
  });

  it('counts invalid lines by field, with samples naming the line', () => {
    const input = `${ndjson}\nnot json\n${JSON.stringify({ ...events[0], eventId: 'x', time: 'soon' })}\n\n`;
    const { summary } = replayEvents({ input, format: 'json', rules, reference: ref });
    expect(summary.events).toBe(3);
    expect(summary.invalid).toBe(2);
    expect(summary.invalidByField).toEqual({ message: 1, time: 1 });
    expect(summary.invalidSamples.map((s) => s.line)).toEqual([4, 5]);
  });

  it('in arrival order, an event behind the watermark is reported as late, not lost silently', () => {
    const { summary } = replayEvents({ input: ndjson, format: 'json', rules, reference: ref, sort: false, allowedLatenessMs: 60_000 });
    expect(summary.late).toBe(2);
    expect(summary.lateSamples.map((l) => l.eventId)).toEqual(['a1', 'a2']);
    expect(summary.alertsByRule).toEqual({ 'self-access': 1 });
  });

  it('reads CSV exports and FHIR AuditEvent lines', () => {
    const csv = replayEvents({ input: toCsv(events), format: 'csv', rules, reference: ref });
    expect(csv.summary).toMatchObject({ events: 3, alerts: 2 });
    const fhir = readFileSync(new URL('../../../test/fixtures/fhir/audit-events.ndjson', import.meta.url), 'utf8');
    const results = parseInput(fhir, 'fhir');
    expect(results.length).toBeGreaterThan(0);
    expect(replayEvents({ input: fhir, format: 'fhir', rules, reference: ref }).summary.events).toBe(results.filter((r) => r.ok).length);
  });

  it('hands every event to the scorers in event-time order, and their alerts out with the rules\'', () => {
    const seen: string[] = [];
    const modelAlert = { ruleId: 'model' } as Alert;
    const scorer: ReplayScorer = {
      name: 'test',
      process: (e) => {
        seen.push(e.eventId);
        return [];
      },
      flush: () => [modelAlert],
    };
    const { alerts, summary } = replayEvents({ input: ndjson, format: 'json', rules, reference: ref, scorers: [scorer] });
    expect(seen).toEqual(['a1', 'a2', 'a3']);
    expect(alerts.at(-1)).toBe(modelAlert);
    expect(summary.alertsByRule['model']).toBe(1);
  });

  it('streams alerts to onAlert without collecting them', () => {
    const got: string[] = [];
    const { alerts } = replayEvents({ input: ndjson, format: 'json', rules, reference: ref, collect: false, onAlert: (a) => got.push(a.ruleId) });
    expect(alerts).toEqual([]);
    expect(got).toEqual(['vip-snoop', 'self-access']);
  });
});

describe('createReplay (streaming)', () => {
  // Events in order except for bounded jitter, as an exporter writing a few threads' logs would.
  const jittered: AccessEvent[] = [];
  for (let i = 0; i < 400; i++) {
    const id = `e${String(i).padStart(3, '0')}`;
    const actor = `u${i % 3 === 0 ? 1 : 2}`;
    const patients = i % 50 === 0 ? ['vip'] : i % 77 === 0 ? ['me'] : [`p${i % 9}`];
    // Up to 90 s of disorder, and every tenth event at the same time as the one before.
    const seconds = i * 20 - (i % 5) * 18 + (i % 10 === 0 ? 0 : 1);
    jittered.push(access({ id, time: plus(T0, seconds / 60), actor, patients }));
  }

  it('with a window wider than the disorder, gives the full sort\'s alerts and summary', () => {
    const sorted = replayEvents({ parsed: jittered.map((event) => ({ ok: true as const, event })), rules, reference: ref });
    const streaming = createReplay({ rules, reference: ref, reorderWindowMs: 5 * 60_000 });
    let most = 0;
    for (const event of jittered) {
      streaming.push({ ok: true, event });
      most = Math.max(most, streaming.buffered());
    }
    const result = streaming.finish();
    expect(result.alerts).toEqual(sorted.alerts);
    expect(result.summary).toEqual(sorted.summary);
    expect(sorted.alerts.length).toBeGreaterThan(2);
    // The buffer held a window's worth, not the file.
    expect(most).toBeLessThan(30);
  });

  it('stops with a message naming the line when an event is further behind than the window', () => {
    const streaming = createReplay({ rules, reference: ref, reorderWindowMs: 60_000 });
    streaming.push({ ok: true, event: access({ id: 'b1', time: plus(T0, 0), actor: 'u1', patients: ['p1'] }) }, 1);
    // b2 is an hour on: b1 leaves the buffer and is replayed.
    streaming.push({ ok: true, event: access({ id: 'b2', time: plus(T0, 60), actor: 'u1', patients: ['p1'] }) }, 2);
    // Still within the window of b2, though behind b1: too late, b1 has run.
    expect(() => streaming.push({ ok: true, event: access({ id: 'b3', time: plus(T0, -5), actor: 'u1', patients: ['p1'] }) }, 3)).toThrow(
      /^CW_ERR_INPUT: line 3: event b3 is 5 min older than an event already replayed, more than the reorder window of 60 s: the input is not in event-time order\. Sort it/,
    );
    expect(() => streaming.push({ ok: true, event: access({ id: 'b4', time: plus(T0, -1), actor: 'u1' }) })).toThrow(ReplayOrderError);
  });
});
