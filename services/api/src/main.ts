import type { Bus } from '@chartwatch/bus';
import { chartwatchTopics, createKafkaBus } from '@chartwatch/bus';
import { createLogger, drainOnSignals } from '@chartwatch/logger';
import { openStore, storeConfigFromEnv } from '@chartwatch/store';
import { buildApi } from './app.ts';
import { apiConfigFromEnv } from './config.ts';
import type { ConsumerLagSource } from './consumer-lag.ts';
import { kafkaConsumerLag } from './consumer-lag.ts';
import { createApiMetrics } from './metrics.ts';
import type { WebhookFeed } from './webhook-feed.ts';
import { createIncidentFeed } from './webhook-feed.ts';

/**
 * Standalone API process: config from the environment, the store, the app,
 * listen; with WEBHOOK_URLS, the webhook feed reading the alerts topic from
 * Kafka; with KAFKA_BROKERS, consumer lag for the overview from the Kafka
 * admin. SIGTERM/SIGINT stop the feed, close the server (in-flight requests
 * finish, new ones get 503) and then the store, under API_SHUTDOWN_TIMEOUT_MS.
 */
async function main(): Promise<void> {
  const config = apiConfigFromEnv(process.env);
  const logger = createLogger({ level: config.logLevel, name: 'chartwatch-api' });
  const storeConfig = storeConfigFromEnv(process.env);
  const store = await openStore(storeConfig);
  await store.migrate();
  const metrics = createApiMetrics();
  const kafka = config.bus.brokers.length > 0;
  const consumerLag: ConsumerLagSource | undefined = kafka ? kafkaConsumerLag(config.bus.brokers, config.bus.clientId, config.lagGroups, config.bus.security) : undefined;
  const app = await buildApi({ config, store, logger, metrics, retentionYears: storeConfig.retentionYears, ...(consumerLag ? { consumerLag } : {}) });

  let bus: Bus | null = null;
  let feed: WebhookFeed | null = null;
  if (config.webhooks !== null) {
    // apiConfigFromEnv refused WEBHOOK_URLS without KAFKA_BROKERS.
    bus = createKafkaBus(config.bus, { logger: logger.child({ component: 'bus' }) });
    await bus.ensureTopics(chartwatchTopics(config.bus));
    feed = createIncidentFeed({ webhooks: config.webhooks, bus, topic: config.bus.topics.alerts, metrics, logger, store, untilDelivered: true });
    await feed.start();
  }

  drainOnSignals({
    logger,
    deadlineMs: config.shutdownTimeoutMs,
    lostAtDeadline: 'requests in flight cut off and undelivered webhooks left on the topic',
    drain: async () => {
      // The feed first: what it had not delivered stays uncommitted on the topic for the next start.
      await feed?.stop();
      await bus?.close();
      await app.close();
      await consumerLag?.close();
      await store.close();
    },
  });

  const address = await app.listen({ host: config.host, port: config.port });
  logger.info({ url: address, docs: `${address}/docs`, webhooks: config.webhooks?.urls.length ?? 0 }, 'chartwatch API listening');
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
