import { describe, expect, it } from 'vitest';
import type { AccessEvent } from './access-event.ts';
import { parseCanonicalEvent, parseCanonicalLine } from './canonical-json.ts';
import { sampleEvent } from './sample-event.ts';

const event: AccessEvent = sampleEvent({ actor: { department: 'ICU' } });

describe('parseCanonicalLine', () => {
  it('accepts a canonical event as it is', () => {
    expect(parseCanonicalLine(JSON.stringify(event))).toEqual({ ok: true, event });
  });
  it('keeps a given format, defaults a missing one to json', () => {
    expect(parseCanonicalLine(JSON.stringify({ ...event, format: 'fhir' }))).toMatchObject({ ok: true, event: { format: 'fhir' } });
    const { format: _format, ...withoutFormat } = event;
    expect(parseCanonicalLine(JSON.stringify(withoutFormat))).toMatchObject({ ok: true, event: { format: 'json' } });
    expect(parseCanonicalLine(JSON.stringify({ ...event, format: 'xml' }))).toMatchObject({ ok: false, field: 'format' });
  });
  it('a missing eventId becomes the content hash, independent of key order and format', () => {
    const a = parseCanonicalEvent({ ...event, eventId: undefined });
    const b = parseCanonicalEvent(Object.fromEntries(Object.entries({ ...event, eventId: null, format: 'csv' }).reverse()));
    expect(a.ok && a.event.eventId).toMatch(/^h-[0-9a-f]{64}$/);
    expect(b.ok && b.event.eventId).toBe(a.ok && a.event.eventId);
    const c = parseCanonicalEvent({ ...event, eventId: '', records: 2 });
    expect(c.ok && c.event.eventId).not.toBe(a.ok && a.event.eventId);
  });
  it('rewrites an ISO-8601 time with an offset to the canonical form', () => {
    expect(parseCanonicalEvent({ ...event, time: '2024-03-04T11:00:00+01:00' })).toMatchObject({ ok: true, event: { time: '2024-03-04T10:00:00.000Z' } });
    expect(parseCanonicalEvent({ ...event, time: '2024-03-04T11:00:00' })).toMatchObject({ ok: false, field: 'time' });
  });
  it('does not modify the object it is given and drops unknown members', () => {
    const input = { ...event, eventId: undefined, extra: 1 };
    const result = parseCanonicalEvent(input);
    expect(input.eventId).toBeUndefined();
    expect(result.ok && 'extra' in result.event).toBe(false);
  });
  it('a search over 20,000 patients keeps 10,000 ids and the count; over-long text is cut and flagged', () => {
    const many = Array.from({ length: 20_000 }, (_, i) => `P${i}`);
    const r = parseCanonicalEvent({ ...event, patientIds: many, actor: { ...event.actor, role: 'r'.repeat(300) } });
    expect(r.ok && r.event.patientIds.length).toBe(10_000);
    expect(r.ok && r.event.patientCount).toBe(20_000);
    expect(r.ok && r.event.actor.role).toHaveLength(256);
    expect(r.ok && r.event.flags).toEqual(['patients-capped', 'truncated']);
  });
  it('a line over the message limit is refused as ingest refuses the message', () => {
    expect(parseCanonicalLine(JSON.stringify({ ...event, sourceSystem: 'x'.repeat(300_000) }), 2)).toMatchObject({ ok: false, field: 'message', line: 2 });
  });
  it('names the field at fault', () => {
    expect(parseCanonicalLine(JSON.stringify({ ...event, sensitivity: ['psy'] }))).toMatchObject({ ok: false, field: 'sensitivity[0]' });
    expect(parseCanonicalLine(JSON.stringify({ ...event, actor: { ...event.actor, id: '<script>' } }))).toMatchObject({ ok: false, field: 'actor.id' });
    expect(parseCanonicalLine(JSON.stringify({ ...event, patientIds: ['P1', ''] }))).toMatchObject({ ok: false, field: 'patientIds[1]' });
    expect(parseCanonicalLine('{"eventId":', 4)).toMatchObject({ ok: false, field: 'message', line: 4 });
    expect(parseCanonicalLine('[1,2]')).toMatchObject({ ok: false, field: 'message' });
  });
});
