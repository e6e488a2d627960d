import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@chartwatch/errors';
import { sampleEvent } from '@chartwatch/event';
import { run } from './replay.ts';

const RULES = fileURLToPath(new URL('../../../../rules/', import.meta.url));

const event = (eventId: string, time: string, patient: string) =>
  JSON.stringify(sampleEvent({ eventId, time, patientIds: [patient] }));

describe('chartwatch replay', () => {
  it('reads events and reference CSVs, writes one alert per line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cw-replay-'));
    await writeFile(join(dir, 'staff.csv'), 'actor_id,given_name,family_name,address,department,role,hired_at,terminated_at\nu1,A,B,1 Main St,cardiology,nurse,2020-01-01T00:00:00.000Z,\n');
    await writeFile(join(dir, 'patients.csv'), 'patient_id,given_name,family_name,address,birth_date,deceased_at,vip,employee_actor_id\nvip,C,D,2 Main St,1970-01-01,,true,\nme,A,B,1 Main St,1980-01-01,,false,u1\n');
    await writeFile(join(dir, 'events.jsonl'), [event('a2', '2026-03-03T10:05:00.000Z', 'me'), event('a1', '2026-03-03T10:00:00.000Z', 'vip'), 'garbage'].join('\n'));
    const out = join(dir, 'alerts.ndjson');
    const summaryOut = join(dir, 'summary.json');
    const code = await run(['--input', join(dir, 'events.jsonl'), '--format', 'json', '--reference', dir, '--alerts-out', out, '--rules', RULES, '--summary-out', summaryOut]);
    expect(code).toBe(0);
    const alerts = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { ruleId: string });
    expect(alerts.map((a) => a.ruleId)).toEqual(['vip-snoop', 'self-access']);
    const summary = JSON.parse(await readFile(summaryOut, 'utf8')) as { events: number; invalid: number; late: number };
    expect(summary).toMatchObject({ events: 2, invalid: 1, late: 0 });
  });

  it('streams within the reorder window and says to sort a file further out of order, naming the line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cw-replay-order-'));
    await writeFile(join(dir, 'staff.csv'), 'actor_id,role\nu1,nurse\n');
    const lines = [event('b1', '2026-03-03T10:00:00.000Z', 'p1'), event('b2', '2026-03-03T13:00:00.000Z', 'p1'), event('b3', '2026-03-03T09:00:00.000Z', 'p1')];
    await writeFile(join(dir, 'events.jsonl'), `${lines.join('\n')}\n`);
    const args = ['--input', join(dir, 'events.jsonl'), '--format', 'json', '--reference', dir, '--alerts-out', join(dir, 'alerts.ndjson'), '--rules', RULES];
    await expect(run(args)).rejects.toThrow(/^CW_ERR_INPUT: line 3: event b3 is 60 min older than an event already replayed, more than the reorder window of 60 min: the input is not in event-time order\. Sort it/);
    await expect(run([...args, '--reorder-window', '4h'])).resolves.toBe(0);
    await expect(run([...args, '--arrival-order'])).resolves.toBe(0);
  });

  it('names the flag at fault', async () => {
    await expect(run(['--format', 'json'])).rejects.toThrow(ConfigError);
    await expect(run(['--input', 'x', '--format', 'xml', '--reference', 'r', '--alerts-out', 'o'])).rejects.toThrow(/--format: value "xml"/);
    await expect(run(['--input', 'x', '--format', 'json', '--reference', 'r', '--alerts-out', 'o', '--allowed-lateness', 'soon'])).rejects.toThrow(/--allowed-lateness/);
  });

  it('refuses an output it could not write before reading anything, and a rules or reference directory that is not there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cw-replay-paths-'));
    await writeFile(join(dir, 'staff.csv'), 'actor_id,role\nu1,nurse\n');
    await writeFile(join(dir, 'events.jsonl'), `${event('a1', '2026-03-03T10:00:00.000Z', 'p1')}\n`);
    const args = (over: Record<string, string>) =>
      Object.entries({ '--input': join(dir, 'events.jsonl'), '--format': 'json', '--reference': dir, '--alerts-out': join(dir, 'alerts.ndjson'), '--rules': RULES, ...over }).flat();
    // The input does not exist either: the output is checked first, so the message names the output.
    await expect(run(args({ '--input': join(dir, 'missing.jsonl'), '--alerts-out': join(dir, 'no-dir', 'alerts.ndjson') }))).rejects.toThrow(/^CW_ERR_CONFIG: --alerts-out: .*no-dir.* does not exist$/);
    await expect(run(args({ '--alerts-out': dir }))).rejects.toThrow(/--alerts-out: .* is a directory, not a file/);
    await expect(run(args({ '--summary-out': join(dir, 'no-dir', 's.json') }))).rejects.toThrow(/--summary-out: /);
    await expect(run(args({ '--rules': join(dir, 'no-rules') }))).rejects.toThrow(/^CW_ERR_CONFIG: --rules: directory ".*no-rules" does not exist$/);
    await expect(run(args({ '--reference': join(dir, 'no-reference') }))).rejects.toThrow(/^CW_ERR_CONFIG: --reference: directory ".*no-reference" does not exist/);
    expect(await run(args({}))).toBe(0);
  });

  it('fails a replay in which no record is a valid event (a wrong --format), after writing what it found', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cw-replay-format-'));
    await writeFile(join(dir, 'staff.csv'), 'actor_id,role\nu1,nurse\n');
    await writeFile(join(dir, 'events.jsonl'), `${event('a1', '2026-03-03T10:00:00.000Z', 'p1')}\n${event('a2', '2026-03-03T10:01:00.000Z', 'p1')}\n`);
    const out = join(dir, 'alerts.ndjson');
    const base = ['--input', join(dir, 'events.jsonl'), '--reference', dir, '--alerts-out', out, '--rules', RULES];
    await expect(run([...base, '--format', 'fhir'])).rejects.toThrow(/^CW_ERR_CONFIG: --format: none of the 2 records of .*events\.jsonl is a valid fhir event \(line 1: .*\); is the format right\?$/);
    expect(await readFile(out, 'utf8')).toBe('');
    // NDJSON read as CSV fails as a whole (an opening quote on line 1): said of the file, not "1 record".
    await expect(run([...base, '--format', 'csv'])).rejects.toThrow(/^CW_ERR_CONFIG: --format: .*events\.jsonl could not be read as csv at all \(line 1: message: not valid CSV.*\); is the format right\?$/);
    expect(await run([...base, '--format', 'json'])).toBe(0);
  });
});
