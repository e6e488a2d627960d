import type { TestProject } from 'vitest/node';
import { freePort, startKafkaBroker, waitForKafka } from '../../scripts/kafka-broker.mjs';
import type { KafkaSecureListener } from '../../scripts/kafka-broker.mjs';

/**
 * One real Kafka broker for the whole integration run, in this order:
 *   1. KAFKA_BROKERS is set: use that cluster, start nothing.
 *   2. A Docker engine answers (or CHARTWATCH_KAFKA_MODE=docker): the
 *      apache/kafka image through testcontainers (its reaper removes the
 *      container even when vitest is killed).
 *   3. Otherwise (or CHARTWATCH_KAFKA_MODE=jars): the Apache Kafka jars from
 *      Maven Central on the machine's JDK, via scripts/kafka-broker.mjs,
 *      with a watchdog that stops the JVM if this process dies.
 * Tests read the broker list with `inject('kafkaBrokers')`.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    /** Comma-separated host:port list of the broker the integration tests share. */
    kafkaBrokers: string;
    /**
     * JSON of the broker's SASL_SSL listener ({ brokers, caFile, username,
     * password }: TLS + SCRAM-SHA-512), or '' where none runs (a broker from
     * KAFKA_BROKERS or Docker): the transmission-security test needs it.
     */
    kafkaSecure: string;
  }
}

const KAFKA_IMAGE = 'apache/kafka:4.1.1';
const DOCKER_PROBE_MS = 5_000;
const START_TIMEOUT_MS = 150_000;

type Teardown = () => Promise<void>;

function say(line: string): void {
  process.stderr.write(`[kafka-global-setup] ${line}\n`);
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const probe = getContainerRuntimeClient().then(() => true);
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), DOCKER_PROBE_MS).unref());
    return await Promise.race([probe, timeout]);
  } catch {
    return false;
  }
}

async function startInDocker(): Promise<{ brokers: string; secure: null; stop: Teardown }> {
  const { GenericContainer, getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  const host = client.info.containerRuntime.host;
  // The broker must advertise the address clients reach it on, which with a
  // random mapped port is only known after start; a host port chosen up front
  // and mapped 1:1 avoids the two-step start.
  const port = await freePort();
  const container = await new GenericContainer(KAFKA_IMAGE)
    .withExposedPorts({ container: port, host: port })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: `PLAINTEXT://0.0.0.0:${port},CONTROLLER://localhost:9093`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${port}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_NUM_PARTITIONS: '1',
    })
    .withStartupTimeout(START_TIMEOUT_MS)
    .start();
  await waitForKafka(host, port, { timeoutMs: START_TIMEOUT_MS });
  return {
    brokers: `${host}:${port}`,
    secure: null,
    stop: async () => {
      await container.stop({ timeout: 5_000 });
    },
  };
}

async function startFromJars(): Promise<{ brokers: string; secure: KafkaSecureListener | null; stop: Teardown }> {
  const broker = await startKafkaBroker({ ownerPid: process.pid, startTimeoutMs: START_TIMEOUT_MS, log: say, secure: true });
  return { brokers: broker.brokers, secure: broker.secure, stop: () => broker.stop() };
}

export default async function setup(project: TestProject): Promise<Teardown | undefined> {
  const configured = process.env['KAFKA_BROKERS'];
  if (configured) {
    say(`using KAFKA_BROKERS=${configured}`);
    project.provide('kafkaBrokers', configured);
    project.provide('kafkaSecure', '');
    return undefined;
  }
  const mode = process.env['CHARTWATCH_KAFKA_MODE'];
  if (mode !== undefined && mode !== 'docker' && mode !== 'jars') {
    throw new Error(`CHARTWATCH_KAFKA_MODE: expected "docker" or "jars", got ${JSON.stringify(mode)}`);
  }
  const started = Date.now();
  const useDocker = mode === 'docker' || (mode === undefined && (await dockerAnswers()));
  const broker = useDocker ? await startInDocker() : await startFromJars();
  say(`Kafka ${useDocker ? `container ${KAFKA_IMAGE}` : '4.1.1 from jars'} ready at ${broker.brokers} in ${Date.now() - started} ms`);
  project.provide('kafkaBrokers', broker.brokers);
  project.provide('kafkaSecure', broker.secure === null ? '' : JSON.stringify(broker.secure));

  let stopped = false;
  const teardown = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await broker.stop();
  };
  return teardown;
}
