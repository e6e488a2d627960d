import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '@chartwatch/event';
import { toCsv } from '@chartwatch/event';
import type { Alert } from './alert.ts';
import { parseInput, replayEvents } from './replay.ts';
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
