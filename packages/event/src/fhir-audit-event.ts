import { isIdText, MAX_STORED_PATIENTS, type AccessEvent, type Action, type ActorKind, type EventFlag, type Outcome } from './access-event.ts';
import { deriveEventId } from './event-id.ts';
import { normaliseTime } from './event-time.ts';
import { failure, quote, type ParseFailure, type ParseResult } from './parse-result.ts';
import { lineSizeProblem, type LineLimit } from './message-limit.ts';
import { checkAccessEvent } from './validate-event.ts';

/**
 * FHIR R4 AuditEvent → AccessEvent, reading the resource the way IHE BALP
 * (Basic Audit Log Patterns) writes it. The mapping, field by field, is in
 * the package README ("FHIR R4 AuditEvent"); the comments here say why a
 * choice was made.
 *
 * Hot path: ingest runs this on every audit record. It walks the parsed
 * JSON once with plain loops and typeof checks and allocates only the
 * result arrays; no zod, no intermediate "normalised resource". The result
 * goes through validateAccessEvent (the hand-written twin of
 * accessEventSchema). bench/parse-figures.ts compares the whole
 * JSON.parse + map + validate against bare JSON.parse.
 */

const DICOM = 'http://dicom.nema.org/resources/ontology/DCM';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const RESOURCE_TYPES = 'http://hl7.org/fhir/resource-types';

/**
 * The convention chartwatch reads for a user's department, since neither
 * FHIR R4 nor BALP has one: an `agent.role` coding with this system
 * (`display`, else `code`), or an agent extension with this url and a
 * `valueString`. Without either, `agent.location.display`; else null.
 */
export const DEPARTMENT_SYSTEM = 'urn:chartwatch:department';

/**
 * How a hospital names its people, for identifiers that carry a system. A
 * hospital with one staff-id system and one MRN system needs nothing: values
 * are kept bare. One with several lists its own systems here: a value in one
 * of them stays bare (it matches the staff and patient reference files), a
 * value in any other system is kept as the FHIR token `system|value`, so two
 * MRN systems with the same value are two patients, not one.
 */
export interface FhirDecodeOptions {
  /** The hospital's staff-id systems (`who.identifier.system`). */
  staffIdSystems?: readonly string[];
  /** The hospital's MRN systems (patient `what.identifier.system`). */
  patientIdSystems?: readonly string[];
}

const NO_OPTIONS: FhirDecodeOptions = {};

/** Resource types of a person acting as staff; Patient and RelatedPerson act on a patient's own record. */
const STAFF_REFERENCE_TYPES = new Set(['Practitioner', 'PractitionerRole']);
const PATIENT_REFERENCE_TYPES = new Set(['Patient', 'RelatedPerson']);
const SOFTWARE_REFERENCE_TYPES = new Set(['Device', 'Organization', 'Endpoint']);

/**
 * agent.type codes that say a person is acting (human user, the user agents of
 * BALP's OAuth/SAML profiles, and the v3 participation a user takes: recipient,
 * author, informant, custodian, performer, enterer, verifier, attester).
 */
const PERSON_TYPE_CODES = new Set(['humanuser', 'UserOauthAgent', 'UserSamlAgent', 'IRCP', 'AUT', 'INF', 'CST', 'PRF', 'ENT', 'VRF', 'ATND', 'AUTHEN', 'LA']);
const PATIENT_TYPE_CODE = 'PAT';
const ROLE_CLASS = 'http://terminology.hl7.org/CodeSystem/v3-RoleClass';

/** BALP's entity type for the HTTP X-Request-Id shared by the client's and the server's record of one request. */
const BALP_ENTITY_TYPE = 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType';

/** DICOM 110127 Emergency Override Started: the source's own break-the-glass flag. */
const EMERGENCY_OVERRIDE = '110127';

const MAX_TEXT = 256;
const MAX_CODE = 64;
const MAX_CODES = 64;
const MAX_PURPOSES = 16;
/** A display-derived id keeps this much of the display. */
const MAX_DISPLAY_ID = 200;

/**
 * agent.type systems that describe the agent's part in the exchange (source,
 * destination, recipient, human user), not the person's job; they are never
 * taken as the actor's role.
 */
const STRUCTURAL_TYPE_SYSTEMS = new Set([
  DICOM,
  'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  'http://terminology.hl7.org/CodeSystem/extra-security-role-type',
  'https://profiles.ihe.net/ITI/BALP/CodeSystem/UserAgentTypes',
]);

/** Security-label systems whose codes are data sensitivity (PSY, ETH, HIV, SDV, …); other systems (v3-ActReason HTEST, obligations) are not. */
const SENSITIVITY_SYSTEMS = new Set(['http://terminology.hl7.org/CodeSystem/v3-ActCode', 'http://hl7.org/fhir/v3/ActCode']);
const CONFIDENTIALITY_SYSTEMS = new Set(['http://terminology.hl7.org/CodeSystem/v3-Confidentiality', 'http://hl7.org/fhir/v3/Confidentiality']);
/** Confidentiality R (restricted) and V (very restricted) say the chart is sensitive; N, L, M, U say it is not and are dropped. */
const SENSITIVE_CONFIDENTIALITY = new Set(['R', 'V']);

/** entity.detail types whose value is the number of results of a search or export. */
const COUNT_DETAIL_TYPES = new Set(['count', 'result-count', 'resultcount', 'results', 'records', 'total']);

// Maps, not object literals: a source's code is untrusted, and `{}['constructor']` is not undefined.
const ACTION_CODES: ReadonlyMap<string, Action> = new Map([
  ['C', 'create'],
  ['R', 'read'],
  ['U', 'update'],
  ['D', 'delete'],
  ['E', 'execute'],
]);

/** FHIR restful-interaction codes. Searches and type/system history return many resources, so they are queries. */
const SUBTYPE_ACTIONS: ReadonlyMap<string, Action> = new Map<string, Action>([
  ['read', 'read'],
  ['vread', 'read'],
  ['history-instance', 'read'],
  ['search-type', 'query'],
  ['search-system', 'query'],
  ['search-compartment', 'query'],
  ['search', 'query'],
  ['history-type', 'query'],
  ['history-system', 'query'],
  ['history', 'query'],
  ['create', 'create'],
  ['update', 'update'],
  ['patch', 'update'],
  ['delete', 'delete'],
  ['operation', 'execute'],
  ['batch', 'execute'],
  ['transaction', 'execute'],
]);

const OUTCOMES_BY_CODE: ReadonlyMap<string, Outcome> = new Map<string, Outcome>([
  ['0', 'success'],
  ['4', 'minor-failure'],
  ['8', 'serious-failure'],
  ['12', 'major-failure'],
]);

type Json = Record<string, unknown>;
const NONE: readonly unknown[] = [];

/** One line of NDJSON (an AuditEvent or a Bundle) → one result per AuditEvent. `line` is put on failures. */
export function parseFhirLine(text: string, line?: number, options?: FhirDecodeOptions & LineLimit): ParseResult[] {
  const tooBig = lineSizeProblem(text, options?.maxBytes, line);
  if (tooBig !== null) return [tooBig];
  let resource: unknown;
  try {
    resource = JSON.parse(text);
  } catch (err) {
    return [failure('message', `not valid JSON: ${(err as Error).message}`, line)];
  }
  return parseFhirResource(resource, line, options);
}

/** A parsed AuditEvent, or a Bundle of them (each entry's `resource`) → one result per AuditEvent. */
export function parseFhirResource(resource: unknown, line?: number, options: FhirDecodeOptions = NO_OPTIONS): ParseResult[] {
  const r = asObject(resource);
  const type = r === undefined ? undefined : r['resourceType'];
  if (type === 'AuditEvent') return [withLine(parseFhirAuditEvent(resource, options), line)];
  if (type === 'Bundle' && r !== undefined) {
    const entries = asArray(r['entry']);
    if (entries.length === 0) return [failure('message', 'the Bundle has no entries', line)];
    const results: ParseResult[] = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = asObject(entries[i]);
      const entryResource = entry?.['resource'];
      const entryType = asObject(entryResource)?.['resourceType'];
      if (entryType !== 'AuditEvent') {
        // A searchset carries what the search _included (the Patient, the Practitioner) and an
        // OperationOutcome about the search itself: context for the AuditEvents, not broken events.
        const mode = asObject(entry?.['search'])?.['mode'];
        if (mode === 'include' || mode === 'outcome' || entryType === 'OperationOutcome') continue;
        results.push(failure('resourceType', `Bundle entry[${i}].resource is ${entryType === undefined ? 'missing or has no resourceType' : quote(entryType)}, expected an AuditEvent`, line));
        continue;
      }
      const result = parseFhirAuditEvent(entryResource, options);
      results.push(withLine(result.ok ? result : { ...result, reason: `Bundle entry[${i}]: ${result.reason}` }, line));
    }
    if (results.length === 0) return [failure('message', 'the Bundle holds no AuditEvent (only included resources and outcomes)', line)];
    return results;
  }
  return [failure('resourceType', `expected a FHIR AuditEvent or Bundle, received ${r === undefined ? 'no JSON object' : type === undefined ? 'an object without resourceType' : quote(type)}`, line)];
}

/**
 * One AuditEvent resource → one AccessEvent (validated) or the field at fault.
 * Never throws: an input the mapping did not foresee becomes a failure on
 * `message`, so one record can never take down the others of its message.
 */
export function parseFhirAuditEvent(resource: unknown, options: FhirDecodeOptions = NO_OPTIONS): ParseResult {
  const r = asObject(resource);
  if (r === undefined || r['resourceType'] !== 'AuditEvent') return failure('resourceType', 'expected a FHIR AuditEvent');
  let result: ParseResult;
  try {
    result = mapAuditEvent(r, options);
  } catch (err) {
    result = failure('message', `the AuditEvent could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (result.ok) return result;
  const id = r['id'];
  // Naming the AuditEvent lets whoever reads the dead-letter topic find the record at the source.
  return typeof id === 'string' ? { ...result, reason: `AuditEvent ${quote(id.length > 128 ? id.slice(0, 128) : id)}: ${result.reason}` } : result;
}

/** What the mapping learns about one agent, once. */
interface AgentFacts {
  agent: Json;
  /** DICOM participant code: 110150 Application, 110152 Destination Role ID, 110153 Source Role ID. */
  dicom: string | undefined;
  requestor: boolean;
  /** who.reference, if any. */
  reference: string | undefined;
  /** Whether who.reference is a Patient (known without reading the reference apart). */
  patientRef: boolean;
  /** A person type code (human user, OAuth/SAML user agent, IRCP, AUT, …), a role or a name. */
  person: boolean;
  /** Typed PAT (v3-RoleClass patient). */
  patientType: boolean;
}

/** The mapping itself; exported for the fuzz test, which calls it without the guard to count exceptions. */
export function mapAuditEvent(resource: Json, options: FhirDecodeOptions): ParseResult {
  const version = otherVersion(resource);
  if (version === 'R5') return mapAuditEvent(r5AsR4(resource), options);
  if (version !== undefined) return failure('resourceType', version);
  const r = resource;

  // --- time ---
  const recorded = r['recorded'];
  if (typeof recorded !== 'string') return failure('time', recorded === undefined ? 'AuditEvent.recorded is missing' : `AuditEvent.recorded must be a string, received ${quote(recorded)}`);
  const time = normaliseTime(recorded);
  if (time === null) return failure('time', `AuditEvent.recorded ${quote(recorded)} is not an ISO-8601 instant with a time zone (e.g. 2024-03-01T14:05:00.000Z)`);

  // --- action first: which side is the client depends on the interaction ---
  const action = actionOf(r);
  if (action === undefined) return failure('action', `cannot tell the action: action ${quote(r['action'])}, no known type or subtype code`);

  const flags: EventFlag[] = [];

  // --- agents: the requestor; the client side by BALP's direction; the OAuth/SMART application ---
  const agents = asArray(r['agent']);
  let requestor: AgentFacts | undefined;
  let application: AgentFacts | undefined;
  let source: AgentFacts | undefined;
  let destination: AgentFacts | undefined;
  const patientAgents: AgentFacts[] = [];
  for (let i = 0; i < agents.length; i++) {
    const agent = asObject(agents[i]);
    if (agent === undefined) continue;
    const facts = agentFacts(agent);
    if (facts.requestor && requestor === undefined && hasIdentity(agent)) requestor = facts;
    if (facts.dicom === '110150' && application === undefined && hasIdentity(agent)) application = facts;
    else if (facts.dicom === '110153' && source === undefined) source = facts;
    else if (facts.dicom === '110152' && destination === undefined) destination = facts;
    if (facts.patientRef || facts.patientType) patientAgents.push(facts);
  }
  // DICOM 110153 is where the data comes from, 110152 where it goes: on a read or an export the
  // client is the destination; on a create, update, delete or query (parameters flow to the
  // server) it is the source. BALP's examples follow this, and so do the servers that follow BALP.
  const pulls = action === 'read' || action === 'export' || action === 'print';
  // A record that names only one side: that side is the client unless it is the server recording the event.
  const otherSide = pulls ? source : destination;
  const client = application ?? (pulls ? destination : source) ?? (otherSide !== undefined && !isObserver(otherSide.agent, r) ? otherSide : undefined);
  let actorFacts = requestor;
  // No user: the client is the actor (a system job, a B2B exchange).
  if (actorFacts === undefined && client !== undefined && hasIdentity(client.agent)) actorFacts = client;
  if (actorFacts === undefined) return failure('actor', 'no agent has requestor: true with a who, and no client agent (DICOM 110150 Application, or 110153/110152 by the direction of the interaction) names anyone');
  const actorAgent = actorFacts.agent;
  const who = asObject(actorAgent['who']) as Json;
  const identity = actorIdOf(who, options, flags);
  if (identity === undefined) return failure('actor.id', 'the acting agent has no usable who.identifier.value, who.reference or who.display');
  const kind = actorKindOf(actorFacts, actorFacts === requestor);

  // The application a person acted through: an OAuth/SMART client is DICOM 110150 Application.
  let applicationId: string | null | undefined;
  if (application !== undefined && application !== actorFacts && kind !== 'application') {
    const appWho = asObject(application.agent['who']);
    applicationId = appWho === undefined ? undefined : actorIdOf(appWho, options, undefined);
  }

  // --- entities: patients, resource types, sensitivity, counts ---
  const patientIds: string[] = [];
  const resourceTypes: string[] = [];
  const sensitivity: string[] = [];
  let dataEntities = 0;
  let countDetail: number | undefined;
  let requestId: string | undefined;
  const entities = asArray(r['entity']);
  // A bulk export can name thousands of patients: past a few dozen entities a Set keeps de-duplication linear.
  const patients: PatientSet = { ids: patientIds, seen: entities.length > 32 ? new Set<string>() : undefined, count: 0 };
  for (let i = 0; i < entities.length; i++) {
    const entity = asObject(entities[i]);
    if (entity === undefined) continue;
    const what = asObject(entity['what']);
    const reference = what === undefined ? undefined : asString(what['reference']);
    const refType = reference === undefined ? undefined : referenceType(reference);
    if (refType !== undefined) addUnique(resourceTypes, refType);
    const entityType = entity['type'];
    const typeAsResource = codeIn(entityType, RESOURCE_TYPES);
    if (typeAsResource !== undefined) addUnique(resourceTypes, typeAsResource);
    if (hasCode(entity['role'], OBJECT_ROLE, '24')) {
      // BALP's query entity names no resource, but its request line does (GET …/Observation?…): that is what was searched.
      const searched = searchedType(entity);
      if (searched !== undefined) addUnique(resourceTypes, searched);
    }

    if (refType === 'Patient' || (hasCode(entityType, ENTITY_TYPE, '1') && hasCode(entity['role'], OBJECT_ROLE, '1'))) {
      // One id per patient entity: the Patient reference if there is one, else the identifier.
      // Taking both would count one patient twice in every "how many charts" rule.
      const patientId = refType === 'Patient' ? typedReferenceId(reference as string) : identifierId(asObject(what?.['identifier']), options.patientIdSystems);
      if (patientId === undefined) return failure('patientIds', `entity[${i}] is a patient but has neither a Patient what.reference nor what.identifier.value`);
      addPatient(patients, patientId);
    } else if (refType !== undefined) {
      dataEntities++;
    } else if (requestId === undefined && codeIn(entityType, BALP_ENTITY_TYPE) === 'XrequestId') {
      requestId = asString(asObject(what?.['identifier'])?.['value']);
    }

    const labels = asArray(entity['securityLabel']);
    for (let j = 0; j < labels.length; j++) addSensitivity(sensitivity, labels[j]);

    const details = asArray(entity['detail']);
    for (let j = 0; j < details.length; j++) {
      const detail = asObject(details[j]);
      const detailType = detail === undefined ? undefined : asString(detail['type']);
      if (detail === undefined || detailType === undefined || detailType.length > 16 || !COUNT_DETAIL_TYPES.has(detailType.toLowerCase())) continue;
      const count = countOf(detail);
      if (count === undefined) return failure('records', `entity[${i}].detail ${quote(detailType)} does not hold a whole number ≥ 0`);
      countDetail ??= count;
    }
  }
  // A patient agent (the patient in a disclosure, a portal user) is a patient of the access too.
  for (let i = 0; i < patientAgents.length; i++) {
    const facts = patientAgents[i] as AgentFacts;
    const ref = asString(asObject(facts.agent['who'])?.['reference']);
    if (ref !== undefined && facts.patientRef) addPatient(patients, typedReferenceId(ref));
  }
  const security = asArray(asObject(r['meta'])?.['security']);
  for (let j = 0; j < security.length; j++) addSensitivity(sensitivity, security[j]);

  // --- purpose of use: the requestor's declared purposes, then the event's ---
  const purposeOfUse: string[] = [];
  addPurposes(purposeOfUse, actorAgent['purposeOfUse']);
  addPurposes(purposeOfUse, r['purposeOfEvent']);

  // --- outcome ---
  const outcomeCode = r['outcome'];
  const outcome: Outcome | undefined = outcomeCode === undefined ? 'success' : typeof outcomeCode === 'string' || typeof outcomeCode === 'number' ? OUTCOMES_BY_CODE.get(String(outcomeCode)) : undefined;
  if (outcome === undefined) return failure('outcome', `AuditEvent.outcome ${quote(outcomeCode)} is not one of 0, 4, 8, 12`);

  // --- records: a stated count wins; a failed access returned nothing; a search/export pulled its data entities ---
  let records: number;
  if (countDetail !== undefined) records = countDetail;
  else if (outcome !== 'success') records = 0;
  else if (action === 'query' || action === 'export') records = dataEntities > 0 ? dataEntities : patients.count;
  else records = patients.count === 0 && dataEntities === 0 ? 0 : 1;
  if (records > 100_000_000) {
    records = 100_000_000;
    addUnique(flags, 'truncated');
  }

  // --- event id: the source's, or the request id both sides of one access share, or a content hash ---
  const id = r['id'];
  let eventId: unknown = id === undefined || id === null || id === '' ? undefined : id;
  if (requestId !== undefined) {
    // BALP's client and server each record the same request (same X-Request-Id): one access, one event.
    const paired = `xrid:${requestId}`;
    if (isIdText(paired)) {
      eventId = paired;
      flags.push('paired');
    }
  }
  eventId ??= deriveEventId(r);

  // The optional members are added only when present: deleting a member would turn the object into a
  // dictionary, slower for every later read (bench/parse-figures.ts).
  const candidate: Record<string, unknown> = {
    eventId,
    time,
    actor: { id: identity, kind, role: limitText(roleOf(actorAgent), flags), department: limitText(departmentOf(actorAgent), flags) },
    patientIds,
    action,
    resourceTypes: limitCodes(resourceTypes, MAX_CODES, flags),
    sensitivity: limitCodes(sensitivity, MAX_CODES, flags),
    purposeOfUse: limitCodes(purposeOfUse, MAX_PURPOSES, flags),
    breakTheGlass: purposeOfUse.includes('BTG') || hasEmergencyOverride(r),
    outcome,
    records,
    sourceSystem: limitText(sourceSystemOf(r), flags),
    networkAddress: limitText(clientAddressOf(actorAgent, client), flags),
    format: 'fhir',
  } satisfies Omit<Record<keyof AccessEvent, unknown>, 'patientCount' | 'application' | 'flags'>;
  if (patients.count > patientIds.length) {
    candidate['patientCount'] = patients.count;
    flags.push('patients-capped');
  }
  if (applicationId !== undefined) candidate['application'] = applicationId;
  if (flags.length > 0) candidate['flags'] = flags;
  const problem = checkAccessEvent(candidate);
  return problem ?? { ok: true, event: candidate as AccessEvent };
}

/** The patients of one event: ids stored (up to MAX_STORED_PATIENTS), the set that de-duplicates them when there are many, the full count. */
interface PatientSet {
  ids: string[];
  seen: Set<string> | undefined;
  count: number;
}

// A plain function, not a closure per event: the bench showed the closure's setup on every record.
function addPatient(p: PatientSet, patientId: string): void {
  if (p.seen === undefined) {
    if (p.ids.includes(patientId)) return;
  } else if (p.seen.has(patientId)) return;
  else p.seen.add(patientId);
  p.count++;
  // The ids stored stop at MAX_STORED_PATIENTS; the count does not.
  if (p.ids.length < MAX_STORED_PATIENTS) p.ids.push(patientId);
  else if (p.seen === undefined) {
    p.seen = new Set(p.ids);
    p.seen.add(patientId);
  }
}

function agentFacts(agent: Json): AgentFacts {
  const who = asObject(agent['who']);
  const reference = who === undefined ? undefined : asString(who['reference']);
  let dicom: string | undefined;
  // A role, or R4's agent.name (a human-meaningful name), says a person acts.
  let person = asArray(agent['role']).length > 0 || asString(agent['name']) !== undefined;
  let patientType = false;
  const codings = asArray(asObject(agent['type'])?.['coding']);
  for (let i = 0; i < codings.length; i++) {
    const c = asObject(codings[i]);
    if (c === undefined) continue;
    const code = c['code'];
    if (typeof code !== 'string') continue;
    const system = c['system'];
    if ((system === DICOM || system === undefined) && dicom === undefined && (code === '110150' || code === '110152' || code === '110153')) dicom = code;
    else if (PERSON_TYPE_CODES.has(code)) person = true;
    else if (code === PATIENT_TYPE_CODE && (system === ROLE_CLASS || system === undefined)) patientType = true;
  }
  // requestor is a boolean; some servers write the string "true", which must not hand the access to the server.
  const req = agent['requestor'];
  const requestor = req === true || (typeof req === 'string' && req.length === 4 && req.toLowerCase() === 'true');
  // The reference is read apart only for the agent that acts (actorKindOf): most agents never need it.
  const patientRef = reference !== undefined && reference.includes('Patient/') && referenceType(reference) === 'Patient';
  return { agent, dicom, requestor, reference, patientRef, person, patientType };
}

function hasIdentity(agent: Json): boolean {
  const who = asObject(agent['who']);
  if (who === undefined) return false;
  const reference = asString(who['reference']);
  return asString(asObject(who['identifier'])?.['value']) !== undefined || (reference !== undefined && !reference.startsWith('#')) || asString(who['display']) !== undefined;
}

/** Is this agent the system that recorded the event (source.observer)? Then it is the server, not a client. */
function isObserver(agent: Json, r: Json): boolean {
  const observer = asObject(asObject(r['source'])?.['observer']);
  const who = asObject(agent['who']);
  if (observer === undefined || who === undefined) return false;
  const a = asString(who['reference']);
  return a !== undefined && a === asString(observer['reference']);
}

/**
 * The kind of the acting agent. The resource it points to says the most
 * (Practitioner → user, Patient → patient, Device → application); then a
 * person type or a role; then DICOM 110150 Application, or a bare 110152/110153
 * with no person about it; else a user.
 */
function actorKindOf(facts: AgentFacts, isRequestor: boolean): ActorKind {
  const refType = facts.reference === undefined ? undefined : referenceType(facts.reference);
  if (refType !== undefined) {
    if (STAFF_REFERENCE_TYPES.has(refType)) return 'user';
    if (PATIENT_REFERENCE_TYPES.has(refType)) return 'patient';
    if (SOFTWARE_REFERENCE_TYPES.has(refType)) return 'application';
  }
  if (facts.patientType) return 'patient';
  if (asObject(facts.agent['who'])?.['type'] === 'Device') return 'application';
  if (facts.person) return 'user';
  if (facts.dicom !== undefined) return 'application';
  return isRequestor ? 'user' : 'application';
}

/**
 * The actor's id: `who.identifier.value` (with its system when that is not
 * one of the hospital's, see FhirDecodeOptions), else `who.reference` as the
 * relative reference `Type/id` (so Practitioner/1 and Device/1 stay two
 * actors), else an id derived from `who.display` (`display:John_Smith`) with
 * the event flagged `unverified-actor`: kept, but an analyst sees that no
 * system vouched for the identity.
 */
function actorIdOf(who: Json, options: FhirDecodeOptions, flags: EventFlag[] | undefined): string | undefined {
  const fromIdentifier = identifierId(asObject(who['identifier']), options.staffIdSystems);
  if (fromIdentifier !== undefined) return fromIdentifier;
  const reference = asString(who['reference']);
  if (reference !== undefined && !reference.startsWith('#')) {
    const type = referenceType(reference);
    if (type === undefined) return reference;
    return `${type}/${typedReferenceId(reference)}`;
  }
  const display = asString(who['display']);
  if (display === undefined) return undefined;
  const derived = displayId(display);
  if (derived !== undefined && flags !== undefined) flags.push('unverified-actor');
  return derived;
}

/** `display:` + the display with whitespace runs as `_` and characters no id may hold dropped; stable for the same display. */
function displayId(display: string): string | undefined {
  let out = '';
  let gap = false;
  for (const ch of display.trim()) {
    if (/\s/u.test(ch)) {
      gap = out.length > 0;
      continue;
    }
    if (!ID_CHAR.test(ch)) continue;
    if (gap) out += '_';
    gap = false;
    out += ch;
    if (out.length >= MAX_DISPLAY_ID) break;
  }
  return out === '' ? undefined : `display:${out.replace(/\.{2,}/g, '.')}`;
}
const ID_CHAR = /^[\p{L}\p{M}\p{N}._:@/|+\-=^&,#~*]$/u;

/** An identifier's value, qualified `system|value` when the hospital named its own systems and this is not one of them. */
function identifierId(identifier: Json | undefined, ownSystems: readonly string[] | undefined): string | undefined {
  if (identifier === undefined) return undefined;
  const value = asString(identifier['value']);
  if (value === undefined) return undefined;
  if (ownSystems === undefined || ownSystems.length === 0) return value;
  const system = asString(identifier['system']);
  return system === undefined || ownSystems.includes(system) ? value : `${system}|${value}`;
}

/** The client's network address: the actor's own, else the client agent's; never a server URL (network type 5, or a URI). */
function clientAddressOf(actorAgent: Json, client: AgentFacts | undefined): string | null {
  const own = addressOf(actorAgent);
  if (own !== undefined) return own;
  return client === undefined ? null : (addressOf(client.agent) ?? null);
}

function addressOf(agent: Json): string | undefined {
  const network = asObject(agent['network']);
  if (network === undefined) return undefined;
  const address = asString(network['address']);
  if (address === undefined || network['type'] === '5' || address.includes('://')) return undefined;
  return address;
}

function hasEmergencyOverride(r: Json): boolean {
  if (hasCode(r['type'], DICOM, EMERGENCY_OVERRIDE)) return true;
  const subtypes = asArray(r['subtype']);
  for (let i = 0; i < subtypes.length; i++) if (hasCode(subtypes[i], DICOM, EMERGENCY_OVERRIDE)) return true;
  return false;
}

/** Text the store keeps up to 256 characters: longer is cut and flagged, never refused. */
function limitText(value: string | null, flags: EventFlag[]): string | null {
  if (value === null || value.length <= MAX_TEXT) return value;
  addUnique(flags, 'truncated');
  return value.slice(0, MAX_TEXT);
}

function limitCodes(codes: string[], max: number, flags: EventFlag[]): string[] {
  let out = codes;
  for (let i = 0; i < out.length; i++) {
    if ((out[i] as string).length > MAX_CODE) {
      if (out === codes) out = codes.slice();
      out[i] = (out[i] as string).slice(0, MAX_CODE);
      addUnique(flags, 'truncated');
    }
  }
  if (out.length > max) {
    out = out.slice(0, max);
    addUnique(flags, 'truncated');
  }
  return out;
}

/**
 * An R5 AuditEvent in R4's shape, element by element, so one mapping reads
 * both: category → type, code → subtype, occurred[x] (else recorded) →
 * recorded, outcome.code → outcome, authorization → purposeOfEvent, patient →
 * a patient entity; per agent network[x] → network.address and authorization →
 * purposeOfUse; source.site (a Reference) → its display; per entity role and
 * security labels (CodeableConcepts) → Codings, detail.type → its code.
 */
function r5AsR4(r: Json): Json {
  const firstCoding = (concept: unknown): Json | undefined => asObject(asArray(asObject(concept)?.['coding'])[0]);
  const codings = (concepts: unknown): unknown[] => {
    const out: unknown[] = [];
    const list = asArray(concepts);
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      const o = asObject(c);
      if (o === undefined) continue;
      if (o['code'] !== undefined) out.push(o);
      else {
        const inner = asArray(o['coding']);
        for (let j = 0; j < inner.length; j++) out.push(inner[j]);
      }
    }
    return out;
  };
  const outcomeCode = asObject(asObject(r['outcome'])?.['code'])?.['code'];
  const occurred = asString(r['occurredDateTime']) ?? asString(asObject(r['occurredPeriod'])?.['start']);
  const agents = mapEach(r['agent'], (a) => {
    const agent = asObject(a);
    if (agent === undefined) return a;
    const address = asString(agent['networkString']) ?? asString(agent['networkUri']) ?? asString(asObject(agent['networkReference'])?.['display']);
    return {
      ...agent,
      ...(address === undefined ? {} : { network: { address, ...(agent['networkUri'] !== undefined ? { type: '5' } : {}) } }),
      ...(agent['authorization'] === undefined ? {} : { purposeOfUse: agent['authorization'] }),
    };
  });
  const entities: unknown[] = mapEach(r['entity'], (e) => {
    const entity = asObject(e);
    if (entity === undefined) return e;
    return {
      ...entity,
      ...(entity['role'] === undefined ? {} : { role: firstCoding(entity['role']) ?? entity['role'] }),
      ...(entity['securityLabel'] === undefined ? {} : { securityLabel: codings(entity['securityLabel']) }),
      ...(entity['detail'] === undefined
        ? {}
        : { detail: mapEach(entity['detail'], (d) => ({ ...asObject(d), type: asString(firstCoding(asObject(d)?.['type'])?.['code']) ?? asString(asObject(asObject(d)?.['type'])?.['text']) })) }),
    };
  });
  const patient = asString(asObject(r['patient'])?.['reference']);
  if (patient !== undefined) entities.push({ what: { reference: patient }, type: { system: ENTITY_TYPE, code: '1' }, role: { system: OBJECT_ROLE, code: '1' } });
  const source = asObject(r['source']);
  const r4: Json = {
    resourceType: 'AuditEvent',
    id: r['id'],
    meta: r['meta'],
    type: firstCoding(asArray(r['category'])[0]),
    subtype: asArray(asObject(r['code'])?.['coding']),
    action: r['action'],
    recorded: occurred ?? r['recorded'],
    purposeOfEvent: r['authorization'],
    agent: agents,
    source: source === undefined ? undefined : { ...source, site: asString(asObject(source['site'])?.['display']) ?? asString(asObject(source['site'])?.['reference']) },
    entity: entities,
  };
  if (typeof outcomeCode === 'string') r4['outcome'] = outcomeCode;
  // An id-less R5 resource keeps the hash of what it was, not of its R4 form.
  if (r['id'] === undefined || r['id'] === null || r['id'] === '') r4['id'] = deriveEventId(r);
  return r4;
}

/**
 * `'R5'` for an R5 AuditEvent (code, category, patient, authorization,
 * occurred[x], an outcome object), which is mapped; a reason naming the FHIR
 * version for STU3 (agents with reference/userId and no who, entities with
 * reference and no what) and DSTU2 (event, participant, object), which are
 * refused; undefined for R4.
 */
function otherVersion(r: Json): string | undefined {
  if (r['event'] !== undefined || r['participant'] !== undefined || r['object'] !== undefined) {
    return 'this AuditEvent looks like FHIR DSTU2 (it has event/participant/object); chartwatch reads FHIR R4 (4.0.1) and R5 AuditEvents';
  }
  const outcome = r['outcome'];
  if (r['code'] !== undefined || r['category'] !== undefined || r['patient'] !== undefined || r['authorization'] !== undefined || r['occurredDateTime'] !== undefined || r['occurredPeriod'] !== undefined || (typeof outcome === 'object' && outcome !== null)) {
    return 'R5';
  }
  const agents = asArray(r['agent']);
  let who = false;
  let stu3 = false;
  // Hot path: an R4 record answers at its first agent with a who and its first entity.
  for (let i = 0; i < agents.length; i++) {
    const a = asObject(agents[i]);
    if (a === undefined) continue;
    if (a['who'] !== undefined) {
      who = true;
      break;
    }
    if (a['reference'] !== undefined || a['userId'] !== undefined) stu3 = true;
  }
  if (!who && stu3) return 'this AuditEvent looks like FHIR STU3 (agent.reference/agent.userId instead of agent.who); chartwatch reads FHIR R4 (4.0.1) and R5 AuditEvents';
  const first = asObject(asArray(r['entity'])[0]);
  if (first !== undefined && first['what'] === undefined && first['reference'] !== undefined) {
    return 'this AuditEvent looks like FHIR STU3 (entity.reference instead of entity.what); chartwatch reads FHIR R4 (4.0.1) and R5 AuditEvents';
  }
  return undefined;
}

function actionOf(r: Json): Action | undefined {
  // One pass over the event type's codes (the Coding itself, or a CodeableConcept's codings).
  const type = asObject(r['type']);
  let query = false;
  if (type !== undefined) {
    const own = eventTypeAction(type);
    if (own === 'export') return own;
    let print = own === 'print';
    query = own === 'query';
    const codings = asArray(type['coding']);
    for (let i = 0; i < codings.length; i++) {
      const c = asObject(codings[i]);
      const mapped = c === undefined ? undefined : eventTypeAction(c);
      if (mapped === 'export') return mapped;
      if (mapped === 'print') print = true;
      else if (mapped === 'query') query = true;
    }
    if (print) return 'print';
  }
  const subtypes = asArray(r['subtype']);
  let fromSubtype: Action | undefined;
  for (let i = 0; i < subtypes.length; i++) {
    const code = asObject(subtypes[i])?.['code'];
    if (typeof code !== 'string') continue;
    const mapped = code.length === 5 && code.toLowerCase() === 'print' ? 'print' : SUBTYPE_ACTIONS.get(code);
    if (mapped === 'print') return mapped;
    if (mapped === 'query') query = true;
    fromSubtype ??= mapped;
  }
  if (query) return 'query';
  if (fromSubtype !== undefined) return fromSubtype;
  const actionCode = r['action'];
  return typeof actionCode === 'string' ? ACTION_CODES.get(actionCode) : undefined;
}

/** What an event type coding says: DICOM 110106 Export, 110112 Query, or a code "export"/"print" in any system (there is no one standard system for them). */
function eventTypeAction(coding: Json): Action | undefined {
  const code = coding['code'];
  if (typeof code !== 'string') return undefined;
  if (code.length === 6) {
    if ((code === '110106' || code === '110112') && (coding['system'] === DICOM || coding['system'] === undefined)) return code === '110106' ? 'export' : 'query';
    if (code.toLowerCase() === 'export') return 'export';
  } else if (code.length === 5 && code.toLowerCase() === 'print') {
    return 'print';
  }
  return undefined;
}

function roleOf(agent: Json): string | null {
  // Code before display: codes are what the source system names the role and stay stable;
  // displays change with wording and language.
  const roles = asArray(agent['role']);
  for (let i = 0; i < roles.length; i++) {
    const concept = asObject(roles[i]);
    if (concept === undefined) continue;
    const codings = asArray(concept['coding']);
    for (let j = 0; j < codings.length; j++) {
      const coding = asObject(codings[j]);
      if (coding === undefined || coding['system'] === DEPARTMENT_SYSTEM) continue;
      const value = asString(coding['code']) ?? asString(coding['display']);
      if (value !== undefined) return value;
    }
    const text = asString(concept['text']);
    if (text !== undefined && codings.length === 0) return text;
  }
  const typeCodings = asArray(asObject(agent['type'])?.['coding']);
  for (let j = 0; j < typeCodings.length; j++) {
    const coding = asObject(typeCodings[j]);
    if (coding === undefined || STRUCTURAL_TYPE_SYSTEMS.has(coding['system'] as string)) continue;
    const value = asString(coding['code']) ?? asString(coding['display']);
    if (value !== undefined) return value;
  }
  return null;
}

function departmentOf(agent: Json): string | null {
  const roles = asArray(agent['role']);
  for (let i = 0; i < roles.length; i++) {
    const codings = asArray(asObject(roles[i])?.['coding']);
    for (let j = 0; j < codings.length; j++) {
      const coding = asObject(codings[j]);
      if (coding === undefined || coding['system'] !== DEPARTMENT_SYSTEM) continue;
      const value = asString(coding['display']) ?? asString(coding['code']);
      if (value !== undefined) return value;
    }
  }
  const extensions = asArray(agent['extension']);
  for (let i = 0; i < extensions.length; i++) {
    const ext = asObject(extensions[i]);
    if (ext !== undefined && ext['url'] === DEPARTMENT_SYSTEM) {
      const value = asString(ext['valueString']);
      if (value !== undefined) return value;
    }
  }
  return asString(asObject(agent['location'])?.['display']) ?? null;
}

function sourceSystemOf(r: Json): string | null {
  const source = asObject(r['source']);
  if (source === undefined) return null;
  const observer = asObject(source['observer']);
  if (observer !== undefined) {
    const value = asString(asObject(observer['identifier'])?.['value']) ?? asString(observer['display']) ?? asString(observer['reference']);
    if (value !== undefined) return value;
  }
  return asString(source['site']) ?? null;
}

function addSensitivity(out: string[], label: unknown): void {
  const coding = asObject(label);
  if (coding === undefined) return;
  const code = asString(coding['code']);
  if (code === undefined) return;
  const system = coding['system'];
  const upper = code.toUpperCase();
  if (system === undefined) {
    // No system: keep the code unless it is a "not sensitive" confidentiality level.
    if (upper.length > 1 || SENSITIVE_CONFIDENTIALITY.has(upper)) addUnique(out, upper);
  } else if (SENSITIVITY_SYSTEMS.has(system as string)) {
    addUnique(out, upper);
  } else if (CONFIDENTIALITY_SYSTEMS.has(system as string) && SENSITIVE_CONFIDENTIALITY.has(upper)) {
    addUnique(out, upper);
  }
}

function addPurposes(out: string[], concepts: unknown): void {
  const list = asArray(concepts);
  for (let i = 0; i < list.length; i++) {
    const codings = asArray(asObject(list[i])?.['coding']);
    for (let j = 0; j < codings.length; j++) {
      const code = asString(asObject(codings[j])?.['code']);
      if (code !== undefined) addUnique(out, code.toUpperCase());
    }
  }
}

/** `GET …/Observation?…`, and the POST form `POST …/Observation/_search`. */
const SEARCH_PATH = /\/([A-Z][A-Za-z]{1,63})(?:\/_search)?\/?(?:\?|\s|$)/;

/** The resource type in a query entity's request (`description`, else the base64 `query`), if it names one. */
function searchedType(entity: Json): string | undefined {
  let request = asString(entity['description']);
  if (request === undefined) {
    const query = asString(entity['query']);
    if (query === undefined) return undefined;
    request = Buffer.from(query, 'base64').toString('utf8');
  }
  const firstLine = request.split('\n', 1)[0] as string;
  return SEARCH_PATH.exec(firstLine)?.[1];
}

function countOf(detail: Json): number | undefined {
  const value = detail['valueString'] ?? detail['valueInteger'] ?? detail['valueUnsignedInt'] ?? detail['valuePositiveInt'];
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === 'string' && /^\d{1,9}$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

/*
 * References are read with indexOf and charCodeAt rather than split('/') and
 * a regex: every entity and agent has one, and the split arrays were the
 * largest single cost of the mapping in a CPU profile of bench/parse-figures.ts.
 */

/** `[base/]Type/id[/_history/v]` → Type; undefined for contained (`#x`), `urn:` and other references. */
function referenceType(reference: string): string | undefined {
  const end = referenceEnd(reference);
  const slash = reference.lastIndexOf('/', end - 1);
  if (slash <= 0 || slash === end - 1) return undefined;
  const start = reference.lastIndexOf('/', slash - 1) + 1;
  if (!isResourceTypeName(reference, start, slash) || reference.startsWith('urn:')) return undefined;
  return reference.slice(start, slash);
}

/** The id of a reference already known to be `[base/]Type/id[/_history/v]`. */
function typedReferenceId(reference: string): string {
  const end = referenceEnd(reference);
  return reference.slice(reference.lastIndexOf('/', end - 1) + 1, end);
}

/** Where the `Type/id` part ends: before a trailing `/_history/v`. */
function referenceEnd(reference: string): number {
  const history = reference.lastIndexOf('/_history/');
  return history > 0 && reference.indexOf('/', history + 10) === -1 ? history : reference.length;
}

/** A FHIR resource type name: an upper-case letter, then 1-63 letters. */
function isResourceTypeName(s: string, start: number, end: number): boolean {
  const length = end - start;
  if (length < 2 || length > 64) return false;
  const first = s.charCodeAt(start);
  if (first < 65 || first > 90) return false;
  for (let i = start + 1; i < end; i++) {
    const c = s.charCodeAt(i) | 0x20; // fold to lower case
    if (c < 97 || c > 122) return false;
  }
  return true;
}

function hasCode(value: unknown, system: string, code: string): boolean {
  const o = asObject(value);
  if (o === undefined) return false;
  if (o['code'] === code && (o['system'] === system || o['system'] === undefined)) return true;
  const codings = asArray(o['coding']);
  for (let i = 0; i < codings.length; i++) {
    const c = asObject(codings[i]);
    if (c !== undefined && c['code'] === code && (c['system'] === system || c['system'] === undefined)) return true;
  }
  return false;
}

/** The code of a Coding (or a CodeableConcept's first coding) in the given system. */
function codeIn(value: unknown, system: string): string | undefined {
  const o = asObject(value);
  if (o === undefined) return undefined;
  if (o['system'] === system) return asString(o['code']);
  const codings = asArray(o['coding']);
  for (let i = 0; i < codings.length; i++) {
    const c = asObject(codings[i]);
    if (c !== undefined && c['system'] === system) return asString(c['code']);
  }
  return undefined;
}

function addUnique(list: string[], value: string): void {
  // Lists here hold a handful of items (a search's patients at most a few hundred), so a scan beats building a Set per event.
  if (!list.includes(value)) list.push(value);
}

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/**
 * `value.map(fn)` for a value from the input: an index loop, because
 * Array.prototype.map reads the array's own `constructor` (species), which an
 * input object can carry (the fuzz test does).
 */
function mapEach(value: unknown, fn: (item: unknown) => unknown): unknown[] {
  const list = asArray(value);
  const out: unknown[] = new Array<unknown>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = fn(list[i]);
  return out;
}

function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : NONE;
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function withLine(result: ParseResult, line: number | undefined): ParseResult {
  return result.ok || line === undefined ? result : ({ ...result, line } satisfies ParseFailure);
}
