import type { AccessEvent } from '@chartwatch/event';
import { parseCanonicalLine, parseCsvAccessLog, parseFhirAuditEvent } from '@chartwatch/event';
import { parseEncountersCsv, parsePatientsCsv, parseStaffCsv, parseVendorsCsv } from '@chartwatch/reference';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventsToCsv } from './event-csv.ts';
import { toFhirAuditEvent } from './fhir-audit-event.ts';
import { formatEvents } from './output.ts';
import { referenceToCsv } from './reference-csv.ts';
import type { Simulation } from './simulate.ts';
import { simulateHospital } from './simulate.ts';

let sim: Simulation;
let sample: AccessEvent[];

beforeAll(() => {
  sim = simulateHospital({ seed: 21, staff: 80, days: 4, start: '2026-03-02' });
  // Every kind of event there is: each action, each actor kind, labels, break-the-glass, failures, bulk pulls.
  const seen = new Set<string>();
  sample = [];
  for (const e of sim.events) {
    const key = [e.action, e.actor.kind, e.actor.role, e.sensitivity.join('|'), e.breakTheGlass, e.outcome, e.resourceTypes[0]].join(';');
    if (seen.has(key)) continue;
    seen.add(key);
    sample.push(e);
  }
});

describe('output formats', () => {
  it('covers reads, writes, searches, exports, labels, break-the-glass and failures in the sample', () => {
    const actions = new Set(sample.map((e) => e.action));
    for (const a of ['read', 'create', 'update', 'query', 'export']) expect(actions.has(a as AccessEvent['action'])).toBe(true);
    expect(sample.some((e) => e.breakTheGlass)).toBe(true);
    expect(sample.some((e) => e.outcome !== 'success')).toBe(true);
    expect(sample.some((e) => e.sensitivity.includes('PSYTHPN'))).toBe(true);
  });

  it('writes FHIR AuditEvents (IHE BALP) that the event parser reads back to the same access', () => {
    for (const event of sample) {
      const resource = toFhirAuditEvent(event);
      const parsed = parseFhirAuditEvent(JSON.parse(JSON.stringify(resource)));
      if (!parsed.ok) throw new Error(`${event.eventId}: ${parsed.field}: ${parsed.reason}`);
      // BALP names the patient with a Patient reference, which the parser counts as a resource type touched.
      const { resourceTypes, format, ...rest } = parsed.event;
      const { resourceTypes: expectedTypes, format: _f, ...expected } = event;
      expect(format).toBe('fhir');
      expect(rest).toEqual(expected);
      expect(resourceTypes.filter((t) => t !== 'Patient')).toEqual(expectedTypes.filter((t) => t !== 'Patient'));
    }
  });

  it('shapes the FHIR resource the BALP way', () => {
    interface Coding { system?: string; code?: string }
    interface Entity { what?: { reference?: string }; type?: Coding; role?: Coding; securityLabel?: Coding[] }
    interface Agent { requestor: boolean; type: { coding: Coding[] }; who: { reference?: string; identifier?: { value: string } } }
    interface Resource { type: Coding; subtype: Coding[]; action: string; agent: Agent[]; entity: Entity[]; outcome: string; recorded: string }

    const app = sample.find((e) => e.actor.kind === 'application' && e.action === 'query') as AccessEvent;
    const r = toFhirAuditEvent(app) as unknown as Resource;
    expect(r.type).toMatchObject({ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110112' });
    expect(r.subtype[0]).toMatchObject({ system: 'http://hl7.org/fhir/restful-interaction', code: 'search-type' });
    expect(r.action).toBe('E');
    const requestor = r.agent.find((a) => a.requestor) as Agent;
    expect(requestor.type.coding[0]?.code).toBe('110153');
    expect(requestor.who.reference).toBe(`Device/${app.actor.id}`);
    const patients = r.entity.filter((x) => x.role?.code === '1');
    expect(patients.length).toBe(app.patientIds.length);
    expect(patients[0]).toMatchObject({ type: { code: '1' }, what: { reference: `Patient/${app.patientIds[0]}` } });

    const user = sample.find((e) => e.actor.kind === 'user' && e.sensitivity.includes('PSYTHPN')) as AccessEvent;
    const u = toFhirAuditEvent(user) as unknown as Resource;
    expect(u.agent.find((a) => a.requestor)?.who.identifier?.value).toBe(user.actor.id);
    const labelled = u.entity.find((x) => x.securityLabel) as Entity;
    expect(labelled.securityLabel).toContainEqual({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSYTHPN' });
    expect(labelled.what?.reference).toMatch(/^DocumentReference\//);
    expect(u.outcome).toBe('0');
    expect(u.recorded).toBe(user.time);
  });

  it("follows BALP's direction: on a read the client is the Destination Role ID, on a write or a search the Source Role ID", () => {
    interface Agent { type: { coding: { code?: string }[] }; who: { reference?: string; display?: string } }
    const dicomOf = (event: AccessEvent, pick: (a: Agent) => boolean): string | undefined =>
      ((toFhirAuditEvent(event) as unknown as { agent: Agent[] }).agent.find(pick) as Agent | undefined)?.type.coding[0]?.code;
    const server = (a: Agent): boolean => a.who.reference === 'Device/ehr-fhir-server';
    const workstation = (a: Agent): boolean => a.who.display !== undefined;
    for (const [action, client, host] of [['read', '110152', '110153'], ['export', '110152', '110153'], ['create', '110153', '110152'], ['update', '110153', '110152'], ['query', '110153', '110152']] as const) {
      const e = sample.find((x) => x.action === action && x.actor.kind === 'user');
      if (e === undefined) continue;
      expect([action, dicomOf(e, workstation), dicomOf(e, server)]).toEqual([action, client, host]);
    }
  });

  it('writes CSV that the access-log parser reads back to the same events', () => {
    const text = eventsToCsv(sample, true);
    expect(text.split('\n')[0]).toBe(
      'event_id,time,actor_id,actor_kind,actor_role,actor_department,patient_ids,action,resource_types,sensitivity,purpose_of_use,break_the_glass,outcome,records,source_system,network_address',
    );
    const parsed = parseCsvAccessLog(text);
    expect(parsed.length).toBe(sample.length);
    parsed.forEach((result, i) => {
      if (!result.ok) throw new Error(`${result.field}: ${result.reason}`);
      expect(result.event).toEqual({ ...(sample[i] as AccessEvent), format: 'csv' });
    });
  });

  it('writes canonical JSON lines that parse back unchanged', () => {
    const lines = formatEvents(sample, 'json', true).trim().split('\n');
    lines.forEach((line, i) => {
      const result = parseCanonicalLine(line);
      if (!result.ok) throw new Error(`${result.field}: ${result.reason}`);
      expect(result.event).toEqual(sample[i]);
    });
  });

  it('writes reference CSVs that the reference loader reads back to the same records', () => {
    const csv = referenceToCsv(sim.reference);
    expect(parseStaffCsv(csv['staff.csv'])).toEqual(sim.reference.staff);
    expect(parsePatientsCsv(csv['patients.csv'])).toEqual(sim.reference.patients);
    expect(parseVendorsCsv(csv['vendors.csv'])).toEqual(sim.reference.vendors);
    expect(parseEncountersCsv(csv['encounters.csv'])).toEqual(sim.reference.encounters);
    expect(sim.reference.encounters.some((e) => e.end === null)).toBe(true);
    expect(sim.reference.staff.some((s) => s.terminatedAt !== null)).toBe(true);
    expect(sim.reference.vendors.some((v) => v.dailyQuota === null)).toBe(true);
  });
});
