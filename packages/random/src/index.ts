export { createRandom, deriveSeed } from './mulberry32.ts';
export type { Random } from './mulberry32.ts';
export { Rng } from './rng.ts';
