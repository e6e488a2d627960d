import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Alert } from '@chartwatch/detect';
import type { AccessEvent } from '@chartwatch/event';
import { openStore } from '@chartwatch/store';
import type { Store } from '@chartwatch/store';
// test/package.json does not list @chartwatch/api yet; its one door is reached by path meanwhile.
import { ROLES, apiConfigFromEnv, buildApi, createApiKey } from '../../services/api/src/index.ts';
import type { ApiApp, ApiConfig, Role } from '../../services/api/src/index.ts';
import { createLogger } from '../../packages/logger/src/index.ts';

/**
 * Shared set-up for the API integration tests: one chDB data directory per
 * test file (one per process, as chDB requires), one database per test
 * suite, an app built on it and one API key per role.
 */

const DATA_DIR = mkdtempSync(join(tmpdir(), 'chartwatch-api-test-'));

export interface ApiHarness {
  store: Store;
  app: ApiApp;
  /** x-api-key headers per role. */
  as: Record<Role, Record<string, string>>;
  keys: Record<Role, string>;
  /** Everything the app logged, one JSON line each. */
  logLines: string[];
  /** The chDB data directory this test file uses (one per process). */
  dataDir: string;
  close(): Promise<void>;
}

export async function openHarness(
  database: string,
  options: { env?: Record<string, string>; clock?: () => Date; config?: Partial<ApiConfig> } = {},
): Promise<ApiHarness> {
  const store = await openStore({ database, dataDir: DATA_DIR });
  await store.migrate();
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      done();
    },
  });
  const config = { ...apiConfigFromEnv({ API_RATE_LIMIT_MAX: '1000000', ...options.env }), ...options.config };
  const app = await buildApi({
    config,
    store,
    logger: createLogger({ level: 'info' }, sink),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const keys = {} as Record<Role, string>;
  const as = {} as Record<Role, Record<string, string>>;
  for (const role of ROLES) {
    const created = await createApiKey(store, { name: `test-${role}`, role, createdBy: 'test', at: new Date().toISOString() });
    keys[role] = created.key;
    as[role] = { 'x-api-key': created.key };
  }
  return {
    store,
    app,
    as,
    keys,
    logLines,
    dataDir: DATA_DIR,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

let seq = 0;

/** A valid canonical event; override what the test is about. */
export function makeEvent(over: Partial<AccessEvent> & { actorId?: string; actorKind?: 'user' | 'application' } = {}): AccessEvent {
  seq += 1;
  const { actorId, actorKind, ...rest } = over;
  return {
    eventId: `ev-${seq}-${Math.random().toString(36).slice(2, 8)}`,
    time: '2025-03-03T10:00:00.000Z',
    actor: { id: actorId ?? 'u-alice', kind: actorKind ?? 'user', role: 'physician', department: 'cardiology' },
    patientIds: ['p-1'],
    action: 'read',
    resourceTypes: ['Patient'],
    sensitivity: [],
    purposeOfUse: ['TREAT'],
    breakTheGlass: false,
    outcome: 'success',
    records: 1,
    sourceSystem: 'epic',
    networkAddress: '10.0.0.5',
    format: 'json',
    ...rest,
  };
}

/** A valid alert; override what the test is about. */
export function makeAlert(over: Partial<Alert> = {}): Alert {
  seq += 1;
  return {
    alertId: `al-${seq}`,
    ruleId: 'vip-snoop',
    ruleVersion: 1,
    detector: 'rule',
    severity: 'high',
    title: 'VIP chart opened without a care relationship',
    key: 'actor=u-alice,patient=p-1',
    actorId: 'u-alice',
    actorKind: 'user',
    patientIds: ['p-1'],
    patientCount: 1,
    windowStart: '2025-03-03T00:00:00.000Z',
    windowEnd: '2025-03-04T00:00:00.000Z',
    measure: 'accesses',
    observed: 1,
    threshold: null,
    comparedWith: 'condition',
    baseline: null,
    evidenceEventIds: [],
    evidenceCount: 0,
    explanation: 'u-alice opened the chart of VIP patient p-1',
    score: null,
    modelVersion: null,
    features: [],
    firedAt: '2025-03-03T10:00:00.000Z',
    ...over,
  };
}

export function json<T = Record<string, unknown>>(res: { body: string }): T {
  return JSON.parse(res.body) as T;
}
