import { failure, type ParseFailure } from './parse-result.ts';

/** Messages larger than this are refused whole: an audit record is a few KiB, a bigger message is a mistake or an attack. */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * A line read from a file (replay) obeys the same size limit as a Kafka
 * message (ingest), so one file gets one verdict whichever way it comes in.
 */
export interface LineLimit {
  /** Default DEFAULT_MAX_MESSAGE_BYTES (256 KiB). */
  maxBytes?: number;
}

/** The failure for a unit of input over the limit, or null. */
export function lineSizeProblem(text: string, maxBytes = DEFAULT_MAX_MESSAGE_BYTES, line?: number): ParseFailure | null {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most lines are judged without counting.
  if (text.length * 3 <= maxBytes) return null;
  const size = Buffer.byteLength(text, 'utf8');
  return size > maxBytes ? failure('message', `message is ${size} bytes, larger than the limit of ${maxBytes} bytes`, line) : null;
}
