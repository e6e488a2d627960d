import { createHash } from 'node:crypto';
import type { BusProducer, OutgoingMessage } from '@chartwatch/bus';
import type { StoredDeadLetter } from '@chartwatch/store';
import { HEADERS } from './route-messages.ts';

/** Where a dead letter goes when the DLQ topic refuses it twice; @chartwatch/store's Store is one. */
export interface DeadLetterSink {
  writeDeadLetters(letters: readonly StoredDeadLetter[]): Promise<void>;
}

/** Bytes of the original value a reduced dead letter keeps. */
export const DEAD_LETTER_PREFIX_BYTES = 4_096;

/** Headers a reduced dead letter adds. */
export const REDUCED_HEADERS = {
  reduced: 'cw-dlq-reduced',
  originalBytes: 'cw-dlq-original-bytes',
  sha256: 'cw-dlq-sha256',
} as const;

export interface DeadLetterOutcome {
  /** Dead letters the DLQ topic took as they were. */
  sent: number;
  /** Dead letters it took only once reduced. */
  reduced: number;
  /** Dead letters it refused twice, written to the store's dead_letters table. */
  kept: number;
}

export interface SendDeadLettersOptions {
  producer: BusProducer;
  topic: string;
  sink: DeadLetterSink;
  /** Retries a store write with backoff while the batch is still ours; false = stopping or rebalanced. */
  durably: (what: string, task: () => Promise<void>) => Promise<boolean>;
  now: () => number;
  onRefused: (letter: OutgoingMessage, err: unknown, step: 'whole' | 'reduced') => void;
}

function valueBytes(letter: OutgoingMessage): Buffer | null {
  if (letter.value === null) return null;
  return typeof letter.value === 'string' ? Buffer.from(letter.value, 'utf8') : letter.value;
}

/** Only chartwatch's own headers survive a reduction: a source header may be what made the letter too large. */
function ownHeaders(letter: OutgoingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(letter.headers ?? {})) if (name.startsWith('cw-')) out[name] = value;
  return out;
}

/**
 * A dead letter made small: its reason and source headers, the SHA-256 and
 * size of the original value and the value's first bytes. A tombstone stays
 * a tombstone.
 */
export function reduceDeadLetter(letter: OutgoingMessage): OutgoingMessage {
  const bytes = valueBytes(letter);
  return {
    key: letter.key,
    value: bytes === null ? null : bytes.subarray(0, DEAD_LETTER_PREFIX_BYTES),
    headers: {
      ...ownHeaders(letter),
      [REDUCED_HEADERS.reduced]: 'true',
      [REDUCED_HEADERS.originalBytes]: String(bytes?.length ?? 0),
      [REDUCED_HEADERS.sha256]: bytes === null ? '' : createHash('sha256').update(bytes).digest('hex'),
    },
  };
}

/** The store's row for a dead letter the DLQ topic refused twice. */
export function keptDeadLetter(letter: OutgoingMessage, err: unknown, deadAtMs: number): StoredDeadLetter {
  const bytes = valueBytes(letter);
  const headers = letter.headers ?? {};
  return {
    deadAt: new Date(deadAtMs).toISOString(),
    sourceTopic: headers[HEADERS.sourceTopic] ?? '',
    sourcePartition: Number(headers[HEADERS.sourcePartition] ?? 0),
    sourceOffset: headers[HEADERS.sourceOffset] ?? '0',
    key: letter.key,
    tombstone: bytes === null,
    reason: headers[HEADERS.dlqReason] ?? '',
    field: headers[HEADERS.dlqField] ?? '',
    headers: { ...headers },
    originalBytes: bytes?.length ?? 0,
    sha256: bytes === null ? '' : createHash('sha256').update(bytes).digest('hex'),
    prefixBase64: bytes === null ? '' : bytes.subarray(0, DEAD_LETTER_PREFIX_BYTES).toString('base64'),
    dlqError: err instanceof Error ? err.message : String(err),
  };
}

/**
 * Dead letters never block a partition. They go to the DLQ topic together;
 * if that send fails, each is tried alone (so one refused letter does not
 * reduce its neighbours), then once more reduced (reduceDeadLetter), and a
 * letter refused both times is written to the store's dead_letters table.
 * Only that store write is retried with backoff, as every store write is:
 * a refusal by Kafka is an answer, not an outage to wait out.
 * Returns null when the batch was given up (stopping, rebalanced).
 */
export async function sendDeadLetters(letters: readonly OutgoingMessage[], options: SendDeadLettersOptions): Promise<DeadLetterOutcome | null> {
  const outcome: DeadLetterOutcome = { sent: 0, reduced: 0, kept: 0 };
  if (letters.length === 0) return outcome;
  const { producer, topic } = options;
  try {
    await producer.send(topic, [...letters]);
    outcome.sent = letters.length;
    return outcome;
  } catch {
    // Which letter was refused is not said: each is tried alone below.
  }
  const kept: StoredDeadLetter[] = [];
  for (const letter of letters) {
    try {
      await producer.send(topic, [letter]);
      outcome.sent++;
      continue;
    } catch (err) {
      options.onRefused(letter, err, 'whole');
    }
    try {
      await producer.send(topic, [reduceDeadLetter(letter)]);
      outcome.reduced++;
    } catch (err) {
      options.onRefused(letter, err, 'reduced');
      kept.push(keptDeadLetter(letter, err, options.now()));
    }
  }
  if (kept.length > 0) {
    if (!(await options.durably('write refused dead letters to the store', () => options.sink.writeDeadLetters(kept)))) return null;
    outcome.kept = kept.length;
  }
  return outcome;
}
