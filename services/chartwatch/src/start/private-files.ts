import { chmodSync, createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';

/**
 * The data directory holds ClickHouse's files (every access event, patient
 * ids), the log and the simulation state: only the user running chartwatch
 * may read them. New files are created 0600 and directories 0700, and ones
 * an older version left readable to others are tightened on start.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** The process umask `chartwatch start` runs under, so what chDB creates inside is private too. */
export const PRIVATE_UMASK = 0o077;

export async function preparePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  await chmod(dir, PRIVATE_DIR_MODE);
}

/** An append stream to a file only its owner can read (created 0600, or tightened to it). */
export function openPrivateAppend(file: string): WriteStream {
  const stream = createWriteStream(file, { flags: 'a', mode: PRIVATE_FILE_MODE });
  stream.once('open', () => chmodSync(file, PRIVATE_FILE_MODE));
  return stream;
}
