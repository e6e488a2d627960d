import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKafkaBus } from '@chartwatch/bus';
import type { Bus } from '@chartwatch/bus';
import { alertSchema } from '@chartwatch/detect';
import type { Alert } from '@chartwatch/detect';
import { createDetectorService, detectorConfigFromEnv } from '@chartwatch/detector';
import type { DetectorConfig, DetectorService } from '@chartwatch/detector';
import type { AccessEvent } from '@chartwatch/event';
import { createLogger } from '@chartwatch/logger';
import type { ReferenceSet } from '@chartwatch/reference';
import { openStore } from '@chartwatch/store';
import type { Store } from '@chartwatch/store';

/**
 * The detector service over a real Kafka broker and a real ClickHouse engine
 * (embedded chDB, or CLICKHOUSE_URL): canonical events in on the events
 * topic, alerts out to ClickHouse and the alerts topic; redelivery adds no
 * alert; a restart rebuilds window state from ClickHouse, so an alert whose
 * window spans the restart fires exactly once.
 */

const brokers = inject('kafkaBrokers').split(',');
const RULES_DIR = fileURLToPath(new URL('../../rules/', import.meta.url));
const run = randomUUID().slice(0, 8);
const EVENTS = `det-events-${run}`;
const ALERTS = `det-alerts-${run}`;
const GROUP = `det-group-${run}`;
const PARTITIONS = 3;

function staff(actorId: string, role: string, department: string): ReferenceSet['staff'][number] {
  return { actorId, givenName: 'Alex', familyName: `F-${actorId}`, address: `${actorId} Staff St`, department, role, hiredAt: '2020-01-01T00:00:00.000Z', terminatedAt: null };
}

const REFERENCE: ReferenceSet = {
  staff: [staff('dd', 'physician', 'cardiology'), staff('u1', 'nurse', 'cardiology'), staff('rr', 'physician', 'cardiology')],
  patients: [{ patientId: 'vip1', givenName: 'Sam', familyName: 'Star', address: '1 Hill Rd', birthDate: '1970-01-01', deceasedAt: null, vip: true, employeeActorId: null }],
  vendors: [],
  // The VIP is admitted to oncology: nobody in cardiology has a care relationship.
  encounters: [{ patientId: 'vip1', department: 'oncology', start: '2026-03-01T08:00:00.000Z', end: null }],
};

function access(id: string, time: string, actor: string, patient: string, department = 'cardiology'): AccessEvent {
  return {
    eventId: id,
    time,
    actor: { id: actor, kind: 'user', role: actor === 'u1' ? 'nurse' : 'physician', department },
    patientIds: [patient],
    action: 'read',
    resourceTypes: ['Patient'],
    sensitivity: [],
    purposeOfUse: ['TREAT'],
    breakTheGlass: false,
    outcome: 'success',
    records: 1,
    sourceSystem: 'ehr',
    networkAddress: null,
    format: 'json',
  };
}

const minutes = (iso: string, n: number): string => new Date(Date.parse(iso) + n * 60_000).toISOString();

/** `count` reads of distinct patients, one every `every` minutes: past 30 after hours is an after-hours bulk read. */
function reads(actor: string, from: string, count: number, every: number, first = 0): AccessEvent[] {
  return Array.from({ length: count }, (_, k) => {
    const i = first + k;
    return access(`${run}-${actor}-${i}`, minutes(from, i * every), actor, `${actor}-patient-${i}`);
  });
}

// Wednesday 01:00 UTC: after hours.
const BULK = reads('dd', '2026-03-04T01:00:00.000Z', 40, 3);
const VIP = access(`${run}-u1-vip`, '2026-03-04T10:00:00.000Z', 'u1', 'vip1');
// Five hours behind dd's newest read, produced after the others were judged: behind the watermark,
// reported as late, counted nowhere. (Produced with them, the event-time buffer would put it in its place.)
const LATE = access(`${run}-dd-late`, '2026-03-03T22:00:00.000Z', 'dd', 'late-patient');

const config: DetectorConfig = detectorConfigFromEnv({
  KAFKA_BROKERS: brokers.join(','),
  KAFKA_CLIENT_ID: `detector-test-${run}`,
  // KAFKA_CLIENT=platformatic runs the same test on the other Kafka client.
  KAFKA_CLIENT: process.env['KAFKA_CLIENT'],
  KAFKA_PARTITIONS: String(PARTITIONS),
  KAFKA_TOPIC_EVENTS: EVENTS,
  // No ingest here: a raw topic that does not exist leaves the events topic alone to say the detector caught up.
  KAFKA_TOPIC_RAW: `det-raw-${run}`,
  KAFKA_TOPIC_ALERTS: ALERTS,
  DETECTOR_GROUP_ID: GROUP,
  CHARTWATCH_RULES_DIR: RULES_DIR,
  DETECTOR_MAX_BATCH_DELAY_MS: '100',
  DETECTOR_RETRY_INITIAL_MS: '50',
  CLICKHOUSE_URL: process.env['CLICKHOUSE_URL'],
  CLICKHOUSE_USER: process.env['CLICKHOUSE_USER'],
  CLICKHOUSE_PASSWORD: process.env['CLICKHOUSE_PASSWORD'],
  CLICKHOUSE_DATABASE: `detector_test_${run}`,
  CHARTWATCH_DATA_DIR: join(tmpdir(), `chartwatch-detector-test-${run}`),
});

const logLines: string[] = [];
const logger = createLogger({ level: 'info', name: 'detector-test' }, { write: (line: string) => void logLines.push(line) });

let store: Store;
let bus: Bus;
let admin: Admin;
let service: DetectorService | null = null;
let dataDir: string | null = null;

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function topicMessages(topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0);
}

/** Messages of the events topic the detector group has not committed. */
async function groupLag(): Promise<number> {
  const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(EVENTS), admin.fetchOffsets({ groupId: GROUP, topics: [EVENTS] })]);
  const done = new Map<number, bigint>();
  for (const t of committed) for (const p of t.partitions) done.set(p.partition, BigInt(p.offset));
  let lag = 0n;
  for (const p of ends) {
    const at = done.get(p.partition) ?? -1n;
    lag += BigInt(p.high) - (at < 0n ? BigInt(p.low) : at);
  }
  return Number(lag);
}

async function caughtUp(): Promise<void> {
  await until('the detector group to commit every event', async () => (await groupLag()) === 0);
}

/** Every message of the alerts topic, read by a fresh group: what an incident-response consumer sees. */
async function alertsOnTopic(): Promise<Array<{ key: string | null; headers: Record<string, string>; alert: Alert }>> {
  const expected = await topicMessages(ALERTS);
  const got: Array<{ key: string | null; headers: Record<string, string>; alert: Alert }> = [];
  if (expected === 0) return got;
  const reader = bus.consumer({ groupId: `det-reader-${randomUUID()}`, topics: [ALERTS], fromBeginning: true, maxWaitMs: 100 });
  await reader.run(async (batch, control) => {
    for (const m of batch.messages) got.push({ key: m.key, headers: m.headers, alert: alertSchema.parse(JSON.parse(m.value.toString('utf8'))) });
    // Without a commit the client fetches the same batch again.
    const last = batch.messages.at(-1);
    if (last !== undefined) await control.commit(last.offset);
  });
  try {
    await until(`${expected} alert messages`, () => got.length >= expected, 60_000);
  } finally {
    await reader.stop();
  }
  return got;
}

async function produce(events: readonly AccessEvent[]): Promise<void> {
  const producer = await bus.producer();
  await producer.send(
    EVENTS,
    events.map((e) => ({ key: e.actor.id, value: JSON.stringify(e) })),
  );
}

async function startService(): Promise<DetectorService> {
  const s = createDetectorService({ config, store, bus, logger });
  await s.start();
  service = s;
  return s;
}

async function stopService(): Promise<void> {
  await service?.stop();
  service = null;
}

beforeAll(async () => {
  if (config.store.url === undefined) dataDir = await mkdtemp(join(tmpdir(), 'chartwatch-detector-'));
  store = await openStore(dataDir === null ? config.store : { ...config.store, dataDir });
  await store.migrate();
  await store.replaceReference(REFERENCE);
  bus = createKafkaBus(config.bus);
  admin = new Kafka({ clientId: 'detector-test-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
});

afterAll(async () => {
  await stopService();
  await admin?.disconnect();
  await bus?.close();
  await store?.close();
  if (dataDir !== null) await rm(dataDir, { recursive: true, force: true });
});

describe('detector service on Kafka and ClickHouse', () => {
  let firstIds: string[] = [];

  it('raises after-hours bulk and VIP alerts into ClickHouse and the alerts topic, with their evidence', async () => {
    const s = await startService();
    // Nobody runs ingest here and these events are not in ClickHouse: the live path judges them.
    await produce([...BULK, VIP]);
    await until('two alerts in ClickHouse', async () => (await store.countAlerts()) >= 2);
    await caughtUp();
    await produce([LATE]);
    await until('the late read to be judged', () => s.metrics().late === 1);
    await caughtUp();

    const stored = await store.alerts({ order: 'asc' });
    expect(stored.map((a) => a.ruleId).sort()).toEqual(['after-hours-bulk', 'vip-snoop']);
    const bulk = stored.find((a) => a.ruleId === 'after-hours-bulk') as Alert;
    expect(bulk).toMatchObject({ actorId: 'dd', observed: 31, threshold: 30, comparedWith: 'fixed', evidenceCount: 31, severity: 'high' });
    // The evidence is the reads in order up to the 31st, where it fired. A sliding window keeps
    // evidence ids from the moment it reaches half its threshold (packages/detect README:
    // memory per idle actor), so the ids are the tail of the first 31 and at least 16 long.
    const first31 = BULK.slice(0, 31).map((e) => e.eventId);
    expect(bulk.evidenceEventIds.length).toBeGreaterThanOrEqual(16);
    expect(bulk.evidenceEventIds).toEqual(first31.slice(31 - bulk.evidenceEventIds.length));
    expect(bulk.firedAt).toBe(BULK[30]?.time);
    const vip = stored.find((a) => a.ruleId === 'vip-snoop') as Alert;
    expect(vip).toMatchObject({ actorId: 'u1', patientIds: ['vip1'], key: 'actor=u1,patient=vip1', evidenceEventIds: [VIP.eventId], firedAt: VIP.time });
    expect(vip.explanation).toContain('VIP patient vip1');

    const published = await alertsOnTopic();
    expect(published).toHaveLength(2);
    for (const m of published) {
      const same = stored.find((a) => a.alertId === m.alert.alertId);
      expect(same).toBeDefined();
      expect(m.alert).toEqual(same);
      expect(m.key).toBe(m.alert.actorId);
      expect(m.headers['cw-alert-id']).toBe(m.alert.alertId);
      expect(m.headers['cw-rule-id']).toBe(m.alert.ruleId);
    }

    const metrics = s.metrics();
    expect(metrics).toMatchObject({ consumed: BULK.length + 2, judged: BULK.length + 2, invalid: 0, late: 1, alertsPublished: 2, repeats: 0 });
    expect(logLines.some((l) => l.includes('behind the watermark') && l.includes(LATE.eventId))).toBe(true);
    firstIds = stored.map((a) => a.alertId).sort();
  });

  it('adds no alert when the same events are delivered again, produced twice or replayed by an offset reset', async () => {
    // Produced again: new offsets, same event ids. The partitions' states continue, and their repeat guards or the core's own window suppression hold.
    await produce([...BULK, VIP]);
    await caughtUp();
    expect((await store.alerts()).map((a) => a.alertId).sort()).toEqual(firstIds);
    expect(await topicMessages(ALERTS)).toBe(2);

    // Replayed: the group starts over from offset 0 with a new instance; every partition is rebuilt, the core raises the same alerts again, and the store says they were published.
    await stopService();
    await admin.resetOffsets({ groupId: GROUP, topic: EVENTS, earliest: true });
    const s = await startService();
    await caughtUp();
    await until('the replay to be judged', () => s.metrics().consumed >= 2 * BULK.length + 3);
    expect(s.metrics().rebuilds).toBeGreaterThanOrEqual(1);
    expect(s.metrics().alertsAlreadyStored).toBe(2);
    expect(s.metrics().alertsPublished).toBe(0);
    expect(await store.countAlerts()).toBe(2);
    expect((await store.alerts()).map((a) => a.alertId).sort()).toEqual(firstIds);
    expect(await topicMessages(ALERTS)).toBe(2);
  });

  it('rebuilds window state from ClickHouse after a restart: an alert whose window spans the restart fires once', async () => {
    // Thursday 01:00 UTC. Ingest stores every event before it publishes it; nobody runs ingest here, so the test does both.
    const before = reads('rr', '2026-03-05T01:00:00.000Z', 20, 2);
    const after = reads('rr', '2026-03-05T01:00:00.000Z', 15, 2, 20);
    await store.writeEvents(before);
    await produce(before);
    await caughtUp();
    expect(await store.alerts({ actorId: 'rr' })).toEqual([]);

    await stopService();
    const s = await startService();
    await store.writeEvents(after);
    await produce(after);
    await until('the after-hours alert for rr', async () => (await store.alerts({ actorId: 'rr' })).length > 0);
    await caughtUp();

    const rr = await store.alerts({ actorId: 'rr' });
    expect(rr).toHaveLength(1);
    const alert = rr[0] as Alert;
    expect(alert).toMatchObject({ ruleId: 'after-hours-bulk', observed: 31, threshold: 30, firedAt: after[10]?.time });
    // The evidence reaches back before the restart: the window was rebuilt, not started afresh.
    const window31 = [...before, ...after.slice(0, 11)].map((e) => e.eventId);
    expect(alert.evidenceCount).toBe(31);
    expect(alert.evidenceEventIds.length).toBeGreaterThanOrEqual(16);
    expect(alert.evidenceEventIds).toEqual(window31.slice(31 - alert.evidenceEventIds.length));
    expect(alert.evidenceEventIds.some((id) => before.some((e) => e.eventId === id))).toBe(true);

    const m = s.metrics();
    expect(m.rebuilds).toBeGreaterThanOrEqual(1);
    expect(m.warmupEvents).toBeGreaterThanOrEqual(35);
    // The 15 new events were already counted while warming up from the store: each is skipped once delivered.
    expect(m.repeats).toBe(15);
    expect(m.alertsPublished).toBe(1);

    const published = await alertsOnTopic();
    expect(published.filter((p) => p.alert.actorId === 'rr').map((p) => p.alert.alertId)).toEqual([alert.alertId]);
    expect(published).toHaveLength(3);
    expect(await store.countAlerts()).toBe(3);
  });
});
