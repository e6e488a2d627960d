import { z } from 'zod';
import type { ReferenceLookup, ReplayScorer } from '@chartwatch/detect';
import { ConfigError } from '@chartwatch/errors';
import { createModelScorer } from '@chartwatch/model';
import type { ModelHolder, ModelScorer, ModelSource } from '@chartwatch/model';
import { latestModelVersion, modelByVersion } from '@chartwatch/store';
import type { RegistryDb } from '@chartwatch/store';

/** How often the detector asks the registry for a newer model, unless DETECTOR_MODEL_REFRESH_MS says otherwise. */
export const DEFAULT_MODEL_REFRESH_MS = 60_000;

const refreshMs = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v),
  z.coerce.number().int().min(1_000).max(86_400_000).default(DEFAULT_MODEL_REFRESH_MS),
);

/**
 * DETECTOR_MODEL_REFRESH_MS, read once at the edge beside the detector's
 * other settings: milliseconds between two registry polls (1 s – 1 day).
 */
export function modelRefreshMsFromEnv(env: Record<string, string | undefined>): number {
  const result = refreshMs.safeParse(env['DETECTOR_MODEL_REFRESH_MS']);
  if (!result.success) throw new ConfigError('DETECTOR_MODEL_REFRESH_MS', `got ${JSON.stringify(env['DETECTOR_MODEL_REFRESH_MS'])}, expected milliseconds from 1000 to 86400000`);
  return result.data;
}

/** The model registry in the store as refreshModel's source: one cheap query per poll, the JSON only for a new version. */
export function registryModelSource(store: RegistryDb): ModelSource {
  return {
    latestVersion: () => latestModelVersion(store),
    modelJson: async (version) => (await modelByVersion(store, version))?.json ?? null,
  };
}

/**
 * Model scorers for the detector's partitions, all reading one holder, so a
 * model swapped into the holder is used by every partition from the next
 * window it closes. Keeps the live scorer of each partition so a reference
 * reload reaches the scorers too, not only the rules core.
 */
export interface PartitionModelScorers {
  scorers(partition: number): readonly ReplayScorer[];
  setReference(reference: ReferenceLookup): void;
}

export function partitionModelScorers(holder: ModelHolder, reference: ReferenceLookup, timezone: string): PartitionModelScorers {
  let current = reference;
  const live = new Map<number, ModelScorer>();
  return {
    scorers(partition: number): readonly ReplayScorer[] {
      // A rebuild replaces the partition's state: the scorer it replaces is dropped with it.
      const scorer = createModelScorer({ model: holder, reference: current, timezone });
      live.set(partition, scorer);
      return [scorer];
    },
    setReference(next: ReferenceLookup): void {
      current = next;
      for (const s of live.values()) s.setReference(next);
    },
  };
}
