#!/usr/bin/env node
// A real single-node Apache Kafka broker (KRaft, no ZooKeeper) for tests and
// benchmarks on machines without Docker: the Kafka jars come from Maven
// Central through `mvn`, the broker runs on the machine's JDK 17+.
//
//   node scripts/kafka-broker.mjs start [--owner-pid <pid>]   prints KAFKA_BROKERS=127.0.0.1:<port>
//   node scripts/kafka-broker.mjs stop  [--dir <broker dir>]  stops the broker `start` last printed
//   node scripts/kafka-broker.mjs fetch                       only downloads the jars
//
// Plain Node ESM without dependencies so it runs before `pnpm install` and
// from any tool; the vitest global setup and the ingest benchmark import
// `startKafkaBroker` from here.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, renameSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const KAFKA_VERSION = '4.1.1';
const SCALA_VERSION = '2.13';
// slf4j-api 1.7.36 is what kafka-clients 4.1 pulls in; the matching simple
// binding sends the broker's warnings to its log file instead of nowhere.
const SLF4J_VERSION = '1.7.36';

const scriptPath = fileURLToPath(import.meta.url);
const repoRoot = resolve(dirname(scriptPath), '..');

/** Where the jars are cached: CHARTWATCH_KAFKA_CACHE, else `.cache/kafka` in the repository. */
export function kafkaCacheDir(env = process.env) {
  return env.CHARTWATCH_KAFKA_CACHE ? resolve(env.CHARTWATCH_KAFKA_CACHE) : join(repoRoot, '.cache', 'kafka');
}

function requireTool(command, args, hint) {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.error && r.error.code === 'ENOENT') {
    throw new Error(`kafka-broker: \`${command}\` was not found on PATH. ${hint}`);
  }
  if (r.error) throw new Error(`kafka-broker: \`${command} ${args.join(' ')}\` failed: ${r.error.message}`);
  return `${r.stdout ?? ''}${r.stderr ?? ''}`;
}

function checkJava() {
  const out = requireTool(
    'java',
    ['-version'],
    'Kafka needs a JDK 17 or newer (Debian: apt-get install openjdk-17-jre-headless), or set KAFKA_BROKERS to an existing broker.',
  );
  const m = /version "(\d+)(?:\.(\d+))?/.exec(out);
  if (m) {
    const major = m[1] === '1' ? Number(m[2]) : Number(m[1]);
    if (major < 17) throw new Error(`kafka-broker: Kafka ${KAFKA_VERSION} needs Java 17 or newer; \`java -version\` says ${major}.`);
  }
}

/**
 * Downloads the Kafka broker jars (and their runtime dependencies) into
 * `<cacheDir>/libs-<version>` once; later calls return at once. Safe when
 * several processes start at the same time: each fetches into its own
 * directory and the first rename wins.
 */
export function ensureKafkaJars({ cacheDir = kafkaCacheDir(), log = () => {} } = {}) {
  const libs = join(cacheDir, `libs-${KAFKA_VERSION}`);
  if (existsSync(join(libs, '.complete'))) return libs;
  requireTool('mvn', ['-v'], 'The Kafka jars are fetched from Maven Central with Maven (Debian: apt-get install maven), or set KAFKA_BROKERS to an existing broker.');
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, 'fetch-'));
  try {
    const pom = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>chartwatch</groupId><artifactId>kafka-broker</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_${SCALA_VERSION}</artifactId><version>${KAFKA_VERSION}</version><scope>runtime</scope></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>${SLF4J_VERSION}</version><scope>runtime</scope></dependency>
  </dependencies>
</project>
`;
    writeFileSync(join(work, 'pom.xml'), pom);
    const out = join(work, 'libs');
    log(`kafka-broker: fetching Kafka ${KAFKA_VERSION} jars from Maven Central into ${libs}`);
    const r = spawnSync(
      'mvn',
      ['-q', '-B', '-f', join(work, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${out}`, '-DincludeScope=runtime'],
      { encoding: 'utf8', timeout: 600_000 },
    );
    if (r.status !== 0) {
      const detail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
      throw new Error(`kafka-broker: mvn could not fetch org.apache.kafka:kafka_${SCALA_VERSION}:${KAFKA_VERSION} (exit ${r.status ?? r.signal}${r.error ? `, ${r.error.message}` : ''}):\n${detail}`);
    }
    if (!existsSync(join(out, `kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar`))) {
      throw new Error(`kafka-broker: mvn finished but ${out} holds no kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar`);
    }
    writeFileSync(join(out, '.complete'), `${new Date().toISOString()}\n`);
    try {
      renameSync(out, libs);
    } catch (err) {
      // Another process finished first: its copy is as good as ours.
      if (!existsSync(join(libs, '.complete'))) throw err;
    }
    return libs;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A port the OS says is free right now on 127.0.0.1. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(address.port));
    });
  });
}

// ---- a minimal Kafka wire-protocol probe -----------------------------------
// "The port accepts connections" is not "the broker serves clients": in KRaft
// mode the listener opens before the broker has caught up with the metadata
// log. A Metadata request that lists at least one broker is the real signal.

function request(apiKey, apiVersion, correlationId, body) {
  const clientId = Buffer.from('chartwatch-probe');
  const header = Buffer.alloc(10 + clientId.length);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  clientId.copy(header, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length, 0);
  return Buffer.concat([size, header, body]);
}

function roundTrip(host, port, frames, timeoutMs) {
  return new Promise((resolveAll, reject) => {
    const socket = connect({ host, port });
    const responses = [];
    let buffered = Buffer.alloc(0);
    let next = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    const sendNext = () => socket.write(frames[next](responses));
    socket.on('connect', sendNext);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const size = buffered.readInt32BE(0);
        responses.push(buffered.subarray(4, 4 + size));
        buffered = buffered.subarray(4 + size);
        next += 1;
        if (next === frames.length) {
          clearTimeout(timer);
          socket.end();
          resolveAll(responses);
          return;
        }
        sendNext();
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (next < frames.length) reject(new Error(`${host}:${port} closed the connection`));
    });
  });
}

/**
 * Resolves with the number of brokers a Metadata request lists; rejects when
 * the broker does not answer like Kafka.
 */
export async function probeKafka(host, port, timeoutMs = 2_000) {
  const API_VERSIONS = 18;
  const METADATA = 3;
  let metadataVersion = 4;
  const [, metadata] = await roundTrip(
    host,
    port,
    [
      () => request(API_VERSIONS, 0, 1, Buffer.alloc(0)),
      ([versions]) => {
        // ApiVersions v0 response: correlation id, error code, [api key, min, max].
        const error = versions.readInt16BE(4);
        if (error !== 0) throw new Error(`ApiVersions error code ${error}`);
        const count = versions.readInt32BE(6);
        for (let i = 0; i < count; i += 1) {
          const at = 10 + i * 6;
          if (versions.readInt16BE(at) === METADATA) {
            const min = versions.readInt16BE(at + 2);
            const max = versions.readInt16BE(at + 4);
            // v4..v8 share the pre-flexible encoding this probe speaks.
            metadataVersion = Math.max(4, min);
            if (metadataVersion > 8 || metadataVersion > max) throw new Error(`broker speaks Metadata v${min}-v${max} only`);
          }
        }
        // topics = null (all), allow_auto_topic_creation = false, v8 adds two authorized-operations flags.
        const body = Buffer.alloc(metadataVersion >= 8 ? 7 : 5);
        body.writeInt32BE(-1, 0);
        return request(METADATA, metadataVersion, 2, body);
      },
    ],
    timeoutMs,
  );
  // Metadata v4..v8 response: correlation id, throttle ms, brokers array.
  return metadata.readInt32BE(8);
}

/** Polls until a broker at host:port serves a Metadata request or the deadline passes. */
export async function waitForKafka(host, port, { timeoutMs = 120_000, isAlive = () => true, describeFailure = () => '' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'not tried';
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`kafka-broker: the broker exited before it was ready.${describeFailure()}`);
    try {
      const brokers = await probeKafka(host, port);
      if (brokers > 0) return;
      lastError = 'metadata lists no broker yet';
    } catch (err) {
      lastError = err.message;
    }
    await sleep(250);
  }
  throw new Error(`kafka-broker: ${host}:${port} did not serve Kafka metadata within ${timeoutMs} ms (last: ${lastError}).${describeFailure()}`);
}

// ---- processes --------------------------------------------------------------

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** True when `pid` is the broker started with `dir`'s properties (guards against pid reuse). */
function isOurBroker(pid, dir) {
  if (!isAlive(pid)) return false;
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync('/proc/self/cmdline')) return true;
  try {
    return readFileSync(cmdline, 'utf8').includes(join(dir, 'server.properties'));
  } catch {
    return false;
  }
}

function tail(file, lines = 25) {
  try {
    const text = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    return text ? `\n--- last lines of ${file} ---\n${text}` : '';
  } catch {
    return '';
  }
}

function serverProperties({ dir, port, controllerPort, secure }) {
  const secureListener = secure ? `,SASL_SSL://127.0.0.1:${secure.port}` : '';
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}${secureListener}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}${secureListener}`,
    'controller.listener.names=CONTROLLER',
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${secure ? ',SASL_SSL:SASL_SSL' : ''}`,
    ...(secure
      ? [
          // TLS with the certificate made by makeBrokerCertificate, SCRAM-SHA-512 users created at format time.
          'sasl.enabled.mechanisms=SCRAM-SHA-512',
          'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
          `listener.name.sasl_ssl.ssl.keystore.location=${secure.keystore}`,
          'listener.name.sasl_ssl.ssl.keystore.type=PKCS12',
          `listener.name.sasl_ssl.ssl.keystore.password=${secure.storePassword}`,
          `listener.name.sasl_ssl.ssl.key.password=${secure.storePassword}`,
        ]
      : []),
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=6',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

/**
 * A self-signed certificate for 127.0.0.1 made with the JDK's keytool: the
 * broker's PKCS12 keystore, and the certificate as PEM, which clients give
 * as their CA file (a self-signed certificate is its own trust anchor).
 */
function makeBrokerCertificate(dir) {
  const keystore = join(dir, 'broker.p12');
  const caFile = join(dir, 'broker-ca.pem');
  const storePassword = randomBytes(12).toString('hex');
  const run = (args) => {
    const r = spawnSync('keytool', args, { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`kafka-broker: keytool ${args[0]} failed (exit ${r.status ?? r.signal}): ${r.error?.message ?? ''}${r.stdout}${r.stderr}`);
  };
  run(['-genkeypair', '-alias', 'broker', '-keyalg', 'RSA', '-keysize', '2048', '-validity', '7', '-dname', 'CN=127.0.0.1',
    '-ext', 'SAN=IP:127.0.0.1,DNS:localhost', '-storetype', 'PKCS12', '-keystore', keystore, '-storepass', storePassword, '-keypass', storePassword]);
  run(['-exportcert', '-rfc', '-alias', 'broker', '-keystore', keystore, '-storepass', storePassword, '-file', caFile]);
  return { keystore, caFile, storePassword };
}

/**
 * Starts a fresh single-node KRaft broker on free loopback ports with its
 * data in a new temporary directory, and resolves once it serves metadata.
 *
 * ownerPid: when given, a small watchdog process stops the broker (and
 * removes its directory) as soon as that process is gone, so a killed test
 * runner leaves no JVM behind.
 */
export async function startKafkaBroker({
  cacheDir = kafkaCacheDir(),
  ownerPid,
  heap = '512m',
  startTimeoutMs = 120_000,
  log = () => {},
  secure = false,
} = {}) {
  checkJava();
  const libs = ensureKafkaJars({ cacheDir, log });
  const dir = mkdtempSync(join(tmpdir(), 'chartwatch-kafka-'));
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  // With `secure`, a second listener: SASL_SSL (TLS + SCRAM-SHA-512) for the transmission-security tests.
  let secureListener = null;
  if (secure) {
    let securePort = await freePort();
    while (securePort === port || securePort === controllerPort) securePort = await freePort();
    secureListener = { port: securePort, ...makeBrokerCertificate(dir), username: 'chartwatch', password: randomBytes(12).toString('hex') };
  }
  const propsFile = join(dir, 'server.properties');
  writeFileSync(propsFile, serverProperties({ dir, port, controllerPort, secure: secureListener }));
  const classpath = `${libs}/*`;
  const logFile = join(dir, 'broker.log');

  // A cluster id is 16 random bytes, base64url without padding (what
  // `StorageTool random-uuid` prints); making it here saves one JVM start.
  // One starting with "-" would read as an option by the tool's argument parser (1 in 64): draw again.
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  const scram = secureListener ? ['--add-scram', `SCRAM-SHA-512=[name=${secureListener.username},password=${secureListener.password}]`] : [];
  const format = spawnSync('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propsFile, ...scram], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (format.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`kafka-broker: formatting the KRaft storage failed (exit ${format.status ?? format.signal}):\n${format.stdout}${format.stderr}`);
  }

  const out = openSync(logFile, 'a');
  const child = spawn(
    'java',
    [
      `-Xmx${heap}`,
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      '-cp',
      classpath,
      'kafka.Kafka',
      propsFile,
    ],
    // Its own process group: a Ctrl-C meant for a CLI that started it does not reach it.
    { detached: true, stdio: ['ignore', out, out], cwd: dir },
  );
  closeSync(out);
  const pid = child.pid;
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  child.unref();

  let watchdogPid;
  if (ownerPid) {
    const watchdog = spawn(process.execPath, [scriptPath, 'watchdog', '--owner-pid', String(ownerPid), '--pid', String(pid), '--dir', dir], {
      detached: true,
      stdio: 'ignore',
    });
    watchdog.unref();
    watchdogPid = watchdog.pid;
  }

  const handle = {
    brokers: `127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    controllerPort,
    pid,
    watchdogPid,
    dir,
    logFile,
    secure: secureListener
      ? { brokers: `127.0.0.1:${secureListener.port}`, caFile: secureListener.caFile, username: secureListener.username, password: secureListener.password }
      : null,
    stop: () => stopKafkaBroker({ pid, dir }),
  };
  writeFileSync(join(dir, 'broker.json'), `${JSON.stringify({ ...handle, stop: undefined }, null, 2)}\n`);

  try {
    await waitForKafka('127.0.0.1', port, {
      timeoutMs: startTimeoutMs,
      isAlive: () => !exited,
      describeFailure: () => tail(logFile),
    });
  } catch (err) {
    await stopKafkaBroker({ pid, dir });
    throw err;
  }
  return handle;
}

/**
 * Stops the broker started with `dir`: SIGTERM, then SIGKILL after `graceMs`;
 * removes its directory. Only ever signals the process whose command line
 * names this broker's properties file.
 */
export async function stopKafkaBroker({ pid, dir, graceMs = 5_000 }) {
  if (pid && isOurBroker(pid, dir)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      while (isAlive(pid)) await sleep(50);
    }
  }
  if (dir && dir.includes('chartwatch-kafka-')) rmSync(dir, { recursive: true, force: true });
}

// ---- CLI ---------------------------------------------------------------------

function flag(args, name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function watchdog(args) {
  const owner = Number(flag(args, '--owner-pid'));
  const pid = Number(flag(args, '--pid'));
  const dir = flag(args, '--dir');
  // Polling is crude but portable: Node has no prctl(PR_SET_PDEATHSIG).
  while (isAlive(owner) && isAlive(pid)) await sleep(1_000);
  await stopKafkaBroker({ pid, dir });
}

function lastBrokerFile(cacheDir) {
  return join(cacheDir, 'last-broker.json');
}

async function main(argv) {
  const [command, ...args] = argv;
  const cacheDir = kafkaCacheDir();
  const say = (line) => process.stderr.write(`${line}\n`);
  switch (command) {
    case 'fetch': {
      const libs = ensureKafkaJars({ cacheDir, log: say });
      process.stdout.write(`KAFKA_LIBS=${libs} (${readdirSync(libs).length - 1} jars)\n`);
      return;
    }
    case 'start': {
      const ownerPid = flag(args, '--owner-pid');
      const started = Date.now();
      const broker = await startKafkaBroker({ cacheDir, ownerPid: ownerPid ? Number(ownerPid) : undefined, log: say });
      mkdirSync(cacheDir, { recursive: true });
      writeFileSync(lastBrokerFile(cacheDir), `${JSON.stringify({ pid: broker.pid, dir: broker.dir, brokers: broker.brokers })}\n`);
      process.stdout.write(`KAFKA_BROKERS=${broker.brokers}\nKAFKA_BROKER_PID=${broker.pid}\nKAFKA_BROKER_DIR=${broker.dir}\n`);
      say(`kafka-broker: Kafka ${KAFKA_VERSION} ready in ${Date.now() - started} ms; stop it with: node scripts/kafka-broker.mjs stop --dir ${broker.dir}`);
      return;
    }
    case 'stop': {
      const dir = flag(args, '--dir');
      const stateFile = dir ? join(dir, 'broker.json') : lastBrokerFile(cacheDir);
      if (!existsSync(stateFile)) throw new Error(`kafka-broker: no broker state at ${stateFile}`);
      const state = JSON.parse(readFileSync(stateFile, 'utf8'));
      await stopKafkaBroker({ pid: state.pid, dir: state.dir });
      const last = existsSync(lastBrokerFile(cacheDir)) ? JSON.parse(readFileSync(lastBrokerFile(cacheDir), 'utf8')) : undefined;
      if (last && last.dir === state.dir) rmSync(lastBrokerFile(cacheDir), { force: true });
      say(`kafka-broker: stopped pid ${state.pid}`);
      return;
    }
    case 'watchdog':
      await watchdog(args);
      return;
    default:
      say('usage: node scripts/kafka-broker.mjs start [--owner-pid <pid>] | stop [--dir <dir>] | fetch');
      process.exitCode = 2;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === scriptPath) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  });
}
