/**
 * A seeded source of uniform numbers in [0, 1).
 *
 * mulberry32: 32 bits of state, one multiply-xorshift round per draw. It is
 * not cryptographic and does not need to be: the forest only needs draws that
 * are cheap, well spread and the same for the same seed, so that a model can
 * be rebuilt bit for bit from (data, options).
 */
export type Random = () => number;

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
