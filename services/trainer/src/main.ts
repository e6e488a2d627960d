import { isChartwatchError } from '@chartwatch/errors';
import { createLogger } from '@chartwatch/logger';
import { modelRegistryMigrations, openStore } from '@chartwatch/store';
import { createTrainerService } from './app.ts';
import { trainerConfigFromEnv } from './config.ts';
import type { TrainerConfig } from './config.ts';

/**
 * The trainer service: history in ClickHouse → behavioural model → model
 * registry, every TRAINER_INTERVAL and on demand (SIGHUP, or `--once` to
 * train one model and exit, as a cron job or a Kubernetes Job would run it).
 * SIGTERM or SIGINT stops the schedule and waits for a run in flight, under
 * TRAINER_SHUTDOWN_TIMEOUT_MS.
 */
async function main(argv: string[]): Promise<void> {
  let config: TrainerConfig;
  try {
    config = trainerConfigFromEnv(process.env);
  } catch (err) {
    console.error(isChartwatchError(err) ? err.message : err);
    process.exitCode = 78; // EX_CONFIG
    return;
  }
  const logger = createLogger({ level: config.logLevel, name: 'chartwatch-trainer' });
  const store = await openStore(config.store);
  await store.migrate(modelRegistryMigrations);
  const service = createTrainerService({ config, store, logger });

  if (argv.includes('--once')) {
    try {
      await service.trainNow();
    } catch (err) {
      logger.error({ err }, 'training failed');
      process.exitCode = 1;
    } finally {
      await store.close();
    }
    return;
  }

  let shuttingDown = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'stopping');
    setTimeout(() => {
      logger.error({ deadlineMs: config.shutdownTimeoutMs }, 'a training run outlived the deadline; exiting without it');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    try {
      await service.stop();
      await store.close();
      logger.info('stopped');
    } catch (err) {
      logger.error({ err }, 'error while stopping');
      process.exitCode = 1;
    }
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown(signal));
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: training now');
    service.trainNow().catch((err: unknown) => logger.error({ err }, 'training failed'));
  });
  await service.start();
  // The schedule's timer is unref()'d: this keeps the process up until a signal stops it.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  process.once('beforeExit', () => clearInterval(keepAlive));
}

await main(process.argv.slice(2));
