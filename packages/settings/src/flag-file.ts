import { readFile } from 'node:fs/promises';
import { ConfigError } from '@chartwatch/errors';

/**
 * The text of the file a flag names; a failure is one line naming the flag and the path (a stack trace told the
 * operator nothing more): `"PATH" does not exist`, or `"PATH" cannot be read: why`. Shared by the CLIs (chartwatch,
 * the simulator), which each had their own copy.
 */
export async function readFlagFile(flag: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(flag, `${JSON.stringify(path)} does not exist`);
    // A raw "EISDIR: illegal operation on a directory, read" named neither the flag nor what was expected.
    if (code === 'EISDIR') throw new ConfigError(flag, `${JSON.stringify(path)} is a directory: expected a file`);
    throw new ConfigError(flag, `${JSON.stringify(path)} cannot be read: ${(err as Error).message}`);
  }
}
