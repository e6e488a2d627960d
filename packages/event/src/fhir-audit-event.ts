import type { AccessEvent, Action, ActorKind, Outcome } from './access-event.ts';
import { deriveEventId } from './event-id.ts';
import { normaliseTime } from './event-time.ts';
import { failure, quote, type ParseFailure, type ParseResult } from './parse-result.ts';
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

/** DICOM participant role codes that mean "a piece of software": 110150 Application, 110153 Source Role ID. */
const APPLICATION_AGENT_CODES = new Set(['110150', '110153']);

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
export function parseFhirLine(text: string, line?: number): ParseResult[] {
  let resource: unknown;
  try {
    resource = JSON.parse(text);
  } catch (err) {
    return [failure('message', `not valid JSON: ${(err as Error).message}`, line)];
  }
  return parseFhirResource(resource, line);
}

/** A parsed AuditEvent, or a Bundle of them (each entry's `resource`) → one result per AuditEvent. */
export function parseFhirResource(resource: unknown, line?: number): ParseResult[] {
  const r = asObject(resource);
  const type = r === undefined ? undefined : r['resourceType'];
  if (type === 'AuditEvent') return [withLine(parseFhirAuditEvent(resource), line)];
  if (type === 'Bundle' && r !== undefined) {
    const entries = asArray(r['entry']);
    if (entries.length === 0) return [failure('message', 'the Bundle has no entries', line)];
    const results: ParseResult[] = [];
    for (let i = 0; i < entries.length; i++) {
      const entryResource = asObject(entries[i])?.['resource'];
      const entryType = asObject(entryResource)?.['resourceType'];
      if (entryType !== 'AuditEvent') {
        results.push(failure('resourceType', `Bundle entry[${i}].resource is ${entryType === undefined ? 'missing or has no resourceType' : quote(entryType)}, expected an AuditEvent`, line));
        continue;
      }
      const result = parseFhirAuditEvent(entryResource);
      results.push(withLine(result.ok ? result : { ...result, reason: `Bundle entry[${i}]: ${result.reason}` }, line));
    }
    return results;
  }
  return [failure('resourceType', `expected a FHIR AuditEvent or Bundle, received ${r === undefined ? 'no JSON object' : type === undefined ? 'an object without resourceType' : quote(type)}`, line)];
}

/** One AuditEvent resource → one AccessEvent (validated) or the field at fault. */
export function parseFhirAuditEvent(resource: unknown): ParseResult {
  const r = asObject(resource);
  if (r === undefined || r['resourceType'] !== 'AuditEvent') return failure('resourceType', 'expected a FHIR AuditEvent');
  const result = mapAuditEvent(r);
  if (result.ok) return result;
  const id = r['id'];
  // Naming the AuditEvent lets whoever reads the dead-letter topic find the record at the source.
  return typeof id === 'string' ? { ...result, reason: `AuditEvent ${quote(id)}: ${result.reason}` } : result;
}

function mapAuditEvent(r: Json): ParseResult {
  // --- time ---
  const recorded = r['recorded'];
  if (typeof recorded !== 'string') return failure('time', recorded === undefined ? 'AuditEvent.recorded is missing' : `AuditEvent.recorded must be a string, received ${quote(recorded)}`);
  const time = normaliseTime(recorded);
  if (time === null) return failure('time', `AuditEvent.recorded ${quote(recorded)} is not an ISO-8601 instant with a time zone (e.g. 2024-03-01T14:05:00.000Z)`);

  // --- actor: the requestor agent; without one, BALP's client (Source Role ID) ---
  const agents = asArray(r['agent']);
  let requestor: Json | undefined;
  let requestorCode: string | undefined;
  let sourceAgent: Json | undefined;
  for (let i = 0; i < agents.length; i++) {
    const agent = asObject(agents[i]);
    if (agent === undefined) continue;
    const code = dicomAgentCode(agent);
    if (requestor === undefined && agent['requestor'] === true) {
      requestor = agent;
      requestorCode = code;
    }
    if (sourceAgent === undefined && code === '110153') sourceAgent = agent;
  }
  const actorAgent = requestor ?? sourceAgent;
  if (actorAgent === undefined) return failure('actor', 'no agent has requestor: true, and there is no DICOM 110153 (Source Role ID) agent to fall back on');
  const who = asObject(actorAgent['who']);
  const whoReference = who === undefined ? undefined : asString(who['reference']);
  const whoRefType = whoReference === undefined ? undefined : referenceType(whoReference);
  const actorId = asString(asObject(who?.['identifier'])?.['value']) ?? (whoReference === undefined ? undefined : referenceId(whoReference));
  if (actorId === undefined) return failure('actor.id', 'the requestor agent has neither who.identifier.value nor a who.reference');
  const dicomCode = requestor !== undefined ? requestorCode : '110153';
  const kind: ActorKind =
    whoRefType === 'Device' || who?.['type'] === 'Device' || (dicomCode !== undefined && APPLICATION_AGENT_CODES.has(dicomCode)) ? 'application' : 'user';

  // --- action: export/print (event type) beat query beat the REST interaction beat the C/R/U/D/E code ---
  const action = actionOf(r);
  if (action === undefined) return failure('action', `cannot tell the action: action ${quote(r['action'])}, no known type or subtype code`);

  // --- entities: patients, resource types, sensitivity, counts ---
  const patientIds: string[] = [];
  const resourceTypes: string[] = [];
  const sensitivity: string[] = [];
  let dataEntities = 0;
  let countDetail: number | undefined;
  const entities = asArray(r['entity']);
  // A bulk export can name thousands of patients: past a few dozen entities a Set keeps de-duplication linear.
  const seenPatients = entities.length > 32 ? new Set<string>() : undefined;
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
      const patientId = refType === 'Patient' ? typedReferenceId(reference as string) : asString(asObject(what?.['identifier'])?.['value']);
      if (patientId === undefined) return failure('patientIds', `entity[${i}] is a patient but has neither a Patient what.reference nor what.identifier.value`);
      if (seenPatients === undefined) addUnique(patientIds, patientId);
      else if (!seenPatients.has(patientId)) {
        seenPatients.add(patientId);
        patientIds.push(patientId);
      }
    } else if (refType !== undefined) {
      dataEntities++;
    }

    const labels = asArray(entity['securityLabel']);
    for (let j = 0; j < labels.length; j++) addSensitivity(sensitivity, labels[j]);

    const details = asArray(entity['detail']);
    for (let j = 0; j < details.length; j++) {
      const detail = asObject(details[j]);
      const detailType = detail === undefined ? undefined : asString(detail['type']);
      if (detail === undefined || detailType === undefined || !COUNT_DETAIL_TYPES.has(detailType.toLowerCase())) continue;
      const count = countOf(detail);
      if (count === undefined) return failure('records', `entity[${i}].detail ${quote(detailType)} does not hold a whole number ≥ 0`);
      countDetail ??= count;
    }
  }
  const security = asArray(asObject(r['meta'])?.['security']);
  for (let j = 0; j < security.length; j++) addSensitivity(sensitivity, security[j]);

  // --- purpose of use: the requestor's declared purposes, then the event's ---
  const purposeOfUse: string[] = [];
  addPurposes(purposeOfUse, actorAgent['purposeOfUse']);
  addPurposes(purposeOfUse, r['purposeOfEvent']);

  // --- outcome ---
  const outcomeCode = r['outcome'];
  const outcome: Outcome | undefined = outcomeCode === undefined ? 'success' : OUTCOMES_BY_CODE.get(String(outcomeCode));
  if (outcome === undefined) return failure('outcome', `AuditEvent.outcome ${quote(outcomeCode)} is not one of 0, 4, 8, 12`);

  // --- records: a stated count wins; a failed access returned nothing; a search/export pulled its data entities ---
  let records: number;
  if (countDetail !== undefined) records = countDetail;
  else if (outcome !== 'success') records = 0;
  else if (action === 'query' || action === 'export') records = dataEntities > 0 ? dataEntities : patientIds.length;
  else records = 1;

  const id = r['id'];
  const candidate: Record<keyof AccessEvent, unknown> = {
    eventId: id === undefined || id === null || id === '' ? deriveEventId(r) : id,
    time,
    actor: { id: actorId, kind, role: roleOf(actorAgent), department: departmentOf(actorAgent) },
    patientIds,
    action,
    resourceTypes,
    sensitivity,
    purposeOfUse,
    breakTheGlass: purposeOfUse.includes('BTG'),
    outcome,
    records,
    sourceSystem: sourceSystemOf(r),
    networkAddress: networkAddressOf(actorAgent) ?? (sourceAgent === undefined ? null : networkAddressOf(sourceAgent)),
    format: 'fhir',
  };
  const problem = checkAccessEvent(candidate);
  return problem ?? { ok: true, event: candidate as AccessEvent };
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

function networkAddressOf(agent: Json): string | null {
  return asString(asObject(agent['network'])?.['address']) ?? null;
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

const SEARCH_PATH = /\/([A-Z][A-Za-z]{1,63})\/?(?:\?|\s|$)/;

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

/** The id part of a reference; a reference that is not `Type/id` (e.g. `urn:uuid:…`) is its own id. */
function referenceId(reference: string): string | undefined {
  if (reference.startsWith('#')) return undefined;
  return referenceType(reference) === undefined ? reference : typedReferenceId(reference);
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

/** The code of the agent's DICOM type coding (110153 Source Role ID, 110152 Destination, 110150 Application), if any. */
function dicomAgentCode(agent: Json): string | undefined {
  const type = asObject(agent['type']);
  if (type === undefined) return undefined;
  const codings = asArray(type['coding']);
  for (let i = 0; i < codings.length; i++) {
    const c = asObject(codings[i]);
    if (c !== undefined && (c['system'] === DICOM || c['system'] === undefined) && typeof c['code'] === 'string') return c['code'];
  }
  return undefined;
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

function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : NONE;
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function withLine(result: ParseResult, line: number | undefined): ParseResult {
  return result.ok || line === undefined ? result : ({ ...result, line } satisfies ParseFailure);
}
