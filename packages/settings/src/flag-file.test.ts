import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@chartwatch/errors';
import { readFlagFile } from './flag-file.ts';

describe('readFlagFile', () => {
  it('reads the file, and refuses a missing or unreadable one in one line naming the flag and the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cw-flag-file-'));
    await writeFile(join(dir, 'a.txt'), 'hello');
    expect(await readFlagFile('--input', join(dir, 'a.txt'))).toBe('hello');
    const missing = await readFlagFile('--input', join(dir, 'gone.txt')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as Error).message).toBe(`CW_ERR_CONFIG: --input: ${JSON.stringify(join(dir, 'gone.txt'))} does not exist`);
    const directory = await readFlagFile('--model', dir).catch((e: unknown) => e);
    expect((directory as Error).message).toBe(`CW_ERR_CONFIG: --model: ${JSON.stringify(dir)} is a directory: expected a file`);
  });
});
