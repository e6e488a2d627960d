import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { PRIVATE_UMASK, openPrivateAppend, preparePrivateDir } from '../start/private-files.ts';
import { fileIdentity, loadInputProgress, saveInputProgress } from '../start/input-progress.ts';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ConfigError } from '@chartwatch/errors';
import { createLogger } from '@chartwatch/logger';
import type { ReferenceSet } from '@chartwatch/reference';
import { loadReferenceDir } from '@chartwatch/reference';
import { ensureLocalAdminKey } from '../start/admin-key.ts';
import { banner, trainerLine } from '../start/banner.ts';
import { fileLine, simulatedClock, simulatorLine } from '../start/feed-text.ts';
import { runFileFeed } from '../start/file-feed.ts';
import type { FileFeedStatus } from '../start/file-feed.ts';
import { parseStartFlags, START_HELP } from '../start/flags.ts';
import { Lifecycle } from '../start/lifecycle.ts';
import { loadModelFile } from '../model-scorers.ts';
import { createModelSeam } from '../start/model-seam.ts';
import { createProgress } from '../start/progress.ts';
import { loadSimulationState, resolveSimulation, saveSimulationState } from '../start/simulation-state.ts';
import type { SimulationState } from '../start/simulation-state.ts';
import { defaultBackfillUntil, runSimulatorFeed, simulatedHospital, simulatedWindow } from '../start/simulator-feed.ts';
import type { FeedStatus } from '../start/simulator-feed.ts';
import { startStack } from '../start/stack.ts';
import { startConfigFromEnv } from '../start/start-config.ts';

/** How far ahead of the wall clock simulated events may run (the simulation ends with the local today). */
const SIMULATED_MAX_FUTURE_MS = 7 * 86_400_000;

export const summary = 'everything in one process: a simulated hospital (or --input FILE) → ingest → detector → API and dashboard';

const DAY = 86_400_000;
/** How often the progress line and the saved simulation state are refreshed. */
const STATUS_MS = 250;
const SAVE_MS = 5_000;
/** How often a status line (throughput, event-loop delay) goes to the log. */
const LOG_STATUS_MS = 10_000;
/** A second SIGINT/SIGTERM this long after the first exits without draining; sooner, it is the same request. */
const REPEAT_SIGNAL_MS = 1_000;

/**
 * `pnpm start`: the README's main command. Config from flags and the
 * environment, once; the services built and started in order (stack.ts);
 * the dashboard URL and a local admin key printed once; then the feed (the
 * simulated hospital, or a file) with a progress line on stderr. SIGINT or
 * SIGTERM stops the feed and then every part in reverse order under
 * CHARTWATCH_SHUTDOWN_TIMEOUT_MS; a second signal (a second later) exits at once.
 */
export async function run(argv: string[]): Promise<number> {
  const flags = parseStartFlags(argv);
  if (flags.help) {
    console.log(START_HELP);
    return 0;
  }
  const config = startConfigFromEnv(process.env, flags);
  if (flags.input !== null) {
    // Before anything starts: a typo should not cost a chDB start and a dashboard build.
    await access(flags.input.path).catch((err: unknown) => {
      throw new ConfigError('--input', `cannot read ${flags.input?.path ?? ''}: ${(err as Error).message}`);
    });
  }
  // Everything under the data directory holds PHI or leads to it: created private (private-files.ts).
  process.umask(PRIVATE_UMASK);
  await preparePrivateDir(config.dataDir);
  const logStream = openPrivateAppend(config.logFile);
  const logger = createLogger({ level: config.logLevel, name: 'chartwatch' }, logStream);
  const startedAt = Date.now();
  const progress = createProgress(process.stderr);
  const lifecycle = new Lifecycle(logger);
  const feedAbort = new AbortController();

  let signalled: NodeJS.Signals | null = null;
  let signalledAt = 0;
  let wake: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled !== null) {
      // A Ctrl-C reaches every process of the terminal's group, and a wrapper
      // (pnpm, tsx) may relay it once more: only a signal a person sends
      // later means "stop waiting".
      if (Date.now() - signalledAt < REPEAT_SIGNAL_MS) return;
      process.stderr.write(`\n${signal} again: exiting without waiting for the drain\n`);
      process.exit(130);
    }
    signalled = signal;
    signalledAt = Date.now();
    logger.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'stopping');
    // unref(): the deadline must not itself keep a stopped process alive.
    setTimeout(() => {
      logger.error({ deadlineMs: config.shutdownTimeoutMs, left: lifecycle.names }, 'stop exceeded its deadline; exiting');
      process.stderr.write(`\nchartwatch: stopping took longer than ${config.shutdownTimeoutMs} ms; exiting (see ${config.logFile})\n`);
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    feedAbort.abort();
    wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let simulation: { state: SimulationState; resumed: boolean } | null = null;
  try {
    if (flags.input === null && flags.simulator) {
      const saved = await loadSimulationState(config.simulationFile);
      simulation = resolveSimulation(flags, saved, { nowMs: startedAt, timezone: config.timezone, stateFile: config.simulationFile });
    }
    const sim = simulation;
    if (sim !== null) {
      // The simulator runs simulated time ahead of the wall clock on purpose (--speed, up to the end of
      // the simulated today): its events are not a clock gone wrong, so the future-dated guards step aside.
      config.ingest.maxFutureMs = SIMULATED_MAX_FUTURE_MS;
      config.detector.maxFutureMs = SIMULATED_MAX_FUTURE_MS;
    }
    const hospital = sim === null ? null : simulatedHospital(sim.state);
    if (sim !== null) await saveSimulationState(config.simulationFile, sim.state);

    const referenceDir = flags.input?.reference ?? null;
    const loadReference = async (): Promise<ReferenceSet | null> => (hospital !== null ? hospital.reference : referenceDir !== null ? loadReferenceDir(referenceDir, '--reference') : null);
    const model = flags.model === null ? null : await loadModelFile(flags.model);
    let rawSent = 0;
    const stack = await startStack({
      config,
      logger,
      lifecycle,
      reference: loadReference,
      ...(flags.input !== null && referenceDir === null ? { requireReference: '--reference' } : {}),
      ...(model === null ? {} : { model: createModelSeam(model) }),
      onStep: (s) => logger.info(s),
      rawSent: () => rawSent,
    });
    const adminKey = await ensureLocalAdminKey(stack.store, { forceNew: flags.newAdminKey, at: new Date().toISOString() });
    logger.info({ keyId: adminKey.kind === 'created' ? adminKey.view.keyId : null, existing: adminKey.kind === 'exists' ? adminKey.admins.length : 0 }, 'local admin key');

    const mode = [
      config.busMode === 'kafka' ? `Kafka at ${config.detector.bus.brokers.join(',')}` : 'in-process queue',
      stack.store.mode === 'embedded' ? 'embedded chDB' : `ClickHouse at ${config.store.url ?? ''}`,
    ].join(', ');

    // The feed: everything after this line is progress on stderr.
    let feedText: string;
    let statusLine: () => { fraction: number; text: string } | null = () => null;
    /** Draws the feed's status now; returns it for the status log line. */
    const redraw = (): { fraction: number; text: string } | null => {
      const line = statusLine();
      if (line !== null) progress.update(Number.isNaN(line.fraction) ? null : line.fraction, line.text);
      return line;
    };
    let feed: Promise<unknown> = Promise.resolve();
    let saveState: () => Promise<void> = async () => undefined;
    const alerts = (): number => stack.detector.metrics().alertsPublished;

    if (sim !== null && hospital !== null) {
      const window = simulatedWindow(hospital);
      const fedThrough = sim.state.fedThrough === null ? window.start : Date.parse(sim.state.fedThrough);
      // A resumed hospital re-sends what it sent before at full speed (the store and the detector absorb repeats).
      const backfillUntil = Math.max(fedThrough, flags.backfillDays !== null ? Math.min(window.end, window.start + flags.backfillDays * DAY) : defaultBackfillUntil(hospital));
      let status: FeedStatus = { phase: 'backfill', sent: 0, simTime: null };
      feedText =
        `simulated hospital (seed ${sim.state.seed}, ${sim.state.staff} staff, ${sim.state.start} + ${sim.state.days} days${sim.resumed ? ', resumed' : ''}): ` +
        `full speed to ${simulatedClock(backfillUntil, sim.state.timezone)}, then ×${flags.speed} → ${config.detector.bus.topics.raw}`;
      statusLine = () => simulatorLine({ status, window, speed: flags.speed, timezone: sim.state.timezone, alerts: alerts() });
      saveState = async () => {
        if (status.simTime === null) return;
        const through = new Date(status.simTime).toISOString();
        if (sim.state.fedThrough !== null && through <= sim.state.fedThrough) return;
        sim.state.fedThrough = through;
        await saveSimulationState(config.simulationFile, sim.state);
      };
      feed = runSimulatorFeed({
        hospital,
        producer: stack.producer,
        topic: stack.rawTopic,
        speed: flags.speed,
        backfillUntil,
        idPrefix: `sim-${sim.state.seed}-${sim.state.start}-`,
        signal: feedAbort.signal,
        onStatus: (s) => {
          if (s.phase === 'live' && status.phase === 'backfill') {
            progress.note(`caught up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (${s.sent.toLocaleString('en-US')} events); now ×${flags.speed}: a simulated day every ${(DAY / flags.speed / 60_000).toFixed(1)} min`);
          }
          status = s;
          rawSent = s.sent;
        },
      }).then((s) => {
        if (s.phase === 'done') progress.note(`the simulated window is fed (${s.sent.toLocaleString('en-US')} events); the dashboard stays up. For a new hospital: another --data-dir, or delete ${config.dataDir}`);
      });
    } else if (flags.input !== null) {
      const input = flags.input;
      // A restart with the same file resumes where the last run had everything stored (input-progress.ts).
      const progressFile = join(config.dataDir, 'input-progress.json');
      const identity = await fileIdentity(input.path);
      const resumed = await loadInputProgress(progressFile, identity);
      let status: FileFeedStatus = { bytes: resumed?.offset ?? 0, size: identity.size, sent: 0, unkeyed: 0, startedAt: resumed?.offset ?? 0, done: false };
      feedText = `${input.path} (${input.format}) → ${config.detector.bus.topics.raw}`;
      if (resumed !== null) {
        feedText += resumed.done ? ' (fed completely before: nothing to send)' : ` (resuming at byte ${resumed.offset.toLocaleString('en-US')} of ${identity.size.toLocaleString('en-US')})`;
        logger.info({ offset: resumed.offset, size: identity.size, done: resumed.done }, 'input file resumed');
      }
      statusLine = () => fileLine(status, alerts());
      const before = resumed?.messages ?? 0;
      feed = (resumed?.done === true
        ? Promise.resolve({ ...status, bytes: identity.size, done: true })
        : runFileFeed({
            path: input.path,
            format: input.format,
            producer: stack.producer,
            topic: stack.rawTopic,
            signal: feedAbort.signal,
            startAt: resumed?.offset ?? 0,
            durable: config.busMode === 'kafka' ? 'sent' : { settled: () => stack.ingest.metrics().settled },
            onCheckpoint: (c) => saveInputProgress(progressFile, { ...identity, offset: c.offset, messages: before + c.sent, done: c.done }),
            onStatus: (s) => {
              status = s;
              rawSent = s.sent;
            },
          })
      ).then((s) => {
        status = s;
        // The bar is otherwise redrawn on a timer: without this the last
        // drawn figure (91 %, say) would stand above "messages sent".
        redraw();
        if (s.done) progress.note(`${input.path}: ${(before + s.sent).toLocaleString('en-US')} messages sent${s.unkeyed > 0 ? ` (${s.unkeyed} without a readable event: ingest dead-letters them)` : ''}; the dashboard stays up`);
      });
    } else {
      feedText = `none (--no-simulator): judging what arrives on ${config.detector.bus.topics.raw}`;
      statusLine = () => ({ fraction: Number.NaN, text: `${stack.ingest.metrics().stored.toLocaleString('en-US')} events stored · ${alerts().toLocaleString('en-US')} alerts` });
    }

    const detection = `rules from ${config.detector.rulesDir} (hot-reloaded)${model === null ? `; ${trainerLine(config.trainer)}` : `, model ${model.version} from ${flags.model ?? ''} (pinned: no trainer)`}`;
    process.stdout.write(banner({ url: stack.url, mode, adminKey, dataDir: config.dataDir, logFile: config.logFile, feed: feedText, detection, cwd: process.cwd() }));
    logger.info({ url: stack.url, startMs: Date.now() - startedAt }, 'chartwatch start: running');

    let firstAlertSeen = false;
    let lastSave = Date.now();
    let lastLog = Date.now();
    // A blocked event loop delays signals, HTTP and the bus alike: worth a number in the log.
    const loopDelay = monitorEventLoopDelay({ resolution: 20 });
    loopDelay.enable();
    lifecycle.add('event-loop monitor', async () => {
      loopDelay.disable();
    });
    const ticker = setInterval(() => {
      const line = redraw();
      if (!firstAlertSeen && alerts() > 0) {
        firstAlertSeen = true;
        const seconds = (Date.now() - startedAt) / 1000;
        logger.info({ seconds }, 'first alert');
        progress.note(`first alert ${seconds.toFixed(1)} s after start`);
      }
      if (Date.now() - lastLog >= LOG_STATUS_MS) {
        lastLog = Date.now();
        const ingest = stack.ingest.metrics();
        const detector = stack.detector.metrics();
        logger.info(
          {
            feed: line?.text,
            stored: ingest.stored,
            dlq: ingest.dlq,
            judged: detector.judged,
            late: detector.late,
            alerts: detector.alertsPublished,
            loopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e6),
            loopDelayMaxMs: Math.round(loopDelay.max / 1e6),
          },
          'status',
        );
        loopDelay.reset();
      }
      if (Date.now() - lastSave >= SAVE_MS) {
        lastSave = Date.now();
        saveState().catch((err: unknown) => logger.warn({ err }, 'could not save the simulation state'));
      }
    }, STATUS_MS);
    ticker.unref();
    lifecycle.add('progress', async () => clearInterval(ticker));
    feed = feed.catch((err: unknown) => {
      logger.error({ err }, 'the feed failed');
      progress.note(`the feed stopped: ${err instanceof Error ? err.message : String(err)} (see ${config.logFile})`);
    });
    lifecycle.add('feed', async () => {
      feedAbort.abort();
      await feed;
      await saveState();
    });

    await stopRequested;
    const line = statusLine();
    if (line !== null) progress.done(line.text);
  } catch (err) {
    logger.error({ err }, 'chartwatch start failed');
    await stopAndClose(lifecycle, logStream);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  process.stderr.write(`${signalled ?? 'stop'}: stopping ${lifecycle.names.reverse().join(', ')}…\n`);
  const clean = await stopAndClose(lifecycle, logStream);
  process.stderr.write(clean ? 'stopped.\n' : `stopped, with errors (see ${config.logFile}).\n`);
  return clean ? 0 : 1;
}

async function stopAndClose(lifecycle: Lifecycle, logStream: NodeJS.WritableStream): Promise<boolean> {
  const clean = await lifecycle.stopAll();
  await new Promise<void>((resolve) => logStream.end(resolve));
  return clean;
}
