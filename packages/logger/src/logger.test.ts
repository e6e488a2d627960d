import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from './index.ts';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('redacts patient identifiers and names at any common depth', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'info' }, stream);
    log.child({ component: 'test' }).info(
      { patientId: 'P123', event: { patientIds: ['P1', 'P2'], familyName: 'Doe' }, actorId: 'U9' },
      'access',
    );
    const text = lines.join('');
    expect(text).not.toContain('P123');
    expect(text).not.toContain('P1"');
    expect(text).not.toContain('Doe');
    expect(text).toContain('U9');
    expect(text).toContain('"component":"test"');
  });
});
