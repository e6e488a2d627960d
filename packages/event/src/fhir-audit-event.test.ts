import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from './access-event.ts';
import { parseFhirAuditEvent, parseFhirLine, parseFhirResource } from './fhir-audit-event.ts';
import type { ParseResult } from './parse-result.ts';

const FIXTURES = new URL('../../../test/fixtures/fhir/', import.meta.url);
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, unknown>;

function only(results: ParseResult[]): AccessEvent {
  expect(results).toHaveLength(1);
  const [result] = results;
  if (!result?.ok) throw new Error(`expected an event, got ${JSON.stringify(result)}`);
  return result.event;
}

function event(resource: unknown): AccessEvent {
  const result = parseFhirAuditEvent(resource);
  if (!result.ok) throw new Error(`expected an event, got ${JSON.stringify(result)}`);
  return result.event;
}

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const patientEntity = (id: string) => ({
  what: { reference: `Patient/${id}` },
  type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1' },
  role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1' },
});

/** A minimal BALP-shaped read, to vary one element at a time. */
function minimal(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'AuditEvent',
    id: 'ae-min',
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }],
    action: 'R',
    recorded: '2024-05-01T12:00:00Z',
    outcome: '0',
    agent: [{ who: { identifier: { value: 'u1' } }, requestor: true }],
    source: { observer: { display: 'EHR' } },
    entity: [patientEntity('P1')],
    ...overrides,
  };
}

describe('BALP fixtures', () => {
  it('a clinician reading an Observation', () => {
    expect(only(parseFhirResource(fixture('read-clinician.json')))).toEqual({
      eventId: 'ae-read-0001',
      time: '2024-03-04T08:15:27.412Z',
      actor: { id: 'dr.jkowalski', kind: 'user', role: 'doctor', department: 'Cardiology' },
      patientIds: ['P000123'],
      action: 'read',
      resourceTypes: ['Observation', 'Patient'],
      sensitivity: [],
      purposeOfUse: ['TREAT'],
      breakTheGlass: false,
      outcome: 'success',
      records: 1,
      sourceSystem: "St Mary's EHR FHIR server",
      // On a read BALP puts the client (and its address) on the Destination Role ID agent, not on the user.
      networkAddress: '10.20.4.17',
      format: 'fhir',
    } satisfies AccessEvent);
  });

  it('a vendor application searching several patients', () => {
    const e = only(parseFhirResource(fixture('search-type-vendor-app.json')));
    expect(e.actor).toEqual({ id: 'acme-analytics', kind: 'application', role: null, department: null });
    expect(e.action).toBe('query');
    expect(e.patientIds).toEqual(['P000201', 'P000202', 'P000203', 'P000204', 'P000205']);
    expect(e.records).toBe(5);
    expect(e.resourceTypes).toEqual(['Observation', 'Patient']);
    expect(e.networkAddress).toBe('203.0.113.45');
    expect(e.purposeOfUse).toEqual(['HOPERAT']);
  });

  it('an export takes its record count from the query entity detail', () => {
    const e = only(parseFhirResource(fixture('export-clerk.json')));
    expect(e.action).toBe('export');
    expect(e.records).toBe(120);
    expect(e.patientIds).toEqual(['P000301', 'P000302', 'P000303']);
  });

  it('a break-the-glass read of a psychotherapy note', () => {
    const e = only(parseFhirResource(fixture('btg-psychotherapy-note.json')));
    expect(e.breakTheGlass).toBe(true);
    expect(e.purposeOfUse).toEqual(['ETREAT', 'BTG']);
    // HTEST in meta.security is a v3-ActReason test marker, not a sensitivity.
    expect(e.sensitivity).toEqual(['R', 'PSYTHPN']);
    expect(e.resourceTypes).toEqual(['DocumentReference', 'Patient']);
    expect(e.actor).toEqual({ id: 'rn.tpatel', kind: 'user', role: 'nurse', department: 'Emergency' });
  });

  it('a Bundle gives one result per entry, an id-less entry a stable content hash', () => {
    const bundle = fixture('bundle.json');
    const results = parseFhirResource(bundle);
    expect(results.map((r) => r.ok && r.event.eventId)).toEqual(['ae-update-0005', expect.stringMatching(/^h-[0-9a-f]{64}$/), 'ae-read-0001']);
    const again = parseFhirResource(JSON.parse(JSON.stringify(bundle)));
    expect(again.map((r) => r.ok && r.event.eventId)).toEqual(results.map((r) => r.ok && r.event.eventId));
    const second = results[1];
    expect(second?.ok && second.event).toMatchObject({ action: 'read', outcome: 'minor-failure', records: 0, time: '2024-03-06T10:02:13.500Z', resourceTypes: ['MedicationRequest', 'Patient'] });
    const first = results[0];
    expect(first?.ok && first.event).toMatchObject({ action: 'update', time: '2024-03-06T15:00:00.000Z' });
  });

  it('every NDJSON line parses', () => {
    const lines = readFileSync(new URL('audit-events.ndjson', FIXTURES), 'utf8').trim().split('\n');
    expect(lines.map((l) => only(parseFhirLine(l)).eventId)).toEqual(['ae-read-0001', 'ae-search-0002', 'ae-export-0003', 'ae-btg-0004']);
  });
});

describe('actor', () => {
  it('falls back to who.reference, keeping its type, when there is no identifier', () => {
    expect(event(minimal({ agent: [{ who: { reference: 'Practitioner/pr-7' }, requestor: true }] })).actor).toEqual({ id: 'Practitioner/pr-7', kind: 'user', role: null, department: null });
    // Practitioner/1 and Device/1 are two actors, not one.
    expect(event(minimal({ agent: [{ who: { reference: 'Device/1' }, requestor: true }] })).actor).toMatchObject({ id: 'Device/1', kind: 'application' });
  });
  it.each([
    ['a Device reference', { who: { reference: 'https://ehr.example.org/fhir/Device/app-9/_history/3' }, requestor: true }, 'Device/app-9'],
    ['who.type Device', { who: { type: 'Device', identifier: { value: 'client-4' } }, requestor: true }, 'client-4'],
    ['DICOM 110153 type', { type: { coding: [{ system: DCM, code: '110153' }] }, who: { identifier: { value: 'cli-1' } }, requestor: true }, 'cli-1'],
  ])('%s makes an application', (_name, agent, id) => {
    expect(event(minimal({ agent: [agent] })).actor).toMatchObject({ id, kind: 'application' });
  });
  it('the identifier wins over the reference', () => {
    expect(event(minimal({ agent: [{ who: { reference: 'Practitioner/pr-7', identifier: { value: 'jdoe' } }, requestor: true }] })).actor.id).toBe('jdoe');
  });
  it('without a requestor, the client by the direction of the interaction is the actor, never the server', () => {
    const agents = [
      { type: { coding: [{ system: DCM, code: '110153' }] }, who: { reference: 'Device/server' }, requestor: false, network: { address: 'https://fhir.example.org/r4', type: '5' } },
      { type: { coding: [{ system: DCM, code: '110152' }] }, who: { reference: 'Device/batch-job' }, requestor: false, network: { address: '10.1.1.1', type: '2' } },
    ];
    // A read: the data flows from the server (Source Role ID) to the client (Destination Role ID).
    expect(event(minimal({ agent: agents }))).toMatchObject({ actor: { id: 'Device/batch-job', kind: 'application' }, networkAddress: '10.1.1.1' });
    // A create: the client is the Source Role ID.
    const create = minimal({ action: 'C', subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'create' }], agent: agents });
    expect(event(create)).toMatchObject({ actor: { id: 'Device/server', kind: 'application' }, networkAddress: null });
  });
  it('requestor "true" as a string is still the requestor', () => {
    const agents = [
      { type: { coding: [{ system: DCM, code: '110152' }] }, who: { display: 'ws-1' }, requestor: false },
      { who: { identifier: { value: 'u9' } }, requestor: 'true' },
    ];
    expect(event(minimal({ agent: agents })).actor.id).toBe('u9');
  });
  it('a user known only by display name is kept, flagged unverified', () => {
    const e = event(minimal({ agent: [{ who: { display: ' John  Smith ' }, requestor: true }] }));
    expect(e.actor).toMatchObject({ id: 'display:John_Smith', kind: 'user' });
    expect(e.flags).toEqual(['unverified-actor']);
  });
  it('without any usable agent the event fails on actor', () => {
    expect(parseFhirAuditEvent(minimal({ agent: [{ who: { display: 'x' }, requestor: false }] }))).toMatchObject({ ok: false, field: 'actor' });
    expect(parseFhirAuditEvent(minimal({ agent: [{ who: { display: '<<>>' }, requestor: true }] }))).toMatchObject({ ok: false, field: 'actor.id' });
  });
  it('role from agent.role (code before display), department from the department system, extension or location', () => {
    const role = [{ coding: [{ system: 'urn:chartwatch:department', code: 'onc', display: 'Oncology' }] }, { coding: [{ system: 'http://snomed.info/sct', display: 'Registrar' }] }];
    expect(event(minimal({ agent: [{ who: { identifier: { value: 'u1' } }, requestor: true, role }] })).actor).toMatchObject({ role: 'Registrar', department: 'Oncology' });
    const ext = { who: { identifier: { value: 'u1' } }, requestor: true, extension: [{ url: 'urn:chartwatch:department', valueString: 'Radiology' }] };
    expect(event(minimal({ agent: [ext] })).actor.department).toBe('Radiology');
    const loc = { who: { identifier: { value: 'u1' } }, requestor: true, location: { reference: 'Location/w4', display: 'Ward 4B' } };
    expect(event(minimal({ agent: [loc] })).actor.department).toBe('Ward 4B');
  });
  it('role falls back to agent.type, but never to structural codes (Source Role ID, human user, IRCP)', () => {
    const typed = (coding: unknown[]) => event(minimal({ agent: [{ type: { coding }, who: { identifier: { value: 'u1' } }, requestor: true }] })).actor.role;
    expect(typed([{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'PHYS' }])).toBe('PHYS');
    expect(typed([{ system: 'http://terminology.hl7.org/CodeSystem/extra-security-role-type', code: 'humanuser' }])).toBeNull();
    expect(typed([{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }])).toBeNull();
  });
});

describe('patients', () => {
  it('from Patient references and from patient-typed entities with only an identifier, de-duplicated, in order', () => {
    const entity = [
      patientEntity('P2'),
      { what: { identifier: { value: 'MRN-9' } }, type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1' }, role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1' } },
      { what: { reference: 'Patient/P1' } },
      patientEntity('P2'),
      // A request id entity has an identifier but is no patient.
      { what: { identifier: { value: 'req-1' } }, type: { system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType', code: 'XrequestId' } },
    ];
    expect(event(minimal({ entity })).patientIds).toEqual(['P2', 'MRN-9', 'P1']);
  });
  it('no patient → kept as activity, with no patients', () => {
    expect(event(minimal({ entity: [{ what: { reference: 'Observation/o1' } }] })).patientIds).toEqual([]);
  });
  it('a search over 20,000 patients keeps 10,000 ids and the full count', () => {
    const entity = Array.from({ length: 20_000 }, (_, i) => patientEntity(`P${i}`));
    const e = event(minimal({ subtype: [{ code: 'search-type' }], action: 'E', entity }));
    expect(e.patientIds).toHaveLength(10_000);
    expect(e.patientCount).toBe(20_000);
    expect(e.records).toBe(20_000);
    expect(e.flags).toEqual(['patients-capped']);
  });
  it('a bulk search naming 2,000 patients keeps all, once each', () => {
    const entity = Array.from({ length: 4000 }, (_, i) => patientEntity(`P${i % 2000}`));
    const e = event(minimal({ subtype: [{ code: 'search-type' }], action: 'E', entity }));
    expect(e.patientIds).toHaveLength(2000);
    expect(e.records).toBe(2000);
  });
});

describe('action precedence: export/print beat query beat the REST interaction beat the action code', () => {
  it.each([
    ['R', undefined, 'read', 'read'],
    ['R', undefined, 'vread', 'read'],
    ['E', undefined, 'search-type', 'query'],
    ['R', undefined, 'search-system', 'query'],
    ['R', undefined, 'history-type', 'query'],
    ['R', undefined, 'history-instance', 'read'],
    ['R', { system: DCM, code: '110112' }, 'read', 'query'],
    ['R', { system: DCM, code: '110106' }, 'search-type', 'export'],
    ['R', { coding: [{ system: DCM, code: '110106', display: 'Export' }] }, undefined, 'export'],
    ['R', undefined, 'print', 'print'],
    ['C', undefined, 'create', 'create'],
    ['U', undefined, 'patch', 'update'],
    ['D', undefined, 'delete', 'delete'],
    ['E', undefined, 'operation', 'execute'],
    ['C', undefined, undefined, 'create'],
    ['U', undefined, undefined, 'update'],
    ['D', undefined, undefined, 'delete'],
    ['E', undefined, undefined, 'execute'],
  ])('action %s, type %j, subtype %s → %s', (action, type, subtype, expected) => {
    const resource = minimal({ action, type: type ?? { code: 'rest' }, subtype: subtype === undefined ? [] : [{ system: 'http://hl7.org/fhir/restful-interaction', code: subtype }] });
    expect(event(resource).action).toBe(expected);
  });
  it('no usable action → fails on action', () => {
    expect(parseFhirAuditEvent(minimal({ action: 'X', subtype: [] }))).toMatchObject({ ok: false, field: 'action' });
  });
});

describe('other elements', () => {
  it.each([
    ['0', 'success'],
    ['4', 'minor-failure'],
    ['8', 'serious-failure'],
    ['12', 'major-failure'],
    [12, 'major-failure'],
    [undefined, 'success'],
  ])('outcome %j → %s', (code, expected) => {
    expect(event(minimal({ outcome: code })).outcome).toBe(expected);
  });
  it('an unknown outcome fails on outcome', () => {
    expect(parseFhirAuditEvent(minimal({ outcome: '3' }))).toMatchObject({ ok: false, field: 'outcome' });
  });
  it.each([
    [undefined, 'AuditEvent.recorded is missing'],
    ['2024-05-01T12:00:00', 'time zone'],
    ['1999-12-31T23:59:59Z', '2000-01-01T00:00:00.000Z'],
  ])('recorded %j fails on time', (recorded, words) => {
    const result = parseFhirAuditEvent(minimal({ recorded }));
    expect(result).toMatchObject({ ok: false, field: 'time' });
    expect(!result.ok && result.reason).toContain(words);
  });
  it('purposes: the requestor agent and purposeOfEvent, upper-cased, de-duplicated; btg means break-the-glass', () => {
    const agent = { who: { identifier: { value: 'u1' } }, requestor: true, purposeOfUse: [{ coding: [{ code: 'treat' }, { code: 'btg' }] }] };
    const e = event(minimal({ agent: [agent], purposeOfEvent: [{ coding: [{ code: 'TREAT' }, { code: 'HPAYMT' }] }] }));
    expect(e.purposeOfUse).toEqual(['TREAT', 'BTG', 'HPAYMT']);
    expect(e.breakTheGlass).toBe(true);
  });
  it('sensitivity: v3-ActCode codes and confidentiality R/V; N and other systems dropped', () => {
    const entity = [
      { ...patientEntity('P1'), securityLabel: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'hiv' }, { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'N' }] },
      { what: { reference: 'DocumentReference/d1' }, securityLabel: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'V' }, { code: 'ETH' }, { code: 'N' }] },
    ];
    const meta = { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HTEST' }, { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HIV' }] };
    expect(event(minimal({ entity, meta })).sensitivity).toEqual(['HIV', 'V', 'ETH']);
  });
  it('records: a failed access returned nothing; a search counts its data entities', () => {
    expect(event(minimal({ outcome: '8' })).records).toBe(0);
    const entity = [patientEntity('P1'), { what: { reference: 'Observation/o1' } }, { what: { reference: 'Observation/o2' } }, { what: { reference: 'Condition/c1' } }];
    expect(event(minimal({ subtype: [{ code: 'search-type' }], entity })).records).toBe(3);
  });
  it('a count detail that is no number fails on records', () => {
    const entity = [patientEntity('P1'), { detail: [{ type: 'result-count', valueString: 'many' }] }];
    expect(parseFhirAuditEvent(minimal({ entity }))).toMatchObject({ ok: false, field: 'records' });
  });
  it('sourceSystem: observer identifier, display, reference, else site', () => {
    expect(event(minimal({ source: { observer: { identifier: { value: 'epic-prod' }, display: 'Epic' } } })).sourceSystem).toBe('epic-prod');
    expect(event(minimal({ source: { observer: { reference: 'Device/fhir' } } })).sourceSystem).toBe('Device/fhir');
    expect(event(minimal({ source: { site: 'north-campus' } })).sourceSystem).toBe('north-campus');
    expect(event(minimal({ source: undefined })).sourceSystem).toBeNull();
  });
  it('the derived id does not depend on key order, and changes with the content', () => {
    const a = minimal({ id: undefined });
    const reordered = Object.fromEntries(Object.entries(a).reverse());
    expect(event(a).eventId).toMatch(/^h-[0-9a-f]{64}$/);
    expect(event(reordered).eventId).toBe(event(a).eventId);
    expect(event(minimal({ id: undefined, recorded: '2024-05-01T12:00:01Z' })).eventId).not.toBe(event(a).eventId);
  });
});

describe('injection: ids reject it, free text keeps it', () => {
  const attack = "'; DROP TABLE access_events; --<script>alert(1)</script>../../";
  it('in AuditEvent.id, the requestor id or a patient id the event is invalid', () => {
    expect(parseFhirAuditEvent(minimal({ id: '../../etc/passwd' }))).toMatchObject({ ok: false, field: 'eventId' });
    expect(parseFhirAuditEvent(minimal({ agent: [{ who: { identifier: { value: attack } }, requestor: true }] }))).toMatchObject({ ok: false, field: 'actor.id' });
    expect(parseFhirAuditEvent(minimal({ entity: [patientEntity('<script>')] }))).toMatchObject({ ok: false, field: 'patientIds[0]' });
  });
  it('in role, department and source system it is kept verbatim', () => {
    const agent = { who: { identifier: { value: 'u1' } }, requestor: true, role: [{ coding: [{ code: attack }] }, { coding: [{ system: 'urn:chartwatch:department', display: attack }] }] };
    const e = event(minimal({ agent: [agent], source: { observer: { display: attack } } }));
    expect(e.actor.role).toBe(attack);
    expect(e.actor.department).toBe(attack);
    expect(e.sourceSystem).toBe(attack);
  });
});

describe('input shapes', () => {
  it('broken JSON fails on message', () => {
    expect(parseFhirLine('{"resourceType":"AuditEvent",', 7)).toEqual([{ ok: false, field: 'message', reason: expect.stringContaining('not valid JSON') as string, line: 7 }]);
  });
  it('a resource that is neither AuditEvent nor Bundle fails on resourceType', () => {
    expect(parseFhirResource({ resourceType: 'Patient', id: 'p1' })).toMatchObject([{ ok: false, field: 'resourceType' }]);
  });
  it('a Bundle entry that is no AuditEvent fails alone, naming its index; the others pass', () => {
    const results = parseFhirResource({ resourceType: 'Bundle', entry: [{ resource: minimal() }, { resource: { resourceType: 'Patient' } }, { resource: minimal({ id: 'ae-2', recorded: 'soon' }) }] });
    expect(results[0]?.ok).toBe(true);
    expect(results[1]).toMatchObject({ ok: false, field: 'resourceType', reason: expect.stringContaining('entry[1]') as string });
    expect(results[2]).toMatchObject({ ok: false, field: 'time', reason: expect.stringContaining('entry[2]: AuditEvent "ae-2"') as string });
  });
  it('an empty Bundle is a failure, not silence', () => {
    expect(parseFhirResource({ resourceType: 'Bundle', entry: [] })).toMatchObject([{ ok: false, field: 'message' }]);
  });
});

describe('codes that are Object.prototype member names', () => {
  it.each(['constructor', 'toString', '__proto__'])('%s as action, subtype or outcome is refused, not taken as a value', (code) => {
    expect(parseFhirAuditEvent(minimal({ action: code, subtype: [] }))).toMatchObject({ ok: false, field: 'action' });
    expect(parseFhirAuditEvent(minimal({ action: code, subtype: [{ code }] }))).toMatchObject({ ok: false, field: 'action' });
    expect(parseFhirAuditEvent(minimal({ outcome: code }))).toMatchObject({ ok: false, field: 'outcome', reason: expect.stringContaining('not one of 0, 4, 8, 12') as string });
  });
});
