import type { AccessEvent } from './access-event.ts';

/**
 * What every parser returns per event: the canonical event, or the field at
 * fault and the problem. Parsers never throw on bad content, so one broken
 * event in a file or a Kafka message never hides the good ones, and the
 * failure can go to the dead-letter topic with a reason a person can act on.
 */
export type ParseResult = ParseSuccess | ParseFailure;
export interface ParseSuccess {
  ok: true;
  event: AccessEvent;
}
export interface ParseFailure {
  ok: false;
  /** The event field at fault as a path (`actor.id`, `patientIds[2]`, `time`), a CSV column name, or `message` for the input as a whole. */
  field: string;
  /** What is wrong, naming the offending value where that is safe and short. */
  reason: string;
  /** 1-based line in the input (CSV line, NDJSON line) when the input has lines. */
  line?: number;
}
/** The result of decoding one Kafka message: one per event it carried. */
export type DecodeResult = ParseResult;

export function failure(field: string, reason: string, line?: number): ParseFailure {
  return line === undefined ? { ok: false, field, reason } : { ok: false, field, reason, line };
}

/** A value quoted for an error message: short, single line, so a reason never floods a log. */
export function quote(value: unknown): string {
  let s: string;
  if (typeof value === 'string') s = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  else if (value === undefined) s = 'undefined';
  else {
    s = JSON.stringify(value) ?? String(value);
    if (s.length > 80) s = `${s.slice(0, 80)}…`;
  }
  return s;
}
