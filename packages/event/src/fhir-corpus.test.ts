import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from './access-event.ts';
import { decodeMessage } from './decode-message.ts';
import { parseFhirAuditEvent, parseFhirLine, parseFhirResource } from './fhir-audit-event.ts';

/**
 * The contract of the FHIR decoder: every AuditEvent example of the HL7 FHIR
 * R4 specification and of the IHE BALP guide that test/fixtures/fhir holds
 * (sources in test/fixtures/fhir/SOURCES.md), each with the canonical event
 * it must give, then hostile variants of them. The table is the one in
 * packages/event/README.md ("The corpus").
 */

const FHIR = new URL('../../../test/fixtures/fhir/', import.meta.url);
const load = (path: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(path, FHIR), 'utf8')) as Record<string, unknown>;

function decode(resource: unknown): AccessEvent {
  const results = parseFhirResource(resource);
  expect(results).toHaveLength(1);
  const [r] = results;
  if (!r?.ok) throw new Error(`expected an event, got ${JSON.stringify(r)}`);
  return r.event;
}

type Row = [file: string, actor: string, kind: AccessEvent['actor']['kind'], application: string | null, patients: string[], action: AccessEvent['action'], outcome?: AccessEvent['outcome']];

const JOHN = 'display:John_Smith';
const MACHINE = 'display:myMachine.example.org';
const CX = 'e3cdfc81a0d24bd^^^&2.16.840.1.113883.4.2&ISO';

const CORPUS: Row[] = [
  // IHE BALP, read: the user is the requestor; the client is the Destination Role ID.
  ['balp/ex-auditBasicReadServer', JOHN, 'user', null, ['ex-patient'], 'read'],
  ['balp/ex-auditBasicReadClient', JOHN, 'user', null, ['ex-patient'], 'read'],
  ['balp/ex-auditBasicReadNoPatient', JOHN, 'user', null, [], 'read'],
  // OAuth minimal: the user agent names no one (only the token id), so the client acts.
  ['balp/ex-auditBasicReadOServerMin', MACHINE, 'application', null, ['ex-patient'], 'read'],
  // create / update / delete / query: the client is the Source Role ID.
  ['balp/ex-auditBasicCreateServer', JOHN, 'user', null, ['ex-patient'], 'create'],
  ['balp/ex-auditBasicCreateNoUserJob', MACHINE, 'application', null, ['ex-patient'], 'create'],
  ['balp/ex-auditBasicUpdate1', 'display:Betty_Jones', 'user', null, ['ex-patient'], 'update'],
  ['balp/ex-auditBasicUpdateNoUser', MACHINE, 'application', null, ['ex-patient'], 'update'],
  ['balp/ex-auditBasicDelete2', 'display:Charley_Miller', 'user', MACHINE, ['ex-patient'], 'delete'],
  ['balp/ex-auditBasicDeleteNoUserReport', MACHINE, 'application', null, ['ex-patient'], 'delete'],
  ['balp/ex-auditBasicQueryGetClient', JOHN, 'user', null, ['ex-patient'], 'query'],
  ['balp/ex-auditBasicQueryGetNoPatient', JOHN, 'user', null, [], 'query'],
  ['balp/ex-auditBasicQueryPost', JOHN, 'user', null, ['ex-patient'], 'query'],
  // Consent decisions: the practitioner asked, through the application Device/ex-device.
  ['balp/ex-auditAuthZconsent', 'Practitioner/ex-practitioner', 'user', 'Device/ex-device', ['ex-patient'], 'execute'],
  ['balp/ex-auditAuthZconsent-deny', 'Practitioner/ex-practitioner', 'user', 'Device/ex-device', ['ex-patient'], 'execute', 'serious-failure'],
  // SAML: subjects as the IdP writes them.
  ['balp/ex-auditPoke-SAML-QDI-Min', 'UID=kskagerb', 'user', null, [], 'read'],
  ['balp/ex-auditPoke-SAML-QDI-Comp', 'UID=kskagerb', 'user', null, [], 'read'],
  ['balp/ex-auditPoke-SAML-Min2', 'JoeL', 'user', null, [], 'read'],
  // Privacy disclosures asked for by the patient: the patient acts, and is never staff.
  ['balp/ex-auditPrivacyDisclosure-recipient', 'Patient/ex-patient', 'patient', null, ['ex-patient'], 'create'],
  ['balp/ex-auditPrivacyDisclosure-source2', 'Patient/ex-patient', 'patient', null, ['ex-patient'], 'export'],
  ['balp/ex-auditPrivacyDisclosure-measurereport', 'Patient/ex-patient', 'patient', null, ['ex-patient'], 'export'],
  // HL7 FHIR R4 AuditEvent examples.
  ['r4-spec/audit-event-example-login', '95', 'user', null, [], 'execute'],
  ['r4-spec/audit-event-example-logout', '95', 'user', null, [], 'execute'],
  ['r4-spec/audit-event-example-search', '95', 'user', null, [], 'query'],
  ['r4-spec/audit-event-example-vread', '95', 'user', null, ['example'], 'read'],
  ['r4-spec/audit-event-example-media', '95', 'user', null, [CX], 'export'],
  ['r4-spec/audit-event-example-pixQuery', '95', 'user', null, [CX], 'query'],
  ['r4-spec/auditevent-example-error', '95', 'user', null, [], 'create', 'serious-failure'],
  // A disclosure by a named individual typed Source Role ID: still a person.
  ['r4-spec/auditevent-example-disclosure', 'SomeIdiot@nowhere', 'user', null, ['example'], 'export'],
  // Application start with no requestor: the application (the Source Role ID) acts.
  ['r4-spec/auditevent-example', '2.16.840.1.113883.4.2', 'application', null, [], 'execute'],
];

describe('the corpus: every BALP and R4 example is kept with its documented actor, kind, application, patients and action', () => {
  it('holds every example fixture', () => {
    const files = ['balp', 'r4-spec'].flatMap((dir) => readdirSync(new URL(`${dir}/`, FHIR)).filter((f) => f.endsWith('.json')).map((f) => `${dir}/${f.slice(0, -5)}`));
    expect(files.sort()).toEqual(CORPUS.map((row) => row[0]).sort());
  });
  it.each(CORPUS)('%s → %s (%s)', (file, actor, kind, application, patients, action, outcome = 'success') => {
    const e = decode(load(`${file}.json`));
    expect({ actor: e.actor.id, kind: e.actor.kind, application: e.application ?? null, patients: e.patientIds, action: e.action, outcome: e.outcome }).toEqual({ actor, kind, application, patients, action, outcome });
    // Whoever acted, the recording FHIR server never does, and a server URL is never the client's address.
    expect(e.actor.id).not.toBe('Device/ex-device');
    expect(e.networkAddress ?? '').not.toContain('://');
  });
  it('display-only users are marked unverified; identified ones are not', () => {
    expect(decode(load('balp/ex-auditBasicReadServer.json')).flags).toContain('unverified-actor');
    expect(decode(load('balp/ex-auditPoke-SAML-QDI-Min.json')).flags).toBeUndefined();
  });
  it("the client's and the server's record of one request are one event (same X-Request-Id)", () => {
    const client = decode(load('balp/ex-auditBasicReadClient.json'));
    const server = decode(load('balp/ex-auditBasicReadServer.json'));
    expect(client.eventId).toBe('xrid:76d148b6-586d-11ec-bf63-0242ac130002');
    expect(server.eventId).toBe(client.eventId);
    expect(server.flags).toContain('paired');
    expect(decode(load('balp/ex-auditBasicQueryGetClient.json')).eventId).toBe('xrid:cc6d168e-5871-11ec-bf63-0242ac130002');
  });
  it('the searched type of a POST search is kept', () => {
    expect(decode(load('balp/ex-auditBasicQueryPost.json')).resourceTypes).toContain('Observation');
  });
  it('as NDJSON and as one Bundle, the whole corpus decodes with no failure', () => {
    const resources = CORPUS.map(([file]) => load(`${file}.json`));
    const ndjson = resources.map((r) => JSON.stringify(r)).join('\n');
    const results = decodeMessage(ndjson, { maxBytes: 10 * 1024 * 1024 });
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results).toHaveLength(CORPUS.length);
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) };
    expect(parseFhirResource(bundle).filter((r) => !r.ok)).toEqual([]);
  });
  it('the corpus NDJSON file replays with no failure', () => {
    const text = readFileSync(new URL('corpus.ndjson', FHIR), 'utf8');
    const lines = text.trim().split('\n');
    const results = lines.flatMap((line, i) => parseFhirLine(line, i + 1));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results).toHaveLength(CORPUS.length);
  });
});

/** A copy to vary. */
const copy = (file: string): Record<string, unknown> => structuredClone(load(`${file}.json`));
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
type Agent = Record<string, unknown>;
const agentsOf = (r: Record<string, unknown>): Agent[] => r['agent'] as Agent[];

describe('hostile and real-world variants of the corpus', () => {
  it('ReadNoUser: a system-to-system read is the client, never the FHIR server', () => {
    const r = copy('balp/ex-auditBasicReadServer');
    r['agent'] = agentsOf(r).filter((a) => a['requestor'] !== true);
    const e = decode(r);
    expect(e.actor).toMatchObject({ id: MACHINE, kind: 'application' });
    expect(e.networkAddress).toBe('2001:0db8:85a3:0000:0000:8a2e:0370:7334');
  });
  it('NoUserJob with the client typed 110150 Application is kept, the client acting', () => {
    const r = copy('balp/ex-auditBasicCreateNoUserJob');
    ((agentsOf(r)[0] as Agent)['type'] as { coding: { code: string }[] }).coding[0]!.code = '110150';
    expect(decode(r).actor).toMatchObject({ id: MACHINE, kind: 'application' });
  });
  it('ReadOServer: the user acts, the OAuth app (110150) is kept as the application, its address is the client address', () => {
    const r = copy('balp/ex-auditBasicReadServer');
    const agents = agentsOf(r).filter((a) => a['requestor'] !== true && (a['type'] as { coding: { code: string }[] }).coding[0]?.code !== '110152');
    agents.push({ type: { coding: [{ system: DCM, code: '110150', display: 'Application' }] }, who: { identifier: { value: 'SampleApp' } }, requestor: false, network: { address: '192.0.2.7', type: '2' } });
    agents.push({ type: { coding: [{ system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/UserAgentTypes', code: 'UserOauthAgent' }] }, who: { identifier: { system: 'https://authz.example.org', value: 'jürgen.müller' } }, requestor: true, policy: ['tok-1'] });
    r['agent'] = agents;
    const e = decode(r);
    expect(e.actor).toMatchObject({ id: 'jürgen.müller', kind: 'user' });
    expect(e.application).toBe('SampleApp');
    expect(e.networkAddress).toBe('192.0.2.7');
  });
  it('a patient as requestor (portal, VIP chart) is actor kind patient', () => {
    const r = copy('balp/ex-auditBasicReadServer');
    (agentsOf(r)[2] as Agent)['who'] = { reference: 'Patient/vip-1' };
    r['entity'] = [{ what: { reference: 'Patient/vip-1' }, type: { code: '1' }, role: { code: '1' } }];
    expect(decode(r)).toMatchObject({ actor: { id: 'Patient/vip-1', kind: 'patient' }, patientIds: ['vip-1'] });
  });
  it('a requestor typed 110153 that is a Practitioner is a user, not an application', () => {
    const r = copy('balp/ex-auditBasicCreateServer');
    const agents = agentsOf(r).filter((a) => a['requestor'] !== true);
    (agents[0] as Agent)['who'] = { reference: 'Practitioner/pr-1' };
    (agents[0] as Agent)['requestor'] = true;
    r['agent'] = agents;
    expect(decode(r).actor).toMatchObject({ id: 'Practitioner/pr-1', kind: 'user' });
  });
  it('requestor "true" as a string still names the user, not the server', () => {
    const r = copy('balp/ex-auditBasicReadServer');
    (agentsOf(r)[2] as Agent)['requestor'] = 'true';
    expect(decode(r).actor.id).toBe(JOHN);
  });
  it('two MRN systems with one value are two patients when the hospital names its own system', () => {
    const r = copy('balp/ex-auditBasicReadServer');
    const mrn = (system: string) => ({ what: { identifier: { system, value: '12345' } }, type: { code: '1' }, role: { code: '1' } });
    r['entity'] = [mrn('urn:oid:1.2.3.own'), mrn('urn:oid:9.9.9.other')];
    expect(decode(r).patientIds).toEqual(['12345']);
    const results = parseFhirResource(r, undefined, { patientIdSystems: ['urn:oid:1.2.3.own'] });
    expect(results[0]?.ok && results[0].event.patientIds).toEqual(['12345', 'urn:oid:9.9.9.other|12345']);
  });
  it('over-long role text and source.site are cut and flagged, never refused', () => {
    const r = copy('balp/ex-auditBasicReadServer');
    (agentsOf(r)[2] as Agent)['role'] = [{ text: 'r'.repeat(1000) }];
    r['source'] = { site: 's'.repeat(5000) };
    const e = decode(r);
    expect(e.actor.role).toHaveLength(256);
    expect(e.sourceSystem).toHaveLength(256);
    expect(e.flags).toContain('truncated');
  });
  it('a leap second is accepted', () => {
    const r = copy('balp/ex-auditBasicReadServer');
    r['recorded'] = '2016-12-31T23:59:60Z';
    expect(decode(r).time).toBe('2016-12-31T23:59:59.999Z');
  });
  it('DICOM 110127 Emergency Override Started sets break-the-glass', () => {
    const r = copy('balp/ex-auditBasicReadServer');
    r['subtype'] = [...(r['subtype'] as unknown[]), { system: DCM, code: '110127', display: 'Emergency Override Started' }];
    expect(decode(r).breakTheGlass).toBe(true);
  });
  it('a failed login with no patient is activity, kept', () => {
    const r = copy('r4-spec/audit-event-example-login');
    r['outcome'] = '8';
    expect(decode(r)).toMatchObject({ patientIds: [], outcome: 'serious-failure', records: 0 });
  });
  it('a searchset with _included Patients and an OperationOutcome gives only its AuditEvents', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { resource: load('balp/ex-auditBasicReadServer.json'), search: { mode: 'match' } },
        { resource: { resourceType: 'Patient', id: 'ex-patient' }, search: { mode: 'include' } },
        { resource: { resourceType: 'OperationOutcome', issue: [] }, search: { mode: 'outcome' } },
      ],
    };
    expect(parseFhirResource(bundle).map((r) => r.ok)).toEqual([true]);
  });
  it('an R5 AuditEvent is mapped: category, code, occurred, outcome, authorization (BTG), patient, network', () => {
    const lines = readFileSync(new URL('corpus-other-versions.ndjson', FHIR), 'utf8').trim().split('\n');
    const [read, search] = lines.slice(0, 2).map((line) => parseFhirLine(line)[0]);
    expect(read).toMatchObject({ ok: true, event: { eventId: 'r5-read', actor: { id: 'u1', kind: 'user' }, patientIds: ['p1'], action: 'read', outcome: 'success', breakTheGlass: true, purposeOfUse: ['BTG'], networkAddress: '10.0.0.1', resourceTypes: ['Observation', 'Patient'] } });
    expect(search).toMatchObject({ ok: true, event: { eventId: 'r5-search-no-outcome', patientIds: ['p2'], action: 'query', outcome: 'success' } });
    const failed = { ...JSON.parse(lines[0] as string), outcome: { code: { code: '8' } } };
    expect(decode(failed).outcome).toBe('serious-failure');
  });
  it.each([
    ['STU3', { agent: [{ reference: { reference: 'Practitioner/1' }, userId: { value: 'u1' }, requestor: true }] }, 'FHIR STU3'],
    ['DSTU2', { event: { type: { code: '110110' } }, participant: [{ userId: { value: 'u1' } }] }, 'FHIR DSTU2'],
  ])('a %s AuditEvent is refused with a reason that names the version', (_name, change, words) => {
    // (R5 is mapped, above; the older versions name what they are.)
    const r = { ...copy('balp/ex-auditBasicReadServer'), ...change };
    const result = parseFhirAuditEvent(r);
    expect(result).toMatchObject({ ok: false, field: 'resourceType' });
    expect(!result.ok && result.reason).toContain(words);
  });
  it('an id-less AuditEvent nested 10,000 levels deep in an extension is read, not a stack overflow', () => {
    const r = copy('balp/ex-auditBasicReadNoPatient');
    delete r['id'];
    let deep: unknown = { url: 'x', valueString: 'leaf' };
    for (let i = 0; i < 10_000; i++) deep = { url: 'x', extension: [deep] };
    r['extension'] = [deep];
    const e = decode(r);
    expect(e.eventId).toMatch(/^h-[0-9a-f]{64}$/);
  });
  it('a line over the message limit is refused in replay exactly as ingest refuses the message', () => {
    const r = copy('balp/ex-auditBasicReadServer');
    r['extension'] = [{ url: 'pad', valueString: 'x'.repeat(300_000) }];
    const line = JSON.stringify(r);
    expect(parseFhirLine(line, 3)).toEqual([{ ok: false, field: 'message', reason: expect.stringContaining('larger than the limit of 262144 bytes') as string, line: 3 }]);
    expect(decodeMessage(line)).toMatchObject([{ ok: false, field: 'message', reason: expect.stringContaining('larger than the limit of 262144 bytes') as string }]);
  });
});
