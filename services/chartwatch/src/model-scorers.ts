import type { ReplayScorer } from '@chartwatch/detect';
import { ConfigError } from '@chartwatch/errors';

/**
 * The seam where `--model FILE` becomes scorers for replay (and later the
 * live detector): load the model file and return a ReplayScorer per model.
 * Until model scoring is wired in, asking for it is a configuration error
 * rather than a silently ignored flag.
 */
export function loadModelScorers(modelPath: string): Promise<ReplayScorer[]> {
  return Promise.reject(new ConfigError('--model', `cannot score with ${modelPath}: model scoring is not wired into replay yet`));
}
