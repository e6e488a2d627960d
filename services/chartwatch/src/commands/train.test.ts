import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './train.ts';

describe('chartwatch train', () => {
  it('refuses a model path whose directory is missing, and a file with no valid event, naming the flag', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cw-train-'));
    await writeFile(join(dir, 'staff.csv'), 'actor_id,role\nu1,nurse\n');
    await writeFile(join(dir, 'bad.jsonl'), 'garbage\n{"eventId":\n');
    const args = (over: Record<string, string>) => Object.entries({ '--input': join(dir, 'bad.jsonl'), '--format': 'json', '--reference': dir, '--model-out': join(dir, 'model.json'), ...over }).flat();
    await expect(run(args({ '--model-out': join(dir, 'no-dir', 'model.json') }))).rejects.toThrow(/^CW_ERR_CONFIG: --model-out: .*no-dir.* does not exist$/);
    await expect(run(args({}))).rejects.toThrow(/^CW_ERR_CONFIG: --format: none of the 2 records of .*bad\.jsonl is a valid json event \(line 1: message: not valid JSON.*\); is the format right\?$/);
  });
});
