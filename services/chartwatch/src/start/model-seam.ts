import type { ReferenceLookup, ReplayScorer } from '@chartwatch/detect';
import { ModelHolder, createModelScorer, type BehaviourModel } from '@chartwatch/model';

/**
 * Where the isolation forest joins the rules in the all-in-one process.
 * Every partition of the detector scores with model scorers that read one
 * ModelHolder; installing a model there (`holder.set(model)`) makes every
 * partition score with it from the next window it closes, with no restart
 * and no lost state. Today a model comes from `--model FILE` (written by
 * `chartwatch train --model-out`); the trainer service, once it exists,
 * installs the versions it trains on its schedule through the same holder.
 */
export interface ModelSeam {
  holder: ModelHolder;
  /** For the detector: a fresh scorer per partition state, as replay runs them. */
  scorers(reference: ReferenceLookup, timezone: string): (partition: number) => readonly ReplayScorer[];
}

export function createModelSeam(initial: BehaviourModel | null): ModelSeam {
  const holder = new ModelHolder(initial);
  return {
    holder,
    scorers: (reference, timezone) => () => [createModelScorer({ model: holder, reference, timezone })],
  };
}
