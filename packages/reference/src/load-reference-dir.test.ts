import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, FileContentError } from '@chartwatch/errors';
import { loadReferenceDir } from './load-reference-dir.ts';

describe('loadReferenceDir', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cw-ref-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the four files, a missing file giving an empty list', async () => {
    await writeFile(join(dir, 'staff.csv'), 'actor_id,role\nu1,nurse\n');
    await writeFile(join(dir, 'vendors.csv'), 'client_id,daily_quota\napp1,10\n');
    const set = await loadReferenceDir(dir);
    expect(set.staff.map((s) => s.actorId)).toEqual(['u1']);
    expect(set.vendors).toEqual([{ clientId: 'app1', name: null, dailyQuota: 10 }]);
    expect(set.patients).toEqual([]);
    expect(set.encounters).toEqual([]);
  });

  it('names the file path in errors', async () => {
    await writeFile(join(dir, 'patients.csv'), 'patient_id,vip\np1,perhaps\n');
    const err = await loadReferenceDir(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileContentError);
    expect((err as FileContentError).file).toBe(join(dir, 'patients.csv'));
  });

  it('refuses a directory that does not exist, a file, and a directory with none of the four files, naming the path', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'cw-ref-empty-'));
    try {
      const refused = async (path: string) => {
        const err = await loadReferenceDir(path).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).setting).toBe('reference');
        expect((err as Error).message).toContain(JSON.stringify(path));
        return (err as Error).message;
      };
      expect(await refused(join(empty, 'missing'))).toMatch(/does not exist .*staff\.csv/);
      expect(await refused(join(dir, 'staff.csv'))).toMatch(/is a file/);
      expect(await refused(empty)).toMatch(/holds none of staff\.csv, patients\.csv, vendors\.csv, encounters\.csv/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
