import type { OutgoingMessage } from './types.ts';

/**
 * Default bound on the bytes of one produce request. The broker rejects a
 * record batch larger than `message.max.bytes` (1 MiB by default) and a
 * client packs all messages of one partition in one send into one batch, so
 * a large send is split. A single message bigger than this still goes out
 * alone; only the broker can refuse it.
 */
export const DEFAULT_MAX_REQUEST_BYTES = 900 * 1024;

const PER_MESSAGE_OVERHEAD = 64;

export function messageBytes(message: OutgoingMessage): number {
  let bytes = PER_MESSAGE_OVERHEAD + (message.value === null ? 0 : Buffer.byteLength(message.value));
  if (message.key !== null) bytes += Buffer.byteLength(message.key);
  if (message.headers) {
    for (const name in message.headers) bytes += name.length + Buffer.byteLength(message.headers[name] ?? '');
  }
  return bytes;
}

/** Splits messages, in order, into runs whose estimated size stays under maxBytes. */
export function chunkByBytes(messages: OutgoingMessage[], maxBytes: number): OutgoingMessage[][] {
  const chunks: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let size = 0;
  for (const message of messages) {
    const bytes = messageBytes(message);
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(message);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Kafka commits the position of the next message to read. */
export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}
