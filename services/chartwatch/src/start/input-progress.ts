import { createHash } from 'node:crypto';
import { open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/**
 * How far `start --input FILE` got, kept in the data directory so a restart
 * after a crash resumes the file instead of losing what the in-process queue
 * held. `offset` is a line boundary: every line before it is settled (its
 * events stored, its invalid lines dead-lettered), so resuming there loses
 * nothing; lines after it that were stored already are sent again and
 * absorbed by the store (events are idempotent on their id), so nothing is
 * doubled either.
 */
export interface InputProgress {
  /** The file, resolved, with what identifies its content: a different file never resumes another's offset. */
  path: string;
  size: number;
  /** SHA-256 of the first 64 KiB. */
  head: string;
  offset: number;
  /** Lines settled before `offset` (for the progress line). */
  messages: number;
  done: boolean;
}

const HEAD_BYTES = 64 * 1024;

export async function fileIdentity(path: string): Promise<Pick<InputProgress, 'path' | 'size' | 'head'>> {
  const size = (await stat(path)).size;
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(HEAD_BYTES, size));
    await handle.read(buffer, 0, buffer.length, 0);
    return { path: resolve(path), size, head: createHash('sha256').update(buffer).digest('hex') };
  } finally {
    await handle.close();
  }
}

/** The saved progress for this file, or null (none saved, unreadable, or for another file or another version of it). */
export async function loadInputProgress(progressFile: string, identity: Pick<InputProgress, 'path' | 'size' | 'head'>): Promise<InputProgress | null> {
  let saved: InputProgress;
  try {
    saved = JSON.parse(await readFile(progressFile, 'utf8')) as InputProgress;
  } catch {
    return null;
  }
  if (saved.path !== identity.path || saved.size !== identity.size || saved.head !== identity.head) return null;
  if (!Number.isSafeInteger(saved.offset) || saved.offset < 0 || saved.offset > saved.size) return null;
  return saved;
}

/** Written to a temporary file and renamed over the old one (0600), so a crash leaves the old progress or the new. */
export async function saveInputProgress(progressFile: string, progress: InputProgress): Promise<void> {
  const tmp = `${progressFile}.tmp`;
  await writeFile(tmp, `${JSON.stringify(progress)}\n`, { mode: 0o600 });
  await rename(tmp, progressFile);
}
