import type { AccessEvent, Action } from '@chartwatch/event';

/**
 * An AccessEvent as a FHIR R4 AuditEvent shaped the IHE BALP way, as an EHR's
 * FHIR server would record it:
 *
 * - type: audit-event-type `rest` with a restful-interaction subtype
 *   (read/create/update/delete); a search is DICOM 110112 Query with subtype
 *   search-type; an export is DICOM 110106 Export. action C/R/U/D/E.
 * - agents, in BALP's direction: DICOM 110153 Source Role ID is where the
 *   data comes from, 110152 Destination Role ID where it goes. On a read,
 *   export or print the server is the source and the client the
 *   destination; on a create, update, delete, search or operation the client
 *   is the source (its request flows to the server). For a person: the client
 *   workstation (with its network address), the FHIR server, and the user as
 *   requestor (who.identifier.value = login; role coding urn:chartwatch:role;
 *   department coding urn:chartwatch:department; purposeOfUse v3-ActReason).
 *   For an application, the app itself is the client and the requestor, with
 *   who → Device/<client id> and its address.
 * - codings of entities carry no display: a bulk export names thousands of
 *   patients, and the codes are what a reader needs.
 * - entities: each patient typed audit-entity-type 1, object-role 1, what →
 *   Patient/<id>; each resource touched typed 2 / object-role 4 (Domain
 *   Resource), what → <ResourceType>/<id>, carrying the security labels
 *   (v3-ActCode); a search or export adds a query entity (object-role 24)
 *   with the request line (base64 `query`) and a `records` detail holding the count.
 * - outcome 0 (success) or 4 (minor failure); recorded = event time;
 *   source.observer = the recording system.
 */

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
export const ROLE_SYSTEM = 'urn:chartwatch:role';
export const DEPARTMENT_SYSTEM = 'urn:chartwatch:department';

const FHIR_BASE = 'https://fhir.hospital.example.org/r4';

const OUTCOME_CODES: Record<AccessEvent['outcome'], string> = {
  success: '0',
  'minor-failure': '4',
  'serious-failure': '8',
  'major-failure': '12',
};

const ACTION_CODES: Record<Action, string> = {
  create: 'C',
  read: 'R',
  update: 'U',
  delete: 'D',
  execute: 'E',
  query: 'E',
  export: 'R',
  print: 'R',
};

const PROFILES: Partial<Record<Action, string>> = {
  read: 'IHE.BasicAudit.PatientRead',
  create: 'IHE.BasicAudit.PatientCreate',
  update: 'IHE.BasicAudit.PatientUpdate',
  delete: 'IHE.BasicAudit.PatientDelete',
  query: 'IHE.BasicAudit.PatientQuery',
};

function eventType(action: Action): { type: object; subtype?: object[] } {
  switch (action) {
    case 'query':
      return {
        type: { system: DCM, code: '110112', display: 'Query' },
        subtype: [{ system: INTERACTION, code: 'search-type', display: 'search-type' }],
      };
    case 'export':
      return { type: { system: DCM, code: '110106', display: 'Export' } };
    case 'print':
      return { type: { system: EVENT_TYPE, code: 'rest', display: 'Restful Operation' }, subtype: [{ system: INTERACTION, code: 'print', display: 'print' }] };
    case 'execute':
      return { type: { system: EVENT_TYPE, code: 'rest', display: 'Restful Operation' }, subtype: [{ system: INTERACTION, code: 'operation', display: 'operation' }] };
    default:
      return { type: { system: EVENT_TYPE, code: 'rest', display: 'Restful Operation' }, subtype: [{ system: INTERACTION, code: action, display: action }] };
  }
}

const purposes = (codes: readonly string[]): object[] => codes.map((code) => ({ coding: [{ system: ACT_REASON, code }] }));

const SOURCE_ROLE = { system: DCM, code: '110153', display: 'Source Role ID' };
const DESTINATION_ROLE = { system: DCM, code: '110152', display: 'Destination Role ID' };

export function toFhirAuditEvent(event: AccessEvent): Record<string, unknown> {
  const { type, subtype } = eventType(event.action);
  const profile = PROFILES[event.action];
  const address = event.networkAddress;
  // Data flows from the server to the client on a read, an export or a print: the client is then the destination.
  const pulls = event.action === 'read' || event.action === 'export' || event.action === 'print';
  const clientRole = pulls ? DESTINATION_ROLE : SOURCE_ROLE;
  const serverRole = pulls ? SOURCE_ROLE : DESTINATION_ROLE;
  const agents: object[] = [];
  if (event.actor.kind === 'application') {
    agents.push({
      type: { coding: [clientRole] },
      who: { reference: `Device/${event.actor.id}`, identifier: { value: event.actor.id } },
      requestor: true,
      ...(address ? { network: { address, type: '2' } } : {}),
      purposeOfUse: purposes(event.purposeOfUse),
    });
  } else {
    agents.push({
      type: { coding: [clientRole] },
      who: { display: address ? `ws-${address}` : 'workstation' },
      requestor: false,
      ...(address ? { network: { address, type: '2' } } : {}),
    });
  }
  agents.push({
    type: { coding: [serverRole] },
    who: { reference: 'Device/ehr-fhir-server' },
    requestor: false,
    network: { address: FHIR_BASE, type: '5' },
  });
  if (event.actor.kind === 'user') {
    const roles: object[] = [];
    if (event.actor.role !== null) roles.push({ coding: [{ system: ROLE_SYSTEM, code: event.actor.role }] });
    if (event.actor.department !== null) roles.push({ coding: [{ system: DEPARTMENT_SYSTEM, code: event.actor.department }] });
    agents.push({
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
      who: { identifier: { value: event.actor.id } },
      requestor: true,
      ...(roles.length > 0 ? { role: roles } : {}),
      purposeOfUse: purposes(event.purposeOfUse),
    });
  }

  const securityLabel = event.sensitivity.map((code) => ({ system: ACT_CODE, code }));
  const countDetail = [{ type: 'records', valueString: String(event.records) }];
  const entities: object[] = [];
  const bulk = event.action === 'query' || event.action === 'export';
  if (bulk) {
    const searched = event.resourceTypes[0] ?? 'Patient';
    const request = `GET ${FHIR_BASE}/${searched}?patient=${event.patientIds.join(',')}`;
    entities.push({
      type: { system: ENTITY_TYPE, code: '2' },
      role: { system: OBJECT_ROLE, code: '24' },
      query: Buffer.from(request, 'utf8').toString('base64'),
      detail: countDetail,
    });
  }
  event.resourceTypes.forEach((resourceType, i) => {
    if (resourceType === 'Patient') return;
    entities.push({
      what: { reference: `${resourceType}/${event.eventId}.${i}` },
      type: { system: ENTITY_TYPE, code: '2' },
      role: { system: OBJECT_ROLE, code: '4' },
      ...(securityLabel.length > 0 ? { securityLabel } : {}),
      ...(!bulk && event.records !== 1 ? { detail: countDetail } : {}),
    });
  });
  const firstData = entities.length;
  for (const patientId of event.patientIds) {
    entities.push({
      what: { reference: `Patient/${patientId}` },
      type: { system: ENTITY_TYPE, code: '1' },
      role: { system: OBJECT_ROLE, code: '1' },
    });
  }
  // A read of the Patient resource itself: labels and counts sit on the patient entity.
  if (firstData === 0 && entities[0]) {
    Object.assign(entities[0], {
      ...(securityLabel.length > 0 ? { securityLabel } : {}),
      ...(event.records !== 1 ? { detail: countDetail } : {}),
    });
  }

  return {
    resourceType: 'AuditEvent',
    id: event.eventId,
    ...(profile ? { meta: { profile: [`https://profiles.ihe.net/ITI/BALP/StructureDefinition/${profile}`] } } : {}),
    type,
    ...(subtype ? { subtype } : {}),
    action: ACTION_CODES[event.action],
    recorded: event.time,
    outcome: OUTCOME_CODES[event.outcome],
    agent: agents,
    source: {
      site: 'hospital.example.org',
      observer: { identifier: { value: event.sourceSystem ?? 'ehr' }, display: event.sourceSystem ?? 'ehr' },
      type: [{ system: SOURCE_TYPE, code: '4', display: 'Application Server' }],
    },
    entity: entities,
  };
}
