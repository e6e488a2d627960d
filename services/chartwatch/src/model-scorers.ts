import type { ReferenceLookup, ReplayScorer } from '@chartwatch/detect';
import { BehaviourModel, createModelScorer } from '@chartwatch/model';
import { readFlagFile } from '@chartwatch/settings';

/** Reads a model file; a missing file is a ConfigError on --model, a bad one CW_ERR_MODEL naming the field. */
export async function loadModelFile(path: string): Promise<BehaviourModel> {
  return BehaviourModel.fromJSON(await readFlagFile('--model', path), path);
}

/**
 * Where `--model FILE` becomes scorers for replay: the saved per-role
 * forests score actor-days beside the rules, through the same seam the live
 * detector uses, so replay with a model equals live with that model.
 */
export async function loadModelScorers(modelPath: string, context: { reference: ReferenceLookup; timezone: string }): Promise<ReplayScorer[]> {
  const model = await loadModelFile(modelPath);
  return [createModelScorer({ model, reference: context.reference, timezone: context.timezone })];
}
