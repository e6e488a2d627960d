import { readFile } from 'node:fs/promises';
import type { ReferenceLookup, ReplayScorer } from '@chartwatch/detect';
import { ConfigError } from '@chartwatch/errors';
import { BehaviourModel, createModelScorer } from '@chartwatch/model';

/** Reads a model file; a missing file is a ConfigError on --model, a bad one CW_ERR_MODEL naming the field. */
export async function loadModelFile(path: string): Promise<BehaviourModel> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError('--model', `cannot read ${path}: ${(err as Error).message}`);
  }
  return BehaviourModel.fromJSON(text, path);
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
