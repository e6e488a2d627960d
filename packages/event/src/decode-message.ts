import type { InputFormat } from './access-event.ts';
import { parseCanonicalEvent } from './canonical-json.ts';
import { parseCsvAccessLog } from './csv-access-log.ts';
import { parseFhirResource, type FhirDecodeOptions } from './fhir-audit-event.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from './message-limit.ts';
import { failure, type DecodeResult, type ParseResult } from './parse-result.ts';

export { DEFAULT_MAX_MESSAGE_BYTES };

export interface DecodeOptions {
  /** The message's format, from the Kafka header `cw-format`; sniffed when absent (CSV is never sniffed). */
  format?: InputFormat;
  /** Default DEFAULT_MAX_MESSAGE_BYTES (256 KiB). */
  maxBytes?: number;
  /** The hospital's own identifier systems, for FHIR (see FhirDecodeOptions). */
  fhir?: FhirDecodeOptions;
}

// fatal: a message that is not UTF-8 is reported, not silently patched with U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One Kafka message value → one result per event it carries. Never throws on
 * bad content: every failure names the field (`message` for the message as
 * a whole) and the problem, for the dead-letter topic.
 *
 * A message holds one JSON document (an AuditEvent, a Bundle, a canonical
 * event, or a JSON array of those), or NDJSON (one document per line), or —
 * only when `format: 'csv'` — a CSV document with a header row.
 * Without `format`, a document with a `resourceType` (AuditEvent, Bundle) is
 * FHIR and any other JSON object is a canonical event.
 */
export function decodeMessage(value: Uint8Array | string, options: DecodeOptions = {}): DecodeResult[] {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  // Checked before decoding, so an oversized message costs no parse at all.
  const size = typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.byteLength;
  if (size > maxBytes) return [failure('message', `message is ${size} bytes, larger than the limit of ${maxBytes} bytes`)];

  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = utf8.decode(value);
    } catch {
      return [failure('message', 'message is not valid UTF-8 text')];
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  const format = options.format;
  if (format === 'csv') return parseCsvAccessLog(text);
  if (text.trim() === '') return [failure('message', 'message is empty')];

  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    const lines = ndjsonLines(text);
    if (lines === undefined) {
      const hint = format === undefined && !/^\s*[[{]/.test(text) ? ' (a CSV message needs the Kafka header cw-format: csv)' : '';
      return [failure('message', `not valid JSON: ${(err as Error).message}${hint}`)];
    }
    const results: DecodeResult[] = [];
    for (const { text: lineText, line } of lines) {
      let lineDocument: unknown;
      try {
        lineDocument = JSON.parse(lineText);
      } catch (lineErr) {
        results.push(failure('message', `line ${line}: not valid JSON: ${(lineErr as Error).message}`, line));
        continue;
      }
      for (const result of decodeDocument(lineDocument, format, options.fhir)) results.push(result.ok ? result : { ...result, line });
    }
    return results;
  }
  return decodeDocument(document, format, options.fhir);
}

/**
 * The non-empty lines of `text` when it looks like NDJSON: more than one line,
 * and the first one is a whole object or array on its own line (`{…}`). A
 * pretty-printed document starts with a bare `{`, so a broken one is
 * reported as one JSON error, not as a cascade of per-line errors; a broken
 * first NDJSON line is reported on its own and the other lines still pass.
 */
function ndjsonLines(text: string): { text: string; line: number }[] | undefined {
  const raw = text.split('\n');
  const lines: { text: string; line: number }[] = [];
  for (let i = 0; i < raw.length; i++) {
    const t = (raw[i] as string).trim();
    if (t !== '') lines.push({ text: t, line: i + 1 });
  }
  const first = lines[0]?.text;
  if (lines.length < 2 || first === undefined || first.length < 2) return undefined;
  const open = first[0];
  const close = first[first.length - 1];
  return (open === '{' && close === '}') || (open === '[' && close === ']') ? lines : undefined;
}

function decodeDocument(document: unknown, format: InputFormat | undefined, fhir: FhirDecodeOptions | undefined): ParseResult[] {
  if (Array.isArray(document)) {
    if (document.length === 0) return [failure('message', 'message is an empty JSON array')];
    const results: ParseResult[] = [];
    for (let i = 0; i < document.length; i++) {
      for (const result of decodeOne(document[i], format, fhir)) results.push(result.ok ? result : { ...result, reason: `[${i}]: ${result.reason}` });
    }
    return results;
  }
  return decodeOne(document, format, fhir);
}

function decodeOne(document: unknown, format: InputFormat | undefined, fhir: FhirDecodeOptions | undefined): ParseResult[] {
  const resourceType = typeof document === 'object' && document !== null ? (document as Record<string, unknown>)['resourceType'] : undefined;
  // Any resourceType (not only AuditEvent and Bundle) goes to the FHIR parser: "a Patient is not an
  // AuditEvent" helps whoever reads the dead-letter topic more than "time is missing" would.
  if (format === 'fhir' || (format === undefined && typeof resourceType === 'string')) {
    return parseFhirResource(document, undefined, fhir);
  }
  return [parseCanonicalEvent(document)];
}
