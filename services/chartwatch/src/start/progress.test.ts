import { describe, expect, it } from 'vitest';
import { bar, createProgress } from './progress.ts';

function sink(isTTY: boolean): { text: () => string; write(t: string): void; isTTY: boolean; columns: number } {
  let out = '';
  return { text: () => out, write: (t: string) => void (out += t), isTTY, columns: 80 };
}

describe('progress', () => {
  it('draws a bar', () => {
    expect(bar(0)).toBe(`[${'-'.repeat(24)}]   0%`);
    expect(bar(0.5)).toBe(`[${'#'.repeat(12)}${'-'.repeat(12)}]  50%`);
    expect(bar(1.7)).toBe(`[${'#'.repeat(24)}] 100%`);
  });

  it('on a terminal, redraws one line in place, at most every redrawMs, and keeps notes above it', () => {
    let t = 0;
    const s = sink(true);
    const p = createProgress(s, { now: () => t, redrawMs: 100 });
    p.update(0.1, 'a');
    t = 50;
    p.update(0.2, 'b'); // too soon: not drawn
    t = 150;
    p.update(0.3, 'c');
    p.note('first alert');
    p.done('finished');
    const lines = s.text().split('\r\x1b[2K').filter((x) => x !== '');
    expect(lines).toEqual([`${bar(0.1)} a`, `${bar(0.3)} c`, 'first alert\n', `${bar(0.3)} c`, `${bar(0.3)} finished\n`]);
  });

  it('elsewhere, prints plain lines at each tenth and at least every plainEveryMs', () => {
    let t = 0;
    const s = sink(false);
    const p = createProgress(s, { now: () => t, plainEveryMs: 1_000 });
    p.update(0.01, 'a');
    p.update(0.05, 'b'); // same tenth, too soon
    p.update(0.12, 'c');
    t = 2_000;
    p.update(0.13, 'd'); // same tenth, but a while since the last line
    p.update(null, 'e'); // unknown fraction: only on time
    p.done('end');
    expect(s.text().split('\n')).toEqual([`${bar(0.01)} a`, `${bar(0.12)} c`, `${bar(0.13)} d`, 'end', '']);
  });
});
