import { stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '@chartwatch/errors';

/**
 * Refuses an input file none of whose records is a valid event, naming --format and the first reason: that is a
 * wrong --format or the wrong file far more often than a log of nothing but bad lines, and a script running
 * replay or train must not take it for a quiet day or an empty history.
 */
export function refuseIfNothingValid(valid: number, invalid: number, first: { line?: number | null; field: string; reason: string } | undefined, input: string, format: string): void {
  if (valid > 0 || invalid === 0) return;
  const why = first === undefined ? '' : ` (line ${first.line ?? '?'}: ${first.field}: ${first.reason})`;
  // A structural failure (NDJSON read as CSV: an opening quote on line 1) is one failure for the whole file, which
  // read "none of the 1 record(s)" of a 3,000-line file.
  if (invalid === 1 && first?.field === 'message') {
    throw new ConfigError('--format', `${input} could not be read as ${format} at all${why}; is the format right?`);
  }
  throw new ConfigError('--format', `none of the ${invalid} ${invalid === 1 ? 'record' : 'records'} of ${input} is a valid ${format} event${why}; is the format right?`);
}

/**
 * Checks, before any work, that the file a flag names can be created: its directory exists. A replay of a large
 * file used to run to the end and then die on the write with a stack trace.
 */
export async function checkOutputPath(flag: string, path: string): Promise<void> {
  const dir = dirname(resolve(path));
  const info = await stat(dir).catch(() => null);
  if (info === null) throw new ConfigError(flag, `${JSON.stringify(path)}: directory ${JSON.stringify(dir)} does not exist`);
  if (!info.isDirectory()) throw new ConfigError(flag, `${JSON.stringify(path)}: ${JSON.stringify(dir)} is not a directory`);
  const target = await stat(path).catch(() => null);
  if (target?.isDirectory() === true) throw new ConfigError(flag, `${JSON.stringify(path)} is a directory, not a file`);
}

/** Writes the file a flag names; a failure (permissions, a full disk) is one line naming the flag and the path. */
export async function writeOutput(flag: string, path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (err) {
    throw new ConfigError(flag, `cannot write ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
}
