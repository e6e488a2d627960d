import { createKafkaBus } from '@chartwatch/bus';
import { isChartwatchError } from '@chartwatch/errors';
import { openStore } from '@chartwatch/store';
import { drainOnSignals } from '@chartwatch/logger';
import { createIngest } from './app.ts';
import { ingestConfigFromEnv, type IngestConfig } from './config.ts';
import { createIngestLogger } from './logger.ts';

/**
 * The ingest service: Kafka ehr.audit.raw → ClickHouse + ehr.audit.events
 * (+ ehr.audit.dlq). Config from the environment, once; SIGTERM or SIGINT
 * drains: stop fetching, finish the sub-batch in flight, commit what was
 * stored, close Kafka then ClickHouse, all under INGEST_SHUTDOWN_TIMEOUT_MS.
 */
async function main(): Promise<void> {
  let config: IngestConfig;
  try {
    config = ingestConfigFromEnv(process.env);
  } catch (err) {
    console.error(isChartwatchError(err) ? err.message : err);
    process.exitCode = 78; // EX_CONFIG
    return;
  }
  const logger = createIngestLogger(config.logLevel);
  const store = await openStore(config.store);
  await store.migrate();
  const bus = createKafkaBus(config.bus, { logger: logger.child({ component: 'bus' }) });
  const ingest = createIngest({ config, store, bus, logger });

  const shutdown = drainOnSignals({
    logger,
    deadlineMs: config.shutdownTimeoutMs,
    lostAtDeadline: 'offsets of the unfinished batch uncommitted',
    drain: async () => {
      await ingest.stop();
      await bus.close();
      await store.close();
    },
    drainedFields: () => ({ metrics: ingest.metrics() }),
  });

  try {
    await ingest.start();
  } catch (err) {
    logger.fatal({ err }, 'ingest could not start');
    await shutdown('start-failure');
    process.exitCode = 1;
  }
}

await main();
