import { z } from 'zod';
import { isCanonicalTime, MAX_EVENT_TIME, MIN_EVENT_TIME } from './event-time.ts';

/**
 * The canonical AccessEvent: one access by one actor, at one instant, to one
 * or more patients' charts. Every input format is parsed into this shape, and
 * everything downstream (store, detection, model, API) reads only this shape.
 */

export const ACTIONS = ['read', 'create', 'update', 'delete', 'execute', 'export', 'print', 'query'] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * `patient`: a patient acting on their own record (a portal, a disclosure they
 * asked for). Never staff: rules about staff do not judge a patient reading
 * their own chart.
 */
export const ACTOR_KINDS = ['user', 'application', 'patient'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

export const OUTCOMES = ['success', 'minor-failure', 'serious-failure', 'major-failure'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const INPUT_FORMATS = ['fhir', 'csv', 'json'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export { MIN_EVENT_TIME, MAX_EVENT_TIME };

/**
 * Identifiers (event, actor, patient) are restricted to the characters real
 * EHR, FHIR, HL7v2 and directory ids use: letters of any script (`jürgen.müller`),
 * digits, and `. _ : @ / | + - = ^ & , # ~ *` (SAML/LDAP subjects `UID=kskagerb`,
 * HL7v2 CX ids `e3cdfc81^^^&2.16.840.1.113883.4.2&ISO`, FHIR tokens
 * `system|value`). Never whitespace, quotes, `<`, `>`, `;`, `\`, or a `..`
 * path segment, so an id cannot carry markup, SQL or a path traversal into a
 * log line, a URL or a dashboard. Free-text fields (role, department, source
 * system) are kept verbatim, whatever they contain.
 */
export const ID_PATTERN = /^(?!.*(?:^|[/\\])\.\.(?:[/\\]|$))[\p{L}\p{N}][\p{L}\p{M}\p{N}._:@/|+\-=^&,#~*]{0,255}$/u;
export const MAX_ID_LENGTH = 256;

/** 2: may start an id (ASCII letter or digit); 1: may follow; 0: never in an id. */
const ASCII_ID_CHARS = (() => {
  const t = new Uint8Array(128);
  for (let c = 48; c <= 57; c++) t[c] = 2;
  for (let c = 65; c <= 90; c++) t[c] = 2;
  for (let c = 97; c <= 122; c++) t[c] = 2;
  for (const ch of '._:@/|+-=^&,#~*') t[ch.charCodeAt(0)] = 1;
  return t;
})();

/**
 * ID_PATTERN.test(s), answered character by character for ASCII ids (nearly
 * all of them): the Unicode-aware pattern with its look-ahead cost as much as
 * the rest of validating a canonical line (bench/parse-figures.ts). A string
 * with any non-ASCII character goes to the pattern itself.
 * validate-event.test.ts checks that both agree.
 */
export function isIdText(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 2 * MAX_ID_LENGTH) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) return ID_PATTERN.test(s);
    const k = ASCII_ID_CHARS[c] as number;
    if (k === 0 || (i === 0 && k !== 2)) return false;
    // A ".." path segment: after a "/" (it cannot start an id) and before a "/" or the end.
    if (c === 46 && i > 0 && s.charCodeAt(i - 1) === 47 && i + 1 < n && s.charCodeAt(i + 1) === 46 && (i + 2 === n || s.charCodeAt(i + 2) === 47)) return false;
  }
  return n <= MAX_ID_LENGTH;
}

/** Messages shared with the hand-written validator (validate-event.ts), which must agree with this schema. */
export const ID_MESSAGE = 'must be 1-256 characters of letters, digits and . _ : @ / | + - = ^ & , # ~ *, starting with a letter or digit, with no ".." path segment';

/** Stored patient ids per event; a mass search keeps its full count in `patientCount`. */
export const MAX_STORED_PATIENTS = 10_000;

/**
 * Marks on an event that an analyst should see:
 * - `unverified-actor`: the actor is known only by a display name; the id was derived from it.
 * - `truncated`: a text, code or list was longer than the store keeps and was cut.
 * - `patients-capped`: more patients than MAX_STORED_PATIENTS; `patientCount` has them all.
 * - `paired`: the id is the request's X-Request-Id, shared by the client's and the server's record of one access.
 */
export const EVENT_FLAGS = ['unverified-actor', 'truncated', 'patients-capped', 'paired'] as const;
export type EventFlag = (typeof EVENT_FLAGS)[number];
export const TIME_MESSAGE = `must be an ISO-8601 UTC time in the form YYYY-MM-DDTHH:mm:ss.sssZ, from ${MIN_EVENT_TIME} up to (not including) ${MAX_EVENT_TIME}`;

const id = z.string().regex(ID_PATTERN, ID_MESSAGE);
const text = z.string().max(256);
const code = z.string().min(1).max(64);
/** Security labels and purposes are compared as codes: one spelling, upper case, so PSY and psy never count as two labels. */
const upperCode = code.refine((s) => s === s.toUpperCase(), 'must be upper case');

export const accessEventSchema = z.object({
  /** Stable id: the source's own id, or a hash of the content when the source has none. */
  eventId: id,
  /** Event time (when the access happened, not when we received it), exactly `toISOString()` form: YYYY-MM-DDTHH:mm:ss.sssZ. */
  time: z.string().refine(isCanonicalTime, TIME_MESSAGE),
  actor: z.object({
    id,
    kind: z.enum(ACTOR_KINDS),
    /** Role code as the source names it (e.g. physician, nurse, registrar); null when unknown. */
    role: text.nullable(),
    department: text.nullable(),
  }),
  /**
   * Every patient the access touched; a search or export can touch many. Empty
   * for activity that touched no chart (a login, a failed authorisation, a
   * search that found nobody): kept and stored, never dead-lettered.
   */
  patientIds: z.array(id).max(MAX_STORED_PATIENTS),
  action: z.enum(ACTIONS),
  /** FHIR resource types touched (Patient, Observation, DocumentReference, …). */
  resourceTypes: z.array(code).max(64),
  /** Security labels (v3-ActCode: PSY, PSYTHPN, ETH, HIV, SDV, …), upper case. */
  sensitivity: z.array(upperCode).max(64),
  /** Purpose of use (v3-ActReason: TREAT, HPAYMT, HOPERAT, BTG, …), upper case. */
  purposeOfUse: z.array(upperCode).max(16),
  /** True when the actor declared break-the-glass (purpose BTG or the source's own flag). */
  breakTheGlass: z.boolean(),
  outcome: z.enum(OUTCOMES),
  /** Records returned or written; for a search or export, how many were pulled. */
  records: z.number().int().min(0).max(100_000_000),
  sourceSystem: text.nullable(),
  networkAddress: text.nullable(),
  format: z.enum(INPUT_FORMATS),
  /** How many patients the access touched, when more than `patientIds` holds (absent: patientIds.length). */
  patientCount: z.number().int().min(0).max(100_000_000).optional(),
  /** The client application a user acted through (an OAuth/SMART app, DICOM 110150), when the actor is a person. */
  application: id.nullable().optional(),
  flags: z.array(z.enum(EVENT_FLAGS)).max(EVENT_FLAGS.length).optional(),
});

export type AccessEvent = z.infer<typeof accessEventSchema>;
