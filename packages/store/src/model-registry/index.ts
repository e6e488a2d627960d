/**
 * The model registry (services/trainer writes it, the detector reads it):
 * its migration and its queries. The store's index.ts re-exports this list.
 */
export { modelRegistryMigrations } from './migrations.ts';
export { saveModel, latestModel, latestModelVersion, modelByVersion, listModels, newestModelSummary, nextModelVersion, alertedWindows } from './queries.ts';
export type { StoredModel, ModelSummary, RegistryDb, AlertedActorWindow } from './queries.ts';
