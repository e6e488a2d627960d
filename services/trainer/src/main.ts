import { isChartwatchError } from '@chartwatch/errors';
import { createLogger, drainOnSignals } from '@chartwatch/logger';
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

  drainOnSignals({
    logger,
    deadlineMs: config.shutdownTimeoutMs,
    lostAtDeadline: 'the training run in progress unfinished (nothing registered from it)',
    drain: async () => {
      await service.stop();
      await store.close();
    },
  });
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
