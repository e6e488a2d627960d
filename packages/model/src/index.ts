export { IsolationForest } from './isolation-forest.ts';
export type { IsolationForestOptions } from './isolation-forest.ts';
export type { IsolationForestJSON } from './forest-json.ts';
export { FOREST_FORMAT, FOREST_FORMAT_VERSION } from './forest-json.ts';
export type { FeatureRows, Matrix } from './matrix.ts';
export { averagePathLength, heightLimit } from './average-path-length.ts';
export { createRandom } from './random.ts';
export type { Random } from './random.ts';
export { chooseThreshold } from './threshold.ts';
