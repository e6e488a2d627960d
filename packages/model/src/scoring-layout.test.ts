import { describe, expect, it } from 'vitest';
import { heightLimit } from './average-path-length.ts';
import { growForest } from './grow-forest.ts';
import { createRandom } from '@chartwatch/random';
import { addPathLengths, addPathLengthsByWalk, compileForScoring } from './scoring-layout.ts';

describe('compiled scoring layout', () => {
  it('gives exactly the path lengths of the pointer walk, for unrolled and tail rows alike', () => {
    const r = createRandom(99);
    const rows = 300;
    const cols = 3;
    // Integer-valued columns make ties with no threshold impossible but keep leaves of size > 1.
    const data = Float64Array.from({ length: rows * cols }, (_, i) => (i % cols === 2 ? Math.floor(r() * 4) : r() * 10 - 5));
    for (const psi of [2, 7, 64, 256]) {
      const nodes = growForest({ data, rows, cols }, { trees: 13, samplesPerTree: psi, heightLimit: heightLimit(psi) }, createRandom(psi));
      const layout = compileForScoring(nodes, heightLimit(psi));
      // 29 rows: three unrolled groups of eight and a tail of five.
      const block = data.subarray(0, 29 * cols);
      const compiled = new Float64Array(29);
      const walked = new Float64Array(29);
      addPathLengths(layout, block, cols, 29, compiled);
      addPathLengthsByWalk(nodes, block, cols, 29, walked);
      expect(compiled).toEqual(walked);
      expect(compiled.every((v) => v > 0)).toBe(true);
    }
  });
});
