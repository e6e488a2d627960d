import { createLogger } from '@chartwatch/logger';
import { openStore, storeConfigFromEnv } from '@chartwatch/store';
import { buildApi } from './app.ts';
import { apiConfigFromEnv } from './config.ts';

/**
 * Standalone API process: config from the environment, the store, the app,
 * listen; SIGTERM/SIGINT close the server (in-flight requests finish, new
 * ones get 503) and then the store, under API_SHUTDOWN_TIMEOUT_MS.
 */
async function main(): Promise<void> {
  const config = apiConfigFromEnv(process.env);
  const logger = createLogger({ level: config.logLevel, name: 'chartwatch-api' });
  const storeConfig = storeConfigFromEnv(process.env);
  const store = await openStore(storeConfig);
  await store.migrate();
  const app = await buildApi({ config, store, logger, retentionYears: storeConfig.retentionYears });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown deadline passed; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    try {
      await app.close();
      await store.close();
      process.exitCode = 0;
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exitCode = 1;
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  const address = await app.listen({ host: config.host, port: config.port });
  logger.info({ url: address, docs: `${address}/docs` }, 'chartwatch API listening');
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
