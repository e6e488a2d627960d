export { createDetectorService, runDetectorOnBus } from './app.ts';
export type {
  DetectorMetrics,
  DetectorRun,
  DetectorRunOptions,
  DetectorRunSettings,
  DetectorService,
  DetectorServiceConfig,
  DetectorServiceDeps,
  DetectorStore,
  PartitionSummary,
  SuppressionLoader,
} from './app.ts';
export { ALERT_HEADERS, alertMessage } from './alert-publisher.ts';
export type { AlertStore, PublishCounts, SuppressionCheck } from './alert-publisher.ts';
export { detectorConfigFromEnv, DETECTOR_DEFAULTS } from './config.ts';
export type { DetectorConfig } from './config.ts';
export { storeHistory } from './history-source.ts';
export type { EventHistoryStore, HistorySource } from './history-source.ts';
export { warmupHorizonMs } from './warmup-horizon.ts';
export { createRulesWatcher } from './rules-watcher.ts';
export type { RulePack, RulesWatcher, RulesWatcherOptions, ReloadOutcome } from './rules-watcher.ts';
