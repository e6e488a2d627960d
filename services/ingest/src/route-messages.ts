import type { ConsumedMessage, OutgoingMessage } from '@chartwatch/bus';
import { decodeMessage, INPUT_FORMATS, type AccessEvent, type DecodeResult, type InputFormat } from '@chartwatch/event';

/** Headers ingest reads and writes; the `cw-dlq-*` and `cw-source-*` ones say why and where from. */
export const HEADERS = {
  format: 'cw-format',
  dlqReason: 'cw-dlq-reason',
  dlqField: 'cw-dlq-field',
  dlqFailures: 'cw-dlq-failures',
  dlqEventsStored: 'cw-dlq-events-stored',
  sourceTopic: 'cw-source-topic',
  sourcePartition: 'cw-source-partition',
  sourceOffset: 'cw-source-offset',
} as const;

/** Reasons are for people; a header is no place for a novel. */
const MAX_REASON_CHARS = 1_000;

export interface RoutedMessages {
  /** Valid events, each event id once, in arrival order. */
  events: AccessEvent[];
  /** The events topic's messages: canonical JSON keyed by actor id. */
  eventMessages: OutgoingMessage[];
  /** One per message that carried anything invalid: its original bytes and why. */
  deadLetters: OutgoingMessage[];
  /** Invalid events (a message can carry several). */
  invalidEvents: number;
}

export interface RouteOptions {
  topic: string;
  partition: number;
  maxMessageBytes: number;
  /**
   * Latest plausible event time, epoch milliseconds (the wall clock plus
   * INGEST_MAX_FUTURE_MS): an event dated after it is invalid, field `time`.
   * Absent = no bound beyond the parsers' own (before 2100).
   */
  latestEventMs?: number;
}

const TOMBSTONE_REASON = 'a tombstone (a record with no value) carries no event';

function implausibleTime(event: AccessEvent, latestMs: number): DecodeResult | null {
  const t = Date.parse(event.time);
  if (t <= latestMs) return null;
  return {
    ok: false,
    field: 'time',
    reason: `event ${event.eventId} is dated ${event.time}, ${Math.round((t - latestMs) / 60_000)} min past the latest plausible time ${new Date(latestMs).toISOString()} (INGEST_MAX_FUTURE_MS ahead of the wall clock): a clock or a parser is wrong`,
  };
}

function decodeSafely(message: ConsumedMessage, maxBytes: number): DecodeResult[] {
  if (message.tombstone === true) return [{ ok: false, field: 'message', reason: TOMBSTONE_REASON }];
  const header = message.headers[HEADERS.format];
  let format: InputFormat | undefined;
  if (header !== undefined && header !== '') {
    if (!(INPUT_FORMATS as readonly string[]).includes(header)) {
      return [{ ok: false, field: HEADERS.format, reason: `unknown format header ${JSON.stringify(header.slice(0, 40))}, expected one of ${INPUT_FORMATS.join(', ')}` }];
    }
    format = header as InputFormat;
  }
  try {
    const results = decodeMessage(message.value, format === undefined ? { maxBytes } : { format, maxBytes });
    return results.length > 0 ? results : [{ ok: false, field: 'message', reason: 'message carries no event' }];
  } catch (err) {
    // decodeMessage promises not to throw; a bug there must still not stall the partition.
    return [{ ok: false, field: 'message', reason: `decoder failed: ${err instanceof Error ? err.message : String(err)}` }];
  }
}

/**
 * Decodes one run of a partition's messages and decides where everything
 * goes: valid events to the store and the events topic, every message with
 * an invalid part to the dead-letter topic as it arrived. A message holding
 * valid and invalid events (a Bundle, a CSV file) has its valid events
 * stored AND goes to the DLQ whole; a replay of the fixed message stores its
 * events again under the same ids, which adds nothing. An event dated after
 * `latestEventMs` is invalid like any other. Pure: no I/O, no clock.
 */
export function routeMessages(messages: readonly ConsumedMessage[], options: RouteOptions): RoutedMessages {
  const events: AccessEvent[] = [];
  const eventMessages: OutgoingMessage[] = [];
  const deadLetters: OutgoingMessage[] = [];
  const seen = new Set<string>();
  let invalidEvents = 0;

  for (const message of messages) {
    const results = decodeSafely(message, options.maxMessageBytes);
    if (options.latestEventMs !== undefined) {
      for (let i = 0; i < results.length; i++) {
        const r = results[i] as DecodeResult;
        if (r.ok) results[i] = implausibleTime(r.event, options.latestEventMs) ?? r;
      }
    }
    let firstFailure: { field: string; reason: string; line?: number } | undefined;
    let failures = 0;
    let valid = 0;
    for (const result of results) {
      if (!result.ok) {
        failures += 1;
        firstFailure ??= result;
        continue;
      }
      valid += 1;
      const event = result.event;
      if (seen.has(event.eventId)) continue;
      seen.add(event.eventId);
      events.push(event);
      eventMessages.push({ key: event.actor.id, value: JSON.stringify(event), headers: { [HEADERS.format]: 'json' } });
    }
    if (firstFailure === undefined) continue;
    invalidEvents += failures;
    // Parsers usually name the line themselves; say it only when they did not.
    const where = firstFailure.line === undefined || firstFailure.reason.includes(`line ${firstFailure.line}`) ? '' : `line ${firstFailure.line}: `;
    const reason = `${where}${firstFailure.reason}${failures > 1 ? ` (and ${failures - 1} more)` : ''}`;
    deadLetters.push({
      key: message.key,
      // A tombstone is dead-lettered as a tombstone, not as an empty value.
      value: message.tombstone === true ? null : message.value,
      headers: {
        ...message.headers,
        [HEADERS.dlqReason]: reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason,
        [HEADERS.dlqField]: firstFailure.field,
        [HEADERS.dlqFailures]: String(failures),
        [HEADERS.dlqEventsStored]: String(valid),
        [HEADERS.sourceTopic]: options.topic,
        [HEADERS.sourcePartition]: String(options.partition),
        [HEADERS.sourceOffset]: message.offset,
      },
    });
  }
  return { events, eventMessages, deadLetters, invalidEvents };
}
