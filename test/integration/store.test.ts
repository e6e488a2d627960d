import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '@chartwatch/detect';
import type { AccessEvent } from '@chartwatch/event';
import { accessEventSchema } from '@chartwatch/event';
import type { ReferenceSet } from '@chartwatch/reference';
import { loadReferenceDir } from '@chartwatch/reference';
import type { ResolvedStoreConfig, Store } from '@chartwatch/store';
import { openStore, queryRows, storeConfigFromEnv } from '@chartwatch/store';

/**
 * The store against a real engine: embedded chDB in a temp directory, or the
 * ClickHouse server named by CLICKHOUSE_URL. chDB binds one data directory
 * per process, so this file uses one directory and isolates itself by
 * database name.
 */

const ACTIONS = ['read', 'query', 'export', 'update'] as const;
const START_MS = Date.parse('2024-01-01T00:00:00.000Z');
const SPAN_MS = 90 * 24 * 3600_000; // three months: several monthly partitions

/** Deterministic events covering every field shape: nulls, empty and multi-valued arrays. */
function makeEvents(n: number, seed = 1): AccessEvent[] {
  let state = seed;
  const next = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  return Array.from({ length: n }, (_, i) => {
    const patients = 1 + Math.floor(next() * 3);
    const event: AccessEvent = {
      eventId: `ev-${seed}-${i}`,
      time: new Date(START_MS + Math.floor(next() * SPAN_MS)).toISOString(),
      actor: {
        id: `u${i % 20}`,
        kind: i % 10 === 0 ? 'application' : 'user',
        role: i % 7 === 0 ? null : 'nurse',
        department: i % 5 === 0 ? null : `dept-${i % 3}`,
      },
      patientIds: Array.from({ length: patients }, (_, k) => `p${(i * 7 + k * 13) % 200}`),
      action: ACTIONS[i % ACTIONS.length] ?? 'read',
      resourceTypes: i % 4 === 0 ? [] : ['Patient', 'Observation'],
      sensitivity: i % 9 === 0 ? ['PSY', 'HIV'] : [],
      purposeOfUse: i % 11 === 0 ? ['TREAT', 'BTG'] : ['TREAT'],
      breakTheGlass: i % 11 === 0,
      outcome: i % 13 === 0 ? 'minor-failure' : 'success',
      records: i % 17,
      sourceSystem: i % 3 === 0 ? null : 'epic',
      networkAddress: i % 6 === 0 ? null : `10.0.${i % 256}.${(i * 3) % 256}`,
      format: i % 2 === 0 ? 'fhir' : 'csv',
    };
    return accessEventSchema.parse(event);
  });
}

const byTimeThenId = (a: AccessEvent, b: AccessEvent): number =>
  a.time < b.time ? -1 : a.time > b.time ? 1 : a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;

function makeAlert(i: number, overrides: Partial<Alert> = {}): Alert {
  return {
    alertId: `al-${i}`,
    ruleId: i % 2 === 0 ? 'after-hours-bulk' : 'vip-access',
    ruleVersion: 3,
    detector: i % 5 === 0 ? 'model' : 'rule',
    severity: i % 3 === 0 ? 'high' : 'medium',
    title: `Alert ${i}: "quoted" and 'single' text`,
    key: `actor=u${i % 4}`,
    actorId: `u${i % 4}`,
    actorKind: 'user',
    patientIds: [`p${i}`, `p${i + 1}`],
    patientCount: 2,
    windowStart: new Date(START_MS + i * 3600_000).toISOString(),
    windowEnd: new Date(START_MS + (i + 1) * 3600_000).toISOString(),
    measure: 'distinct patients',
    observed: 41.5 + i,
    threshold: i % 5 === 0 ? null : 40,
    comparedWith: i % 5 === 0 ? 'model' : 'fixed',
    baseline: i % 2 === 0 ? 0.1 + 0.2 : null,
    evidenceEventIds: [`ev-1-${i}`, `ev-1-${i + 1}`],
    evidenceCount: 2,
    explanation: 'line one\nline two',
    score: i % 5 === 0 ? 0.7312 : null,
    modelVersion: i % 5 === 0 ? 'iforest-2024-01' : null,
    features: i % 5 === 0 ? [{ feature: 'patients_per_hour', value: 41, peerMedian: null, contribution: 0.62 }] : [],
    firedAt: new Date(START_MS + (i + 1) * 3600_000 + 17).toISOString(),
    ...overrides,
  };
}

function makeReference(staffCount: number, tag: string): ReferenceSet {
  return {
    staff: Array.from({ length: staffCount }, (_, i) => ({
      actorId: `u${String(i).padStart(6, '0')}`,
      givenName: i % 2 === 0 ? `Ann-${tag}` : null,
      familyName: 'Lee',
      address: i % 3 === 0 ? null : `${i} Oak St`,
      department: 'ER',
      role: 'nurse',
      hiredAt: i % 2 === 0 ? '2019-03-01T00:00:00.000Z' : null,
      terminatedAt: i % 4 === 0 ? '2024-05-06T08:00:00.123Z' : null,
    })),
    patients: [
      { patientId: 'p1', givenName: 'Bo', familyName: 'Lee', address: '1 Oak St', birthDate: '1950-02-28', deceasedAt: null, vip: true, employeeActorId: 'u000001' },
      { patientId: 'p2', givenName: null, familyName: null, address: null, birthDate: null, deceasedAt: '2023-07-01T00:00:00.000Z', vip: false, employeeActorId: null },
    ],
    vendors: [
      { clientId: 'app1', name: `Acme ${tag}`, dailyQuota: 5000 },
      { clientId: 'app2', name: null, dailyQuota: null },
    ],
    encounters: [
      { patientId: 'p1', department: 'ER', start: '2024-01-01T10:00:00.000Z', end: '2024-01-02T10:00:00.000Z' },
      { patientId: 'p1', department: 'ICU', start: '2024-01-02T10:00:00.000Z', end: null },
    ],
  };
}

describe('store', () => {
  let dataDir: string;
  let config: ResolvedStoreConfig;
  let store: Store;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cw-store-'));
    config = {
      ...storeConfigFromEnv(process.env),
      dataDir,
      database: `cw_store_test_${process.pid}_${Math.floor(Math.random() * 1e9)}`,
      retentionYears: 6,
    };
    store = await openStore(config);
  });

  afterAll(async () => {
    if (store !== undefined) {
      await store.client.command({ query: `DROP DATABASE IF EXISTS \`${config.database}\`` });
      await store.close();
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  const showCreate = async (table: string): Promise<string> => {
    const [row] = await queryRows<{ statement: string }>(
      { client: store.client, db: `\`${config.database}\`` },
      `SHOW CREATE TABLE \`${config.database}\`.${table}`,
      {},
    );
    return row?.statement ?? '';
  };

  it('runs each migration once: a second migrate() is a no-op', async () => {
    const first = await store.migrate();
    expect(first.applied).toEqual([1, 2, 3, 4, 5, 6]);
    expect(first.skipped).toEqual([]);
    const second = await store.migrate();
    expect(second.applied).toEqual([]);
    expect(second.skipped).toEqual([1, 2, 3, 4, 5, 6]);
    expect(second.retentionChanged).toEqual([]);
    const recorded = await queryRows<{ version: number; n: number | string }>(
      { client: store.client, db: '' },
      `SELECT version, count() AS n FROM \`${config.database}\`.schema_migrations GROUP BY version ORDER BY version`,
      {},
    );
    expect(recorded.map((r) => [Number(r.version), Number(r.n)])).toEqual([[1, 1], [2, 1], [3, 1], [4, 1], [5, 1], [6, 1]]);
    const tables = await queryRows<{ name: string }>(
      { client: store.client, db: '' },
      'SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name',
      { db: config.database },
    );
    expect(tables.map((t) => t.name)).toEqual([
      'access_events', 'alerts', 'dead_letters', 'encounters', 'patient_access', 'patient_access_mv', 'patients', 'schema_migrations', 'staff', 'vendors',
    ]);
  });

  it('runs another component\'s migrations in the same recorded run, once, and refuses a repeated version', async () => {
    const extra = [
      { version: 9001, name: 'extra table', statements: ({ db }: { db: string }) => [`CREATE TABLE IF NOT EXISTS ${db}.extra_table (x UInt8) ENGINE = MergeTree ORDER BY x`] },
    ];
    expect((await store.migrate(extra)).applied).toEqual([9001]);
    const again = await store.migrate(extra);
    expect(again.applied).toEqual([]);
    expect(again.skipped).toEqual([1, 2, 3, 4, 5, 6, 9001]);
    await expect(store.migrate([{ ...extra[0]!, version: 2 }])).rejects.toMatchObject({ code: 'CW_ERR_STORE' });
    await store.client.command({ query: `DROP TABLE \`${config.database}\`.extra_table` });
  });

  it('keeps events for the configured retention (TTL in SHOW CREATE TABLE) and follows a change of it', async () => {
    for (const table of ['access_events', 'patient_access']) {
      const statement = await showCreate(table);
      expect(statement).toContain('TTL toDateTime(event_time) + toIntervalYear(6)');
      expect(statement).toContain('ReplacingMergeTree');
      expect(statement).toContain('PARTITION BY toYYYYMM(event_time)');
    }
    expect(await showCreate('access_events')).toContain('ORDER BY (actor_id, event_time, event_id)');
    // Same data directory and database, longer retention: migrate() moves the TTL, no new migration.
    const longer = await openStore({ ...config, retentionYears: 7 });
    try {
      const report = await longer.migrate();
      expect(report.applied).toEqual([]);
      expect(report.retentionChanged).toEqual(['access_events', 'patient_access']);
      expect(await showCreate('access_events')).toContain('toIntervalYear(7)');
    } finally {
      await longer.close();
    }
    expect((await store.migrate()).retentionChanged).toEqual(['access_events', 'patient_access']);
    expect(await showCreate('patient_access')).toContain('toIntervalYear(6)');
  });

  const events = makeEvents(1000);
  const sortedIds = events.map((e) => e.eventId).sort();

  it('writes the same 1,000 events twice and shows 1,000 rows', async () => {
    await store.events.write(events);
    // A redelivery may come in another order: different bytes, same set of ids, so the same dedup token.
    await store.events.write([...events].reverse());
    expect(await store.countEvents()).toBe(1000);
    expect(await store.eventIds()).toEqual(sortedIds);
    // The repeated batch never became a part: even a read without FINAL sees 1,000.
    const [raw] = await queryRows<{ n: number | string }>(
      { client: store.client, db: '' },
      `SELECT count() AS n FROM \`${config.database}\`.access_events`,
      {},
    );
    expect(Number(raw?.n)).toBe(1000);
  });

  it('stays idempotent when a redelivery is cut into different batches', async () => {
    await store.events.write(events.slice(0, 300));
    await store.events.write(events.slice(300));
    expect(await store.countEvents()).toBe(1000);
    expect(await store.eventIds()).toEqual(sortedIds);
    const patientRows = events.reduce((sum, e) => sum + e.patientIds.length, 0);
    const [perPatient] = await queryRows<{ n: number | string }>(
      { client: store.client, db: '' },
      `SELECT count() AS n FROM \`${config.database}\`.patient_access FINAL`,
      {},
    );
    expect(Number(perPatient?.n)).toBe(patientRows);
  });

  it('does not swallow a later insert on the shared client (embedded SETs stay on the writer connection)', async () => {
    const table = `\`${config.database}\`.other_helper_table`;
    await store.client.command({ query: `CREATE TABLE ${table} (id String) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100` });
    await store.client.insert({ table, values: [{ id: 'a' }], format: 'JSONEachRow' });
    await store.events.write(events.slice(0, 10));
    // Had the writer's token stayed on this connection, 'c' would repeat 'b''s token and be dropped.
    await store.client.insert({ table, values: [{ id: 'b' }], format: 'JSONEachRow' });
    await store.client.insert({ table, values: [{ id: 'c' }], format: 'JSONEachRow' });
    const ids = await queryRows<{ id: string }>({ client: store.client, db: '' }, `SELECT id FROM ${table} ORDER BY id`, {});
    expect(ids.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    await store.client.command({ query: `DROP TABLE ${table}` });
  });

  it('reads events back exactly as written', async () => {
    const all = [...events].sort(byTimeThenId);
    const from = '2024-01-01T00:00:00.000Z';
    const to = '2024-04-01T00:00:00.000Z';

    const streamed: AccessEvent[] = [];
    for await (const e of store.eventsInRange(from, to, { pageSize: 97 })) streamed.push(e);
    expect(streamed).toEqual(all);

    const actors = ['u3', 'u7'];
    const midFrom = '2024-01-20T00:00:00.000Z';
    const midTo = '2024-02-20T12:34:56.789Z';
    const inWindow = (e: AccessEvent): boolean => e.time >= midFrom && e.time < midTo;
    const forActors = all.filter((e) => actors.includes(e.actor.id) && inWindow(e));
    expect(forActors.length).toBeGreaterThan(5);
    expect(await store.eventsForActors(actors, midFrom, midTo)).toEqual(forActors);

    const forPatient = all.filter((e) => e.patientIds.includes('p13') && inWindow(e));
    expect(forPatient.length).toBeGreaterThan(0);
    expect(await store.eventsForPatient('p13', midFrom, midTo)).toEqual(forPatient);

    const someIds = [all[5]?.eventId ?? '', all[500]?.eventId ?? '', 'no-such-event'];
    expect(await store.eventsByIds(someIds)).toEqual([all[5], all[500]]);

    expect(await store.countEvents({ from: midFrom, to: midTo })).toBe(all.filter(inWindow).length);
  });

  it('stores activity that touched no chart and the decoder\'s marks, and reads the activity alone', async () => {
    const base = events[0] as AccessEvent;
    const login: AccessEvent = {
      ...base,
      eventId: 'act-login-1',
      time: '2024-06-01T08:00:00.000Z',
      actor: { id: 'display:John_Smith', kind: 'user', role: null, department: null },
      patientIds: [],
      action: 'execute',
      outcome: 'serious-failure',
      records: 0,
      flags: ['unverified-actor'],
    };
    const search: AccessEvent = { ...login, eventId: 'act-search-2', time: '2024-06-01T08:05:00.000Z', outcome: 'success', action: 'query', patientIds: ['p1'], patientCount: 20_000, application: 'SampleApp', flags: ['unverified-actor', 'patients-capped'] };
    await store.events.write([login, search]);
    expect(await store.activityForActor('display:John_Smith', '2024-06-01T00:00:00.000Z', '2024-06-02T00:00:00.000Z')).toEqual([login]);
    expect(await store.eventsForActors(['display:John_Smith'], '2024-06-01T00:00:00.000Z', '2024-06-02T00:00:00.000Z')).toEqual([login, search]);
  });

  it('treats ids and times as parameters, never as SQL', async () => {
    expect(await store.eventsForPatient("p13' OR '1'='1", '2024-01-01T00:00:00.000Z', '2024-04-01T00:00:00.000Z')).toEqual([]);
    expect(await store.eventsForActors(["u3') OR 1=1 --"], '2024-01-01T00:00:00.000Z', '2024-04-01T00:00:00.000Z')).toEqual([]);
    await expect(store.eventsForActors(['u3'], 'not a time', '2024-04-01T00:00:00.000Z')).rejects.toMatchObject({ code: 'CW_ERR_INPUT' });
  });

  it('writes alerts idempotently, reads them back exactly and filters them', async () => {
    const list = Array.from({ length: 30 }, (_, i) => makeAlert(i));
    await store.alertWriter.write(list);
    await store.alertWriter.write(list);
    expect(await store.countAlerts()).toBe(30);
    const back = await store.alerts({ order: 'asc' });
    expect(back).toEqual([...list].sort((a, b) => (a.firedAt < b.firedAt ? -1 : 1)));

    const high = await store.alerts({ actorId: 'u1', severities: ['high'] });
    expect(high.map((a) => a.alertId).sort()).toEqual(list.filter((a) => a.actorId === 'u1' && a.severity === 'high').map((a) => a.alertId).sort());
    expect((await store.alerts({ patientId: 'p4' })).map((a) => a.alertId).sort()).toEqual(['al-3', 'al-4']);
    expect((await store.alerts({ limit: 5 })).map((a) => a.alertId)).toEqual(['al-29', 'al-28', 'al-27', 'al-26', 'al-25']);

    // The same alert written again with more evidence replaces the earlier row.
    const updated = makeAlert(4, { evidenceEventIds: ['ev-1-4', 'ev-1-5', 'ev-1-6'], evidenceCount: 3, observed: 50 });
    await store.writeAlerts([updated]);
    expect(await store.alert('al-4')).toEqual(updated);
    expect(await store.countAlerts()).toBe(30);
  });

  it('replaces reference data atomically: a concurrent reader sees the old set or the new, never a half-loaded table', async () => {
    const before = makeReference(1_000, 'a');
    await store.replaceReference(before);
    expect(await store.referenceSet()).toEqual(before);

    const after = makeReference(24_000, 'b'); // loaded in several inserts of 5,000 rows
    // A second store on the same data directory reads through its own connection while the reload runs.
    const reader = await openStore(config);
    const seen = new Set<number>();
    let done = false;
    const poll = (async () => {
      while (!done) {
        const [row] = await queryRows<{ n: number | string }>(
          { client: reader.client, db: '' },
          `SELECT count() AS n FROM \`${config.database}\`.staff`,
          {},
        );
        seen.add(Number(row?.n));
      }
    })();
    try {
      await store.replaceReference(after);
    } finally {
      done = true;
      await poll;
      await reader.close();
    }
    expect([...seen].every((n) => n === 1_000 || n === 24_000)).toBe(true);
    expect(seen.has(1_000)).toBe(true);
    expect(await store.referenceSet()).toEqual(after);
    const leftovers = await queryRows<{ name: string }>(
      { client: store.client, db: '' },
      "SELECT name FROM system.tables WHERE database = {db:String} AND name LIKE '%loading%'",
      { db: config.database },
    );
    expect(leftovers).toEqual([]);
  });

  it('stores reference CSVs as loaded: loadReferenceDir, replaceReference, referenceSet', async () => {
    const dir = join(dataDir, 'reference-csv');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'staff.csv'), 'actor_id,given_name,family_name,address,department,role,hired_at,terminated_at\nu1,Ann,Lee,"12 Oak St, Flat 2",ER,nurse,2019-03-01,\nu2,,,,,,,2024-05-06T10:00:00+02:00\n');
    await writeFile(join(dir, 'patients.csv'), 'patient_id,given_name,family_name,address,birth_date,deceased_at,vip,employee_actor_id\np1,Bo,Lee,12 Oak St,1901-01-01,,yes,u1\np2,,,,,2023-07-01,no,\n');
    await writeFile(join(dir, 'encounters.csv'), 'patient_id,department,start,end\np1,ER,2024-01-01T10:00Z,2024-01-02T10:00:00.5Z\np1,ICU,2024-01-02T10:00Z,\n');
    const loaded = await loadReferenceDir(dir);
    expect(loaded.vendors).toEqual([]);
    await store.replaceReference(loaded);
    expect(await store.referenceSet()).toEqual(loaded);
  });

  it('refuses a reference set with a bad time before touching any table', async () => {
    const current = await store.referenceSet();
    const bad = makeReference(3, 'c');
    bad.encounters = [{ patientId: 'p1', department: 'ER', start: 'not a time', end: null }];
    await expect(store.replaceReference(bad)).rejects.toMatchObject({ code: 'CW_ERR_INPUT' });
    expect(await store.referenceSet()).toEqual(current);
  });

  it.skipIf(process.env['CLICKHOUSE_URL'] !== undefined)('names both directories when a second chDB data directory is opened in one process', async () => {
    await expect(openStore({ ...config, dataDir: join(dataDir, 'other') })).rejects.toMatchObject({ code: 'CW_ERR_STORE' });
  });
});
