import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@chartwatch/errors';
import { describeFailure } from './cli-error.ts';

function parseError(args: string[]): unknown {
  try {
    parseArgs({ args, options: { alerts: { type: 'string' } }, strict: true });
  } catch (err) {
    return err;
  }
  throw new Error('parseArgs accepted the arguments');
}

describe('describeFailure', () => {
  it('names the command and the mistyped flag, exit 2, no stack trace', () => {
    const f = describeFailure('score', parseError(['--reference', 'dir']));
    expect(f.exitCode).toBe(2);
    expect(f.message).toMatch(/^chartwatch score: .*'--reference'/);
    expect(f.message).toContain('chartwatch score --help shows the flags.');
    expect(f.message).not.toMatch(/\n\s+at /);
  });

  it('treats a stray positional argument the same way', () => {
    const f = describeFailure('score', parseError(['alerts.ndjson']));
    expect(f.exitCode).toBe(2);
    expect(f.message).toContain('alerts.ndjson');
  });

  it('keeps a configuration error to one line, exit 2', () => {
    const f = describeFailure('score', new ConfigError('--alerts', 'is required'));
    expect(f).toEqual({ message: expect.stringMatching(/^chartwatch score: .*--alerts.*is required/) as unknown as string, exitCode: 2 });
  });

  it('shows the stack of anything else (a bug), exit 1', () => {
    const f = describeFailure('replay', new RangeError('boom'));
    expect(f.exitCode).toBe(1);
    expect(f.message).toContain('RangeError: boom');
    expect(f.message).toMatch(/\n\s+at /);
  });
});
