import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from './access-event.ts';
import { toCsv } from './csv-access-log.ts';
import { decodeMessage, DEFAULT_MAX_MESSAGE_BYTES } from './decode-message.ts';
import { sampleEvent } from './sample-event.ts';

const FIXTURES = new URL('../../../test/fixtures/fhir/', import.meta.url);
const fixtureBytes = (name: string): Uint8Array => readFileSync(new URL(name, FIXTURES));

const canonical: AccessEvent = sampleEvent({ actor: { role: null, department: null }, resourceTypes: [], purposeOfUse: [] });

describe('decodeMessage: sniffing', () => {
  it('a FHIR AuditEvent (bytes) → one fhir event', () => {
    expect(decodeMessage(fixtureBytes('read-clinician.json'))).toMatchObject([{ ok: true, event: { eventId: 'ae-read-0001', format: 'fhir' } }]);
  });
  it('a Bundle → several results', () => {
    const results = decodeMessage(fixtureBytes('bundle.json'));
    expect(results).toHaveLength(3);
    expect(results.every((r) => r.ok)).toBe(true);
  });
  it('other JSON → canonical', () => {
    expect(decodeMessage(JSON.stringify(canonical))).toEqual([{ ok: true, event: canonical }]);
  });
  it('a JSON array of documents → one result per element', () => {
    const results = decodeMessage(JSON.stringify([canonical, { ...canonical, eventId: 'e-2' }, { resourceType: 'Patient' }]));
    expect(results.map((r) => (r.ok ? r.event.eventId : r.field))).toEqual(['e-1', 'e-2', 'resourceType']);
  });
  it('NDJSON → one result per line; a broken line names its line and the others pass', () => {
    const text = `${readFileSync(new URL('audit-events.ndjson', FIXTURES), 'utf8')}{"resourceType":"AuditEvent",\n${JSON.stringify(canonical)}\n`;
    const results = decodeMessage(text);
    expect(results.map((r) => (r.ok ? r.event.eventId : `${r.field}@${r.line}`))).toEqual(['ae-read-0001', 'ae-search-0002', 'ae-export-0003', 'ae-btg-0004', 'message@5', 'e-1']);
  });
  it('a CSV message without the format header is refused with a hint', () => {
    const [result] = decodeMessage('time,actor_id,patient_ids,action\n2024-03-04T10:00:00Z,u1,P1,read\n');
    expect(result).toMatchObject({ ok: false, field: 'message' });
    expect(result?.ok === false && result.reason).toContain('cw-format: csv');
  });
});

describe('decodeMessage: told the format', () => {
  it('csv: a document with a header row and several rows', () => {
    const results = decodeMessage(toCsv([canonical, { ...canonical, eventId: 'e-2', patientIds: ['P2', 'P3'] }]), { format: 'csv' });
    expect(results).toMatchObject([
      { ok: true, event: { eventId: 'e-1', format: 'csv' } },
      { ok: true, event: { eventId: 'e-2', patientIds: ['P2', 'P3'] } },
    ]);
  });
  it('fhir: a canonical event is refused on resourceType', () => {
    expect(decodeMessage(JSON.stringify(canonical), { format: 'fhir' })).toMatchObject([{ ok: false, field: 'resourceType' }]);
  });
  it('json: the format field of the event itself is kept', () => {
    expect(decodeMessage(JSON.stringify({ ...canonical, format: 'csv' }), { format: 'json' })).toMatchObject([{ ok: true, event: { format: 'csv' } }]);
  });
});

describe('decodeMessage: failures a dead-letter reader can act on', () => {
  it('a message above the limit is one failure giving both sizes, default 256 KiB', () => {
    expect(DEFAULT_MAX_MESSAGE_BYTES).toBe(262_144);
    const big = new Uint8Array(DEFAULT_MAX_MESSAGE_BYTES + 1).fill(0x20);
    expect(decodeMessage(big)).toEqual([{ ok: false, field: 'message', reason: 'message is 262145 bytes, larger than the limit of 262144 bytes' }]);
    expect(decodeMessage(JSON.stringify(canonical), { maxBytes: 10 })).toMatchObject([{ ok: false, field: 'message', reason: expect.stringMatching(/^message is \d+ bytes, larger than the limit of 10 bytes$/) as string }]);
  });
  it('broken JSON names the JSON error', () => {
    const [result] = decodeMessage('{"eventId": "e-1", ');
    expect(result).toMatchObject({ ok: false, field: 'message' });
    expect(result?.ok === false && result.reason).toMatch(/^not valid JSON: .+/);
  });
  it('bytes that are not UTF-8, and an empty message', () => {
    expect(decodeMessage(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))).toMatchObject([{ ok: false, field: 'message', reason: expect.stringContaining('UTF-8') as string }]);
    expect(decodeMessage('  \n')).toMatchObject([{ ok: false, field: 'message' }]);
  });
  it.each([
    ['actor.id', { ...canonical, actor: { ...canonical.actor, id: "'; DROP TABLE x; --" } }],
    ['patientIds[0]', { ...canonical, patientIds: ['<script>'] }],
    ['time', { ...canonical, time: '1999-01-01T00:00:00.000Z' }],
  ])('names the field %s', (field, value) => {
    expect(decodeMessage(JSON.stringify(value))).toMatchObject([{ ok: false, field, reason: expect.any(String) as string }]);
  });
});

describe('decodeMessage: NDJSON versus one pretty-printed document', () => {
  it('a broken first NDJSON line fails alone', () => {
    const text = `{"eventId": "x",\n${JSON.stringify(canonical)}\n`;
    // The first line does not end in "}", so this is one broken document, not NDJSON.
    expect(decodeMessage(text)).toMatchObject([{ ok: false, field: 'message' }]);
    const ndjson = `{"eventId": "x", "time": }\n${JSON.stringify(canonical)}\n`;
    expect(decodeMessage(ndjson).map((r) => (r.ok ? r.event.eventId : `${r.field}@${r.line}`))).toEqual(['message@1', 'e-1']);
  });
  it('a pretty-printed document is one document', () => {
    expect(decodeMessage(JSON.stringify(canonical, null, 2))).toEqual([{ ok: true, event: canonical }]);
    expect(decodeMessage(`${JSON.stringify(canonical, null, 2).slice(0, -2)}\n`)).toMatchObject([{ ok: false, field: 'message', reason: expect.stringMatching(/^not valid JSON/) as string }]);
  });
});
