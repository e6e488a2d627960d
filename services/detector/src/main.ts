import { createKafkaBus } from '@chartwatch/bus';
import { isChartwatchError } from '@chartwatch/errors';
import { createLogger, drainOnSignals } from '@chartwatch/logger';
import { ModelHolder } from '@chartwatch/model';
import { modelRegistryMigrations, openStore } from '@chartwatch/store';
import { createDetectorService } from './app.ts';
import { detectorConfigFromEnv } from './config.ts';
import type { DetectorConfig } from './config.ts';
import { modelRefreshMsFromEnv, registryModelSource } from './model-refresh.ts';

/**
 * The detector service: Kafka ehr.audit.events → rules → ClickHouse alerts
 * + Kafka ehr.alerts. Config from the environment, once; SIGTERM or SIGINT
 * drains: stop the watchers, finish (or leave uncommitted) the sub-batch in
 * flight, close Kafka then ClickHouse, all under DETECTOR_SHUTDOWN_TIMEOUT_MS.
 */
async function main(): Promise<void> {
  let config: DetectorConfig;
  let modelRefreshMs: number;
  try {
    config = detectorConfigFromEnv(process.env);
    modelRefreshMs = modelRefreshMsFromEnv(process.env);
  } catch (err) {
    console.error(isChartwatchError(err) ? err.message : err);
    process.exitCode = 78; // EX_CONFIG
    return;
  }
  const logger = createLogger({ level: config.logLevel, name: 'chartwatch-detector' });
  const store = await openStore(config.store);
  // The registry's table too: the detector polls it for the trainer's models.
  await store.migrate(modelRegistryMigrations);
  const bus = createKafkaBus(config.bus, { logger: logger.child({ component: 'bus' }) });
  const service = createDetectorService({
    config,
    store,
    bus,
    logger,
    // Rules only until the trainer registers a first model; each newer version is swapped in within DETECTOR_MODEL_REFRESH_MS.
    model: { holder: new ModelHolder(), source: registryModelSource(store), refreshMs: modelRefreshMs },
  });

  const shutdown = drainOnSignals({
    logger,
    deadlineMs: config.shutdownTimeoutMs,
    lostAtDeadline: 'the unfinished sub-batch uncommitted',
    drain: async () => {
      await service.stop();
      await bus.close();
      await store.close();
    },
  });

  try {
    await service.start();
  } catch (err) {
    logger.fatal({ err }, 'detector could not start');
    await shutdown('start-failure');
    process.exitCode = 1;
  }
}

await main();
