import { describe, expect, it } from 'vitest';
import { heightLimit } from './average-path-length.ts';
import { growForest } from './grow-forest.ts';
import { LANES } from './path-length-kernel.ts';
import { createRandom } from '@chartwatch/random';
import { addPathLengthsByWalk, compileForScoring } from './scoring-layout.ts';
import { WasmScorer } from './wasm-scorer.ts';

function randomMatrix(seed: number, rows: number, cols: number): Float64Array {
  const r = createRandom(seed);
  // Every third column small integers, so leaves of size > 1 and values equal to thresholds' neighbours occur.
  return Float64Array.from({ length: rows * cols }, (_, i) => (i % cols) % 3 === 2 ? Math.floor(r() * 4) : r() * 10 - 5);
}

describe('WasmScorer', () => {
  it('gives exactly the pointer walk\'s path lengths for every depth, width and tail length', () => {
    for (const [psi, cols] of [[2, 1], [7, 3], [64, 5], [256, 40], [2048, 2]] as const) {
      const rows = 3 * LANES * 2 + 11;
      const data = randomMatrix(psi + cols, rows, cols);
      const nodes = growForest({ data, rows, cols }, { trees: 13, samplesPerTree: psi, heightLimit: heightLimit(psi) }, createRandom(psi));
      const scorer = WasmScorer.create(compileForScoring(nodes, heightLimit(psi)), cols);
      if (scorer === null) throw new Error('WebAssembly is unavailable');
      // A lone row, whole groups, and last partial groups of several sizes.
      for (const count of [1, 2, 3, 4, 5, LANES - 1, LANES, LANES + 1, LANES + 3, LANES + 4, 2 * LANES + 9, Math.min(rows, scorer.rowsPerBlock)]) {
        for (const from of [0, 5]) {
          const n = Math.min(count, rows - from);
          const walked = new Float64Array(n);
          addPathLengthsByWalk(nodes, data.subarray(from * cols, (from + n) * cols), cols, n, walked);
          const asRows = Array.from({ length: rows }, (_, r) => Array.from(data.subarray(r * cols, (r + 1) * cols)));
          expect(scorer.pathLengths({ data, rows, cols }, from, n).slice(0, n)).toEqual(walked);
          expect(scorer.pathLengths(asRows, from, n).slice(0, n)).toEqual(walked);
          expect(walked.every((v) => v > 0)).toBe(true);
        }
      }
    }
  });

  it('sends a value equal to a threshold left, as the pointer walk does', () => {
    const cols = 3;
    const rows = 200;
    const data = randomMatrix(5, rows, cols);
    const nodes = growForest({ data, rows, cols }, { trees: 20, samplesPerTree: 64, heightLimit: 6 }, createRandom(5));
    // Rows made of split thresholds: every step of a walk may meet x === threshold.
    const byColumn: number[][] = Array.from({ length: cols }, () => []);
    nodes.feature.forEach((f, i) => {
      if (f >= 0) byColumn[f]?.push(nodes.threshold[i] as number);
    });
    const r = createRandom(6);
    const onSplits = Float64Array.from({ length: rows * cols }, (_, i) => {
      const pool = byColumn[i % cols] as number[];
      return pool[Math.floor(r() * pool.length)] as number;
    });
    const walked = new Float64Array(rows);
    addPathLengthsByWalk(nodes, onSplits, cols, rows, walked);
    const scorer = WasmScorer.create(compileForScoring(nodes, 6), cols);
    if (scorer === null) throw new Error('WebAssembly is unavailable');
    const got = new Float64Array(rows);
    for (let from = 0; from < rows; from += scorer.rowsPerBlock) {
      const n = Math.min(scorer.rowsPerBlock, rows - from);
      got.set(scorer.pathLengths({ data: onSplits, rows, cols }, from, n).subarray(0, n), from);
    }
    expect(got).toEqual(walked);
  });

  it('refuses NaN and a wrong width, naming the row and column, from rows and from a matrix', () => {
    const data = randomMatrix(1, 40, 4);
    const nodes = growForest({ data, rows: 40, cols: 4 }, { trees: 3, samplesPerTree: 16, heightLimit: 4 }, createRandom(1));
    const scorer = WasmScorer.create(compileForScoring(nodes, 4), 4);
    if (scorer === null) throw new Error('WebAssembly is unavailable');
    const rows = Array.from({ length: 40 }, (_, r) => Array.from(data.subarray(r * 4, r * 4 + 4)));
    rows[23] = [0, 1, Number.NaN, 3];
    expect(() => scorer.pathLengths(rows, 20, 10)).toThrow(/score: row 23 column 2 is NaN/);
    rows[23] = [0, 1];
    expect(() => scorer.pathLengths(rows, 20, 10)).toThrow(/score: row 23 has 2 columns, the model was fitted on 4/);
    // The first bad row is the one named, whichever its fault: NaN is looked for per block, widths per row.
    rows[21] = [0, Number.NaN, 2, Number.NaN];
    expect(() => scorer.pathLengths(rows, 20, 10)).toThrow(/score: row 21 column 1 is NaN/);
    rows[21] = [0, 1, 2, 3];
    rows[25] = [Number.NaN, 1, 2, 3];
    expect(() => scorer.pathLengths(rows, 20, 10)).toThrow(/score: row 23 has 2 columns/);
    // A NaN after the rows scored is not looked at (row 30 is outside [20, 28)).
    rows[23] = [0, 1, 2, 3];
    rows[25] = [0, 1, 2, 3];
    rows[30] = [Number.NaN, 1, 2, 3];
    expect(() => scorer.pathLengths(rows, 20, 8)).not.toThrow();
    data[27 * 4 + 3] = Number.NaN;
    expect(() => scorer.pathLengths({ data, rows: 40, cols: 4 }, 20, 10)).toThrow(/score: row 27 column 3 is NaN/);
  });
});
