import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { BusProducer, OutgoingMessage } from '@chartwatch/bus';
import { ConfigError } from '@chartwatch/errors';
import type { InputFormat } from '@chartwatch/event';
import { decodeMessage } from '@chartwatch/event';

const CHUNK = 512;
/** Lines between checkpoints on the in-process queue (each waits for ingest to settle what was sent). */
const CHECKPOINT_LINES = 8 * CHUNK;

export interface FileFeedStatus {
  /** Bytes of the file read so far (from its start, resumed ones included), and its size. */
  bytes: number;
  size: number;
  /** Messages sent to the raw topic by this run. */
  sent: number;
  /** Lines the sender could not even find an actor in: sent anyway (unkeyed), ingest dead-letters them with the reason. */
  unkeyed: number;
  /** Where this run began in the file (0, or a resumed checkpoint's offset). */
  startedAt: number;
  done: boolean;
}

/** A line boundary all of whose lines before are settled, with how many messages this run sent up to it. */
export interface FileFeedCheckpoint {
  offset: number;
  sent: number;
  done: boolean;
}

export interface FileFeedOptions {
  path: string;
  format: InputFormat;
  producer: BusProducer;
  topic: string;
  signal: AbortSignal;
  onStatus?: (status: FileFeedStatus) => void;
  /** Resume at this byte offset (a line boundary a checkpoint recorded); CSV re-reads its header line first. */
  startAt?: number;
  /**
   * Where a sent message counts as safe. Kafka: once the broker acknowledged
   * it (`'sent'`). The in-process queue loses what it holds in a crash, so
   * there a message is safe once ingest settled it: `settled()` is ingest's
   * count of messages settled in this process, and the feed pauses every few
   * thousand lines until it has caught up, so the checkpoint is exact.
   */
  durable?: 'sent' | { settled: () => number };
  /** Called with each new checkpoint (persist it: input-progress.ts). */
  onCheckpoint?: (checkpoint: FileFeedCheckpoint) => Promise<void> | void;
}

/** The partition key an EHR would use: the actor of the (first) event in the message, or null when none parses. */
function actorKey(value: string, format: InputFormat): string | null {
  for (const r of decodeMessage(value, { format })) if (r.ok) return r.event.actor.id;
  return null;
}

/** The file's lines from `start`, each with the byte offset just past it (line ends: \n or \r\n). */
async function* linesFrom(path: string, start: number, onBytes: (n: number) => void): AsyncGenerator<{ text: string; end: number }> {
  const stream = createReadStream(path, { start });
  let carry: Buffer = Buffer.alloc(0);
  let base = start;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      onBytes(start + stream.bytesRead);
      const buf = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
      let from = 0;
      for (let nl = buf.indexOf(0x0a, from); nl !== -1; nl = buf.indexOf(0x0a, from)) {
        const lineEnd = nl > from && buf[nl - 1] === 0x0d ? nl - 1 : nl;
        yield { text: buf.toString('utf8', from, lineEnd), end: base + nl + 1 };
        from = nl + 1;
      }
      carry = buf.subarray(from);
      base += from;
    }
    if (carry.length > 0) {
      const lineEnd = carry[carry.length - 1] === 0x0d ? carry.length - 1 : carry.length;
      yield { text: carry.toString('utf8', 0, lineEnd), end: base + carry.length };
    }
  } finally {
    stream.destroy();
  }
}

async function firstLine(path: string): Promise<string | null> {
  for await (const line of linesFrom(path, 0, () => undefined)) if (line.text.trim() !== '') return line.text;
  return null;
}

/**
 * Sends a file of access events to the raw topic the way a source system
 * would: one message per line (a FHIR AuditEvent or Bundle per line, a
 * canonical JSON event per line, or a CSV row with the file's header line
 * in front), tagged with its `cw-format` header and keyed by actor id.
 * Nothing is judged here: a line that does not parse is sent as it is, and
 * ingest puts it on the dead-letter topic with the reason. CSV rows are cut
 * at line ends, so a quoted field holding a line break is not supported.
 * Checkpoints (`onCheckpoint`) say where a restart may resume.
 */
export async function runFileFeed(o: FileFeedOptions): Promise<FileFeedStatus> {
  let size: number;
  try {
    size = (await stat(o.path)).size;
  } catch (err) {
    throw new ConfigError('--input', `cannot read ${o.path}: ${(err as Error).message}`);
  }
  const startAt = Math.min(o.startAt ?? 0, size);
  const status: FileFeedStatus = { bytes: startAt, size, sent: 0, unkeyed: 0, startedAt: startAt, done: false };
  const durable = o.durable ?? 'sent';
  // CSV rows need the header line; a resumed feed reads it from the top.
  let header: string | null = o.format === 'csv' && startAt > 0 ? await firstLine(o.path) : null;
  let pending: OutgoingMessage[] = [];
  /** Offset just past the last line read (sent or pending). */
  let readTo = startAt;
  let sinceCheckpoint = 0;

  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    await o.producer.send(o.topic, batch);
    status.sent += batch.length;
    o.onStatus?.({ ...status });
  };

  /** Records that everything read so far is safe: at once on Kafka, after ingest caught up on the in-process queue. */
  const checkpoint = async (done: boolean): Promise<void> => {
    if (o.onCheckpoint === undefined) return;
    if (durable !== 'sent') {
      while (durable.settled() < status.sent) {
        if (o.signal.aborted) return;
        await sleep(25);
      }
    }
    await o.onCheckpoint({ offset: readTo, sent: status.sent, done });
  };

  for await (const line of linesFrom(o.path, startAt, (n) => (status.bytes = Math.min(n, size)))) {
    if (o.signal.aborted) break;
    const isBlank = line.text.trim() === '';
    if (!isBlank && o.format === 'csv' && header === null) header = line.text;
    else if (!isBlank) {
      const value = header === null ? line.text : `${header}\n${line.text}`;
      const key = actorKey(value, o.format);
      if (key === null) status.unkeyed++;
      pending.push({ key, value, headers: { 'cw-format': o.format } });
      sinceCheckpoint += 1;
    }
    readTo = line.end;
    if (pending.length >= CHUNK) {
      await flush();
      if (sinceCheckpoint >= CHECKPOINT_LINES) {
        sinceCheckpoint = 0;
        await checkpoint(false);
      }
      await yieldToLoop();
    }
  }
  if (!o.signal.aborted) {
    await flush();
    status.bytes = size;
    readTo = size;
    await checkpoint(true);
    status.done = !o.signal.aborted;
    o.onStatus?.({ ...status });
  }
  return status;
}
