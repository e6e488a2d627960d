import type { BehaviourModel } from './behaviour-model.ts';

/**
 * The model scorers score with, swappable while they run: the detector sets
 * a newer version when the registry has one, and every scorer holding this
 * uses it from the next window it closes. No restart, no lost window state.
 */
export class ModelHolder {
  #model: BehaviourModel | null;
  #swaps = 0;

  constructor(model: BehaviourModel | null = null) {
    this.#model = model;
  }

  current(): BehaviourModel | null {
    return this.#model;
  }

  /** Installs `model`; returns false (and changes nothing) when it is the version already held. */
  set(model: BehaviourModel): boolean {
    if (this.#model !== null && this.#model.version === model.version) return false;
    this.#model = model;
    this.#swaps++;
    return true;
  }

  /** Models installed by set(). */
  get swaps(): number {
    return this.#swaps;
  }
}
