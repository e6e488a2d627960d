import { BehaviourModel } from './behaviour-model.ts';
import type { ModelHolder } from './model-holder.ts';

/** Where registered models come from: @chartwatch/store's model registry answers both. */
export interface ModelSource {
  /** The newest registry version number, or null when none is registered. */
  latestVersion(): Promise<number | null>;
  /** The model JSON of a registry version. */
  modelJson(version: number): Promise<string | null>;
}

/** The version text the trainer gives registry version n (what alerts name). */
export function registryModelVersion(n: number): string {
  return `v${n}`;
}

export interface RefreshOutcome {
  /** True when the holder now has a model it did not have before. */
  changed: boolean;
  version: string | null;
}

/**
 * Brings the holder up to the newest registered model: one cheap query when
 * nothing changed, the model's JSON only when it did. A detector calls this
 * on a timer; every scorer sharing the holder scores with the new model from
 * the next window it closes, so a new version needs no restart. A model that
 * fails to parse leaves the holder as it was (the error propagates).
 */
export async function refreshModel(holder: ModelHolder, source: ModelSource): Promise<RefreshOutcome> {
  const latest = await source.latestVersion();
  const held = holder.current()?.version ?? null;
  if (latest === null || held === registryModelVersion(latest)) return { changed: false, version: held };
  const json = await source.modelJson(latest);
  if (json === null) return { changed: false, version: held };
  const changed = holder.set(BehaviourModel.fromJSON(json, `model registry version ${latest}`));
  return { changed, version: holder.current()?.version ?? null };
}
