import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from './cli.ts';
import { parseLabels } from './label.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../../../test/fixtures/sim/${name}`, import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cw-sim-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    return { code: await main(args), out, err };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('cli', () => {
  it('simulate writes the events, the reference CSVs, labels and a summary', async () => {
    const out = join(dir, 'csv');
    const { code, out: lines } = await run(['simulate', '--seed', '9', '--staff', '60', '--days', '4', '--start', '2026-03-02', '--format', 'csv', '--out', out]);
    expect(code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['encounters.csv', 'events.csv', 'labels.jsonl', 'patients.csv', 'roles.csv', 'staff.csv', 'summary.json', 'vendors.csv']);
    const summary = JSON.parse(lines[lines.length - 1] as string) as { events: number; incidents: number; actorDays: number };
    const csvLines = (await readFile(join(out, 'events.csv'), 'utf8')).trim().split('\n');
    expect(csvLines.length - 1).toBe(summary.events);
    const labels = parseLabels(await readFile(join(out, 'labels.jsonl'), 'utf8'));
    expect(labels.length).toBe(summary.incidents);
    expect(summary.actorDays).toBeGreaterThan(100);
  });

  it('score prints the table and a final JSON line, taking actor-days from the flag', async () => {
    const { code, out } = await run(['score', '--alerts', fixture('score-alerts.jsonl'), '--labels', fixture('score-labels.jsonl'), '--actor-days', '500']);
    expect(code).toBe(0);
    expect(out.join('\n')).toContain('vip-snoop');
    const report = JSON.parse(out[out.length - 1] as string) as { precision: number; recall: number; falsePer1000ActorDays: number };
    expect(report.precision).toBeCloseTo(4 / 7, 10);
    expect(report.recall).toBe(1);
    expect(report.falsePer1000ActorDays).toBeCloseTo(6, 10);
  });

  it('refuses bad flags with a message naming them and exit code 2', async () => {
    const bad = await run(['simulate', '--seed', '1', '--start', '2026-03-02', '--format', 'xml', '--out', join(dir, 'x')]);
    expect(bad.code).toBe(2);
    expect(bad.err.join('\n')).toContain('--format');
    const missing = await run(['score', '--alerts', fixture('score-alerts.jsonl'), '--labels', fixture('score-labels.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.err.join('\n')).toContain('--actor-days');
    expect((await run(['frobnicate'])).code).toBe(2);
  });

  it('refuses an --out that is a file before generating anything, exit 2 and no stack trace', async () => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, '');
    const refused = await run(['simulate', '--seed', '1', '--staff', '60', '--days', '1', '--start', '2026-03-02', '--out', file]);
    expect(refused.code).toBe(2);
    expect(refused.err.join('\n')).toBe(`CW_ERR_CONFIG: --out: ${JSON.stringify(file)} is a file, not a directory to write into`);
  });

  it('names the flag and the path of a file score cannot read, exit 2 and no stack trace', async () => {
    const gone = join(dir, 'no-such-alerts.jsonl');
    const missing = await run(['score', '--alerts', gone, '--labels', fixture('score-labels.jsonl'), '--actor-days', '500']);
    expect(missing.code).toBe(2);
    expect(missing.err.join('\n')).toBe(`CW_ERR_CONFIG: --alerts: ${JSON.stringify(gone)} does not exist`);
    const notAFile = await run(['score', '--alerts', fixture('score-alerts.jsonl'), '--labels', dir, '--actor-days', '500']);
    expect(notAFile.code).toBe(2);
    expect(notAFile.err.join('\n')).toBe(`CW_ERR_CONFIG: --labels: ${JSON.stringify(dir)} is a directory: expected a file`);
  });

  it('says so when --alerts and --labels are swapped', async () => {
    const swapped = await run(['score', '--alerts', fixture('score-labels.jsonl'), '--labels', fixture('score-alerts.jsonl'), '--actor-days', '500']);
    expect(swapped.code).not.toBe(0);
    expect(swapped.err.join('\n')).toContain('are --alerts and --labels swapped?');
  });
});
