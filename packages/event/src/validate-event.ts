import {
  ACTIONS,
  ACTOR_KINDS,
  EVENT_FLAGS,
  MAX_STORED_PATIENTS,
  ID_MESSAGE,
  INPUT_FORMATS,
  isIdText,
  OUTCOMES,
  TIME_MESSAGE,
  type AccessEvent,
} from './access-event.ts';
import { isCanonicalTime } from './event-time.ts';
import { failure, quote, type ParseFailure, type ParseResult } from './parse-result.ts';

/**
 * The hot-path twin of `accessEventSchema`: plain checks that accept exactly
 * what the zod schema accepts and reject exactly what it rejects
 * (validate-event.test.ts proves it on thousands of generated valid and
 * broken events). Why not call zod: on a canonical JSON line zod's
 * `safeParse` cost about as much as `JSON.parse` itself, and ingest must
 * keep up with the EHR's audit stream (bench/parse-figures.ts measures it).
 * If you change the schema, change this file and its test with it.
 *
 * Like zod it returns a fresh object holding only the schema's fields
 * (unknown members are dropped), and it reports the first field at fault, in
 * schema order, as a path (`actor.id`, `patientIds[3]`).
 */

const ACTION_SET: ReadonlySet<unknown> = new Set(ACTIONS);
const ACTOR_KIND_SET: ReadonlySet<unknown> = new Set(ACTOR_KINDS);
const OUTCOME_SET: ReadonlySet<unknown> = new Set(OUTCOMES);
const FORMAT_SET: ReadonlySet<unknown> = new Set(INPUT_FORMATS);
const FLAG_SET: ReadonlySet<unknown> = new Set(EVENT_FLAGS);

const MAX_TEXT = 256;
const MAX_CODE = 64;
const MAX_PATIENTS = MAX_STORED_PATIENTS;
const MAX_RESOURCE_TYPES = 64;
const MAX_SENSITIVITY = 64;
const MAX_PURPOSES = 16;
const MAX_RECORDS = 100_000_000;

export function validateAccessEvent(value: unknown): ParseResult {
  const problem = checkAccessEvent(value);
  if (problem !== null) return problem;
  // Every member was checked; the casts only tell the compiler what the checks proved.
  const v = value as AccessEvent;
  const a = v.actor;
  const event: AccessEvent = {
    eventId: v.eventId,
    time: v.time,
    actor: { id: a.id, kind: a.kind, role: a.role, department: a.department },
    patientIds: v.patientIds,
    action: v.action,
    resourceTypes: v.resourceTypes,
    sensitivity: v.sensitivity,
    purposeOfUse: v.purposeOfUse,
    breakTheGlass: v.breakTheGlass,
    outcome: v.outcome,
    records: v.records,
    sourceSystem: v.sourceSystem,
    networkAddress: v.networkAddress,
    format: v.format,
  };
  // The optional members only when present, so an event without them equals what zod returns.
  if (v.patientCount !== undefined) event.patientCount = v.patientCount;
  if (v.application !== undefined) event.application = v.application;
  if (v.flags !== undefined) event.flags = v.flags;
  return { ok: true, event };
}

/**
 * The checks alone: null when `value` satisfies accessEventSchema, else the
 * first failure. The parsers call this on the candidate they have just built
 * with exactly the schema's members, and return that object itself — copying
 * it would add two allocations per event for nothing.
 */
export function checkAccessEvent(value: unknown): ParseFailure | null {
  if (!isPlainObject(value)) return failure('', `expected an object, received ${typeName(value)}`);
  const v = value as Record<string, unknown>;

  const eventId = v['eventId'];
  if (!isId(eventId)) return idFailure('eventId', eventId);
  const time = v['time'];
  if (typeof time !== 'string') return failure('time', expected('string', time));
  if (!isCanonicalTime(time)) return failure('time', `${quote(time)} ${TIME_MESSAGE}`);

  const actorValue = v['actor'];
  if (!isPlainObject(actorValue)) return failure('actor', expected('object', actorValue));
  const a = actorValue as Record<string, unknown>;
  const actorId = a['id'];
  if (!isId(actorId)) return idFailure('actor.id', actorId);
  const kind = a['kind'];
  if (!ACTOR_KIND_SET.has(kind)) return failure('actor.kind', oneOf(ACTOR_KINDS, kind));
  const role = a['role'];
  if (!isNullableText(role)) return failure('actor.role', textProblem(role));
  const department = a['department'];
  if (!isNullableText(department)) return failure('actor.department', textProblem(department));

  const patientIds = v['patientIds'];
  if (!Array.isArray(patientIds)) return failure('patientIds', expected('array', patientIds));
  for (let i = 0; i < patientIds.length; i++) {
    const p: unknown = patientIds[i];
    if (!isId(p)) return idFailure(`patientIds[${i}]`, p);
  }
  if (patientIds.length > MAX_PATIENTS) return failure('patientIds', `has ${patientIds.length} ids, at most ${MAX_PATIENTS} allowed`);

  const action = v['action'];
  if (!ACTION_SET.has(action)) return failure('action', oneOf(ACTIONS, action));

  const resourceTypes = v['resourceTypes'];
  const rtProblem = codeListProblem('resourceTypes', resourceTypes, MAX_RESOURCE_TYPES, false);
  if (rtProblem !== null) return rtProblem;
  const sensitivity = v['sensitivity'];
  const sProblem = codeListProblem('sensitivity', sensitivity, MAX_SENSITIVITY, true);
  if (sProblem !== null) return sProblem;
  const purposeOfUse = v['purposeOfUse'];
  const pProblem = codeListProblem('purposeOfUse', purposeOfUse, MAX_PURPOSES, true);
  if (pProblem !== null) return pProblem;

  const breakTheGlass = v['breakTheGlass'];
  if (typeof breakTheGlass !== 'boolean') return failure('breakTheGlass', expected('boolean', breakTheGlass));
  const outcome = v['outcome'];
  if (!OUTCOME_SET.has(outcome)) return failure('outcome', oneOf(OUTCOMES, outcome));
  const records = v['records'];
  if (typeof records !== 'number' || !Number.isInteger(records) || records < 0 || records > MAX_RECORDS) {
    return failure('records', `${quote(records)} must be a whole number from 0 to ${MAX_RECORDS}`);
  }
  const sourceSystem = v['sourceSystem'];
  if (!isNullableText(sourceSystem)) return failure('sourceSystem', textProblem(sourceSystem));
  const networkAddress = v['networkAddress'];
  if (!isNullableText(networkAddress)) return failure('networkAddress', textProblem(networkAddress));
  const format = v['format'];
  if (!FORMAT_SET.has(format)) return failure('format', oneOf(INPUT_FORMATS, format));

  const patientCount = v['patientCount'];
  if (patientCount !== undefined && (typeof patientCount !== 'number' || !Number.isInteger(patientCount) || patientCount < 0 || patientCount > MAX_RECORDS)) {
    return failure('patientCount', `${quote(patientCount)} must be a whole number from 0 to ${MAX_RECORDS}`);
  }
  const application = v['application'];
  if (application !== undefined && application !== null && !isId(application)) return idFailure('application', application);
  const flags = v['flags'];
  if (flags !== undefined) {
    if (!Array.isArray(flags)) return failure('flags', expected('array', flags));
    for (let i = 0; i < flags.length; i++) {
      const f: unknown = flags[i];
      if (!FLAG_SET.has(f)) return failure(`flags[${i}]`, oneOf(EVENT_FLAGS, f));
    }
    if (flags.length > EVENT_FLAGS.length) return failure('flags', `has ${flags.length} flags, at most ${EVENT_FLAGS.length} allowed`);
  }

  return null;
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && isIdText(value);
}

function isNullableText(value: unknown): boolean {
  return value === null || (typeof value === 'string' && value.length <= MAX_TEXT);
}

function codeListProblem(field: string, value: unknown, max: number, upper: boolean): ParseFailure | null {
  if (!Array.isArray(value)) return failure(field, expected('array', value));
  for (let i = 0; i < value.length; i++) {
    const c: unknown = value[i];
    if (typeof c !== 'string') return failure(`${field}[${i}]`, expected('string', c));
    if (c.length < 1 || c.length > MAX_CODE) return failure(`${field}[${i}]`, `${quote(c)} must be 1-${MAX_CODE} characters`);
    if (upper && c !== c.toUpperCase()) return failure(`${field}[${i}]`, `${quote(c)} must be upper case`);
  }
  if (value.length > max) return failure(field, `has ${value.length} codes, at most ${max} allowed`);
  return null;
}

function idFailure(field: string, value: unknown): ParseFailure {
  if (typeof value !== 'string') return failure(field, expected('string', value));
  return failure(field, `${quote(value)} ${ID_MESSAGE}`);
}

function textProblem(value: unknown): string {
  if (typeof value === 'string') return `is ${value.length} characters, at most ${MAX_TEXT} allowed`;
  return `expected a string or null, received ${typeName(value)}`;
}

function expected(type: string, value: unknown): string {
  return `expected ${type}, received ${value === undefined ? 'nothing (missing)' : typeName(value)}`;
}

function oneOf(allowed: readonly string[], value: unknown): string {
  return `${value === undefined ? 'missing' : quote(value)}: must be one of ${allowed.join(', ')}`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
