import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { BusProducer, OutgoingMessage } from '@chartwatch/bus';
import { ConfigError } from '@chartwatch/errors';
import type { InputFormat } from '@chartwatch/event';
import { decodeMessage } from '@chartwatch/event';

const CHUNK = 512;

export interface FileFeedStatus {
  /** Bytes of the file read so far, and its size. */
  bytes: number;
  size: number;
  /** Messages sent to the raw topic. */
  sent: number;
  /** Lines the sender could not even find an actor in: sent anyway (unkeyed), ingest dead-letters them with the reason. */
  unkeyed: number;
  done: boolean;
}

export interface FileFeedOptions {
  path: string;
  format: InputFormat;
  producer: BusProducer;
  topic: string;
  signal: AbortSignal;
  onStatus?: (status: FileFeedStatus) => void;
}

/** The partition key an EHR would use: the actor of the (first) event in the message, or null when none parses. */
function actorKey(value: string, format: InputFormat): string | null {
  for (const r of decodeMessage(value, { format })) if (r.ok) return r.event.actor.id;
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
 */
export async function runFileFeed(o: FileFeedOptions): Promise<FileFeedStatus> {
  let size: number;
  try {
    size = (await stat(o.path)).size;
  } catch (err) {
    throw new ConfigError('--input', `cannot read ${o.path}: ${(err as Error).message}`);
  }
  const status: FileFeedStatus = { bytes: 0, size, sent: 0, unkeyed: 0, done: false };
  const stream = createReadStream(o.path);
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let header: string | null = null;
  let pending: OutgoingMessage[] = [];

  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    await o.producer.send(o.topic, batch);
    status.sent += batch.length;
    status.bytes = stream.bytesRead;
    o.onStatus?.({ ...status });
  };

  try {
    for await (const line of lines) {
      if (o.signal.aborted) break;
      if (line.trim() === '') continue;
      if (o.format === 'csv' && header === null) {
        header = line;
        continue;
      }
      const value = header === null ? line : `${header}\n${line}`;
      const key = actorKey(value, o.format);
      if (key === null) status.unkeyed++;
      pending.push({ key, value, headers: { 'cw-format': o.format } });
      if (pending.length >= CHUNK) {
        await flush();
        await yieldToLoop();
      }
    }
    if (!o.signal.aborted) {
      await flush();
      status.bytes = size;
      status.done = true;
      o.onStatus?.({ ...status });
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  return status;
}
