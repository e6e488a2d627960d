import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { busConfigFromEnv, createKafkaBus, describeKafkaSecurity, kafkajsSecurity, kafkaSecurityFromEnv } from '@chartwatch/bus';
import type { Bus, BusConfig, BusConsumer, KafkaSecurity } from '@chartwatch/bus';
import type { Alert } from '@chartwatch/detect';
import { createDetectorService, detectorConfigFromEnv } from '@chartwatch/detector';
import type { DetectorService } from '@chartwatch/detector';
import type { AccessEvent } from '@chartwatch/event';
import { createIngest, createIngestLogger, INGEST_DEFAULTS } from '@chartwatch/ingest';
import type { Ingest } from '@chartwatch/ingest';
import { createLogger } from '@chartwatch/logger';
import { openStore } from '@chartwatch/store';
import type { Store } from '@chartwatch/store';

/**
 * Transmission security against the real broker's SASL_SSL listener (TLS
 * with a certificate keytool made at setup, SCRAM-SHA-512): ingest and the
 * detector run through it from settings read the way every service reads
 * them, and a plaintext client or a wrong password is refused.
 */

const secureJson = inject('kafkaSecure');
const secure = secureJson === '' ? null : (JSON.parse(secureJson) as { brokers: string; caFile: string; username: string; password: string });
const RULES_DIR = fileURLToPath(new URL('../../rules/', import.meta.url));
const run = randomUUID().slice(0, 8);

const env = (over: Record<string, string> = {}): Record<string, string> => ({
  KAFKA_BROKERS: secure?.brokers ?? '',
  KAFKA_CLIENT_ID: `secure-${run}`,
  KAFKA_PARTITIONS: '2',
  KAFKA_TOPIC_RAW: `sec.${run}.raw`,
  KAFKA_TOPIC_EVENTS: `sec.${run}.events`,
  KAFKA_TOPIC_DLQ: `sec.${run}.dlq`,
  KAFKA_TOPIC_ALERTS: `sec.${run}.alerts`,
  KAFKA_TLS_CA_FILE: secure?.caFile ?? '',
  KAFKA_SASL_MECHANISM: 'scram-sha-512',
  KAFKA_SASL_USERNAME: secure?.username ?? '',
  KAFKA_SASL_PASSWORD: secure?.password ?? '',
  ...over,
});

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

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** An admin connection with these settings and no retries: resolves, or rejects with the broker's refusal. */
async function connectAdmin(security: KafkaSecurity): Promise<void> {
  const admin = new Kafka({ clientId: `probe-${run}`, brokers: [secure?.brokers ?? ''], logLevel: logLevel.NOTHING, connectionTimeout: 5_000, retry: { retries: 0 }, ...kafkajsSecurity(security) }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const describeSecure = secure === null ? describe.skip : describe;

let dataDir: string;
let store: Store;
let bus: Bus;
let busConfig: BusConfig;
let ingest: Ingest | null = null;
let detector: DetectorService | null = null;
let reader: BusConsumer | null = null;

beforeAll(async () => {
  if (secure === null) return;
  busConfig = busConfigFromEnv(env());
  dataDir = mkdtempSync(join(tmpdir(), 'chartwatch-kafka-secure-'));
  store = await openStore({ database: 'kafka_secure', dataDir });
  await store.migrate();
  await store.replaceReference({
    staff: [{ actorId: 'u1', givenName: 'A', familyName: 'B', address: '1 St', department: 'cardiology', role: 'nurse', hiredAt: '2020-01-01T00:00:00.000Z', terminatedAt: null }],
    patients: [{ patientId: 'vip1', givenName: 'Sam', familyName: 'Star', address: '1 Hill Rd', birthDate: '1970-01-01', deceasedAt: null, vip: true, employeeActorId: null }],
    vendors: [],
    encounters: [{ patientId: 'vip1', department: 'oncology', start: '2026-03-01T08:00:00.000Z', end: null }],
  });
  bus = createKafkaBus(busConfig);
});

afterAll(async () => {
  await reader?.stop();
  await detector?.stop();
  await ingest?.stop();
  await bus?.close();
  await store?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describeSecure('Kafka over TLS with SASL SCRAM-SHA-512', () => {
  it('reads the settings as every service does, naming what it uses but never the password', () => {
    expect(busConfig.security?.tls?.ca).toContain('BEGIN CERTIFICATE');
    expect(describeKafkaSecurity(busConfig.security as KafkaSecurity)).toBe(`TLS (CA file), SASL SCRAM-SHA-512 as ${secure?.username}`);
  });

  it('runs ingest and the detector through the secure listener: a raw event becomes a stored event and an alert', async () => {
    const logger = createLogger({ level: 'warn', name: 'kafka-secure-test' });
    ingest = createIngest({
      config: { ...INGEST_DEFAULTS, bus: busConfig, groupId: `sec-ingest-${run}`, maxBatchDelayMs: 100, retryInitialMs: 100, retryMaxMs: 2_000 },
      store,
      bus,
      logger: createIngestLogger('warn'),
    });
    await ingest.start();
    const detectorConfig = detectorConfigFromEnv({ ...env(), DETECTOR_GROUP_ID: `sec-detector-${run}`, INGEST_GROUP_ID: `sec-ingest-${run}`, CHARTWATCH_RULES_DIR: RULES_DIR, DETECTOR_MAX_BATCH_DELAY_MS: '100', CHARTWATCH_DATA_DIR: dataDir, CLICKHOUSE_DATABASE: 'kafka_secure' });
    expect(detectorConfig.bus.security?.sasl?.username).toBe(secure?.username);
    detector = createDetectorService({ config: detectorConfig, store, bus, logger });
    await detector.start();

    const alerts: Alert[] = [];
    reader = bus.consumer({ groupId: `sec-reader-${run}`, topics: [busConfig.topics.alerts], fromBeginning: true, maxWaitMs: 100 });
    await reader.run(async (batch, control) => {
      for (const m of batch.messages) alerts.push(JSON.parse(m.value.toString('utf8')) as Alert);
      const last = batch.messages.at(-1);
      if (last !== undefined) await control.commit(last.offset);
    });

    const producer = await bus.producer();
    const vip = access(`${run}-vip`, '2026-03-04T10:00:00.000Z', 'u1', 'vip1');
    await producer.send(busConfig.topics.raw, [{ key: 'u1', value: JSON.stringify(vip) }]);
    await until('the event stored and an alert on the alerts topic', async () => ingest !== null && ingest.metrics().stored >= 1 && alerts.length >= 1);
    expect(alerts.some((a) => a.evidenceEventIds.includes(vip.eventId) && a.patientIds.includes('vip1'))).toBe(true);
  }, 240_000);

  it('refuses a plaintext client on the secure listener', async () => {
    await expect(connectAdmin({ tls: null, sasl: null })).rejects.toThrow();
  });

  it('refuses a wrong password, and a client that does not trust the broker’s certificate', async () => {
    const good = kafkaSecurityFromEnv(env());
    await connectAdmin(good);
    const wrong = kafkaSecurityFromEnv(env({ KAFKA_SASL_PASSWORD: 'not-the-password' }));
    await expect(connectAdmin(wrong)).rejects.toThrow(/SASL|authenticat/i);
    // Without the CA file the system trust store does not know the broker's self-signed certificate.
    const untrusting = kafkaSecurityFromEnv(env({ KAFKA_TLS_CA_FILE: '', KAFKA_TLS: 'true' }));
    await expect(connectAdmin(untrusting)).rejects.toThrow();
  });
});
