import { z } from 'zod';
import { isCanonicalTime, MAX_EVENT_TIME, MIN_EVENT_TIME } from './event-time.ts';

/**
 * The canonical AccessEvent: one access by one actor, at one instant, to one
 * or more patients' charts. Every input format is parsed into this shape, and
 * everything downstream (store, detection, model, API) reads only this shape.
 */

export const ACTIONS = ['read', 'create', 'update', 'delete', 'execute', 'export', 'print', 'query'] as const;
export type Action = (typeof ACTIONS)[number];

export const ACTOR_KINDS = ['user', 'application'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

export const OUTCOMES = ['success', 'minor-failure', 'serious-failure', 'major-failure'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const INPUT_FORMATS = ['fhir', 'csv', 'json'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export { MIN_EVENT_TIME, MAX_EVENT_TIME };

/**
 * Identifiers (event, actor, patient) are restricted to the characters real
 * EHR and FHIR ids use, so an id can never carry markup or SQL into a log
 * line, a URL or a dashboard. Free-text fields (role, department, source
 * system) are kept verbatim, whatever they contain.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@/|+-]{0,127}$/;

/** Messages shared with the hand-written validator (validate-event.ts), which must agree with this schema. */
export const ID_MESSAGE = 'must be 1-128 characters of letters, digits and . _ : @ / | + -, starting with a letter or digit';
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
  /** Every patient the access touched; a search or export can touch many. */
  patientIds: z.array(id).min(1, 'at least one patient is required').max(10_000),
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
});

export type AccessEvent = z.infer<typeof accessEventSchema>;
