import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileContentError } from '@chartwatch/errors';
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

  it('returns an empty set for a directory with no files', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'cw-ref-empty-'));
    try {
      expect(await loadReferenceDir(empty)).toEqual({ staff: [], patients: [], vendors: [], encounters: [] });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
