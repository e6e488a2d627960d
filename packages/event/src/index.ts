export {
  accessEventSchema,
  ACTIONS,
  ACTOR_KINDS,
  OUTCOMES,
  INPUT_FORMATS,
  ID_PATTERN,
  EVENT_FLAGS,
  MAX_STORED_PATIENTS,
  MIN_EVENT_TIME,
  MAX_EVENT_TIME,
} from './access-event.ts';
export type { AccessEvent, Action, ActorKind, Outcome, InputFormat, EventFlag } from './access-event.ts';
export type { ParseResult, ParseSuccess, ParseFailure, DecodeResult } from './parse-result.ts';
export { validateAccessEvent } from './validate-event.ts';
export { daysFromCivil, isCanonicalTime, normaliseTime, parseIsoMillis } from './event-time.ts';
export { deriveEventId, contentEventId, canonicalJson } from './event-id.ts';
export { parseFhirLine, parseFhirResource, parseFhirAuditEvent, DEPARTMENT_SYSTEM } from './fhir-audit-event.ts';
export type { FhirDecodeOptions } from './fhir-audit-event.ts';
export type { LineLimit } from './message-limit.ts';
export { parseCsvAccessLog, toCsvRow, toCsv, csvHeader, CSV_COLUMNS } from './csv-access-log.ts';
export type { CsvColumn, CsvWriteOptions } from './csv-access-log.ts';
export { parseCanonicalLine, parseCanonicalEvent } from './canonical-json.ts';
export { decodeMessage, DEFAULT_MAX_MESSAGE_BYTES } from './decode-message.ts';
// For tests of every package: one sample event to change, not a literal per test file.
export { sampleEvent } from './sample-event.ts';
export type { SampleEventFields } from './sample-event.ts';
export type { DecodeOptions } from './decode-message.ts';
