import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus } from '@chartwatch/bus';
import type { Bus, BusConsumer } from '@chartwatch/bus';
import type { Alert } from '@chartwatch/detect';
import { createDetectorService, detectorConfigFromEnv } from '@chartwatch/detector';
import type { DetectorService } from '@chartwatch/detector';
import type { AccessEvent } from '@chartwatch/event';
import { createLogger } from '@chartwatch/logger';
import { openStore } from '@chartwatch/store';
import type { Store } from '@chartwatch/store';

/**
 * The detector service as the embedded mode runs it: the in-process queue
 * where Kafka would be, chDB for ClickHouse, reference data from a CSV
 * directory, rules from a watched directory. Covers what the Kafka test does
 * not: reference reloads, rule hot-reload (a bad edit keeps the last good
 * pack), and the suppression seam.
 */

const PACK = fileURLToPath(new URL('../../rules/', import.meta.url));
const STAFF_HEADER = 'actor_id,given_name,family_name,address,department,role,hired_at,terminated_at';
const PATIENT_HEADER = 'patient_id,given_name,family_name,address,birth_date,deceased_at,vip,employee_actor_id';
const STAFF = ['u1', 'u2', 'u3', 'u4'].map((id) => `${id},Alex,F-${id},${id} Staff St,cardiology,nurse,2020-01-01T00:00:00.000Z,`);
const VIP1 = 'vip1,Sam,Star,1 Hill Rd,1970-01-01,,true,';
const VIP2 = 'vip2,Kim,Sky,2 Hill Rd,1980-01-01,,true,';

let root: string;
let rulesDir: string;
let referenceDir: string;
let store: Store;
let bus: Bus;
let service: DetectorService;
let collector: BusConsumer;
const published: Alert[] = [];
const lines: string[] = [];
const suppressionCalls: string[] = [];

function access(id: string, time: string, actor: string, patient: string): AccessEvent {
  return {
    eventId: id,
    time,
    actor: { id: actor, kind: 'user', role: 'nurse', department: 'cardiology' },
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

async function produce(events: readonly AccessEvent[]): Promise<void> {
  const producer = await bus.producer();
  await producer.send('ehr.audit.events', events.map((e) => ({ key: e.actor.id, value: JSON.stringify(e) })));
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const logged = (text: string): number => lines.filter((l) => l.includes(text)).length;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'chartwatch-detector-embedded-'));
  rulesDir = join(root, 'rules');
  referenceDir = join(root, 'reference');
  await mkdir(rulesDir);
  await mkdir(referenceDir);
  for (const f of ['vip-snoop.yaml', 'after-hours-bulk.yaml']) await copyFile(join(PACK, f), join(rulesDir, f));
  await writeFile(join(referenceDir, 'staff.csv'), [STAFF_HEADER, ...STAFF, ''].join('\n'));
  await writeFile(join(referenceDir, 'patients.csv'), [PATIENT_HEADER, VIP1, ''].join('\n'));

  const config = detectorConfigFromEnv(
    {
      KAFKA_PARTITIONS: '2',
      CHARTWATCH_RULES_DIR: rulesDir,
      CHARTWATCH_REFERENCE_DIR: referenceDir,
      CHARTWATCH_DATA_DIR: join(root, 'clickhouse'),
      DETECTOR_REFERENCE_REFRESH_MS: '1000',
      DETECTOR_SUPPRESSION_REFRESH_MS: '1000',
      DETECTOR_RULES_DEBOUNCE_MS: '50',
      DETECTOR_MAX_BATCH_DELAY_MS: '20',
    },
    { requireBrokers: false },
  );
  store = await openStore(config.store);
  await store.migrate();
  bus = createMemoryBus({ partitions: 2 });
  collector = bus.consumer({ groupId: 'incident-response', topics: ['ehr.alerts'] });
  await collector.run(async (batch, control) => {
    for (const m of batch.messages) published.push(JSON.parse(m.value.toString('utf8')) as Alert);
    await control.commit(batch.messages.at(-1)!.offset);
  });
  const logger = createLogger({ level: 'info' }, { write: (l: string) => void lines.push(l) });
  service = createDetectorService({
    config,
    store,
    bus,
    logger,
    // The seam for the API's suppressions: u2 was judged harmless for VIP charts.
    suppressions: async (at) => {
      suppressionCalls.push(at);
      return (alert) => alert.ruleId === 'vip-snoop' && alert.actorId === 'u2';
    },
    now: () => Date.parse('2026-03-04T12:00:00.000Z'),
  });
  await service.start();
});

afterAll(async () => {
  await service?.stop();
  await collector?.stop();
  await bus?.close();
  await store?.close();
  await rm(root, { recursive: true, force: true });
});

describe('detector service, embedded (in-process queue + chDB)', () => {
  it('raises a VIP alert; an alert an active suppression covers is neither published nor stored', async () => {
    await produce([access('e1', '2026-03-04T10:00:00.000Z', 'u1', 'vip1'), access('e2', '2026-03-04T10:01:00.000Z', 'u2', 'vip1')]);
    await until('both events judged', () => service.metrics().judged === 2);
    await until('the alert on the alerts topic', () => published.length === 1);
    expect(published[0]).toMatchObject({ ruleId: 'vip-snoop', actorId: 'u1', ruleVersion: 1, evidenceEventIds: ['e1'] });
    // The topic sees the alert before the store write that ends the batch, and the counters move after that write.
    await until('the batch counted', () => service.metrics().alertsPublished + service.metrics().alertsSuppressed === 2);
    expect(service.metrics()).toMatchObject({ alertsPublished: 1, alertsSuppressed: 1 });
    expect((await store.alerts()).map((a) => a.actorId)).toEqual(['u1']);
    expect(suppressionCalls[0]).toBe('2026-03-04T12:00:00.000Z');
  });

  it('reloads reference data on its interval: a patient flagged VIP later is watched from then on', async () => {
    const loads = logged('reference data loaded');
    await writeFile(join(referenceDir, 'patients.csv'), [PATIENT_HEADER, VIP1, VIP2, ''].join('\n'));
    await until('a reference reload', () => logged('reference data loaded') > loads);
    await produce([access('e3', '2026-03-04T10:02:00.000Z', 'u1', 'vip2')]);
    await until('the VIP alert for vip2', () => published.some((a) => a.patientIds.includes('vip2')));
    await until('the second alert stored', async () => (await store.countAlerts()) >= 2);
    expect(await store.countAlerts()).toBe(2);
  });

  it('hot-reloads rules: a bad edit keeps the last good pack and says why; a good edit rebuilds and takes effect', async () => {
    const file = join(rulesDir, 'vip-snoop.yaml');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('severity: high', 'severity: extreme'));
    await until('the failed reload to be logged', () => logged('rules reload failed') > 0);
    const failure = JSON.parse(lines.find((l) => l.includes('rules reload failed')) as string) as Record<string, unknown>;
    expect(failure).toMatchObject({ file, field: 'rules[vip-snoop].severity' });
    expect(String((failure['err'] as { message: string }).message)).toContain('"extreme" is not one of');

    await produce([access('e4', '2026-03-04T10:03:00.000Z', 'u3', 'vip1')]);
    await until('u3 alert under the last good rules', () => published.some((a) => a.actorId === 'u3'));
    expect(published.find((a) => a.actorId === 'u3')).toMatchObject({ ruleVersion: 1, severity: 'high' });
    expect(service.metrics().rulesVersion).toBe(1);

    const rebuilds = service.metrics().rebuilds;
    await writeFile(file, original.replace('version: 1', 'version: 2').replace('severity: high', 'severity: medium'));
    await until('the good reload', () => service.metrics().rulesVersion === 2);
    await produce([access('e5', '2026-03-04T10:04:00.000Z', 'u4', 'vip1')]);
    await until('u4 alert under the new rules', () => published.some((a) => a.actorId === 'u4'));
    expect(published.find((a) => a.actorId === 'u4')).toMatchObject({ ruleVersion: 2, severity: 'medium' });
    expect(service.metrics().rebuilds).toBeGreaterThan(rebuilds);
    await until('the fourth alert stored', async () => (await store.countAlerts()) >= 4);
    expect(await store.countAlerts()).toBe(4);
    expect(published).toHaveLength(4);
  });
});
