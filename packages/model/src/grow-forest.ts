import type { ForestNodes } from './forest-nodes.ts';
import { LEAF } from './forest-nodes.ts';
import type { Matrix } from './matrix.ts';
import type { Random } from '@chartwatch/random';

export interface GrowOptions {
  readonly trees: number;
  /** ψ actually used: min(requested sample size, rows). */
  readonly samplesPerTree: number;
  readonly heightLimit: number;
}

/**
 * Grows the forest as Liu, Ting and Zhou (2008) describe it: each tree sees
 * ψ rows drawn without replacement, splits on a feature drawn at random among
 * those not constant in the node, at a threshold drawn uniformly in
 * [min, max) of the node's points, and stops at ⌈log2 ψ⌉ or one point.
 *
 * The sub-sample is an index array partitioned in place (as quicksort does),
 * so growing a tree allocates nothing and touches only ψ rows.
 */
export function growForest(x: Matrix, options: GrowOptions, random: Random): ForestNodes {
  const { trees, samplesPerTree: psi, heightLimit } = options;
  const { data, rows, cols } = x;
  const capacity = trees * (2 * psi - 1);
  const feature = new Int32Array(capacity);
  const threshold = new Float64Array(capacity);
  const left = new Int32Array(capacity);
  const right = new Int32Array(capacity);
  const size = new Int32Array(capacity);
  const treeStart = new Int32Array(trees + 1);

  // A partial Fisher-Yates shuffle of `pool` yields a uniform sample without
  // replacement whatever order the pool is in, so it is never reset.
  const pool = new Int32Array(rows);
  for (let i = 0; i < rows; i++) pool[i] = i;
  const sample = new Int32Array(psi);
  const featureOrder = new Int32Array(cols);
  for (let c = 0; c < cols; c++) featureOrder[c] = c;
  let count = 0;

  const grow = (lo: number, hi: number, depth: number): number => {
    const node = count++;
    const n = hi - lo;
    size[node] = n;
    left[node] = LEAF;
    right[node] = LEAF;
    feature[node] = LEAF;
    threshold[node] = 0;
    if (depth >= heightLimit || n <= 1) return node;

    // Draw features without replacement until one varies in this node: the
    // same as drawing uniformly among the non-constant ones, as scikit-learn's
    // random splitter does. If none varies the node cannot be split.
    let f = LEAF;
    let min = 0;
    let max = 0;
    for (let k = 0; k < cols; k++) {
      const j = k + Math.floor(random() * (cols - k));
      const candidate = featureOrder[j] as number;
      featureOrder[j] = featureOrder[k] as number;
      featureOrder[k] = candidate;
      min = Infinity;
      max = -Infinity;
      for (let i = lo; i < hi; i++) {
        const v = data[(sample[i] as number) * cols + candidate] as number;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (max > min) {
        f = candidate;
        break;
      }
    }
    if (f === LEAF) return node;

    // min + u (max - min) can round up to max; then nothing would go right.
    let t = min + random() * (max - min);
    if (t >= max) t = min;

    let mid = lo;
    for (let i = lo; i < hi; i++) {
      const s = sample[i] as number;
      if ((data[s * cols + f] as number) <= t) {
        sample[i] = sample[mid] as number;
        sample[mid++] = s;
      }
    }
    feature[node] = f;
    threshold[node] = t;
    left[node] = grow(lo, mid, depth + 1);
    right[node] = grow(mid, hi, depth + 1);
    return node;
  };

  for (let tree = 0; tree < trees; tree++) {
    treeStart[tree] = count;
    for (let k = 0; k < psi; k++) {
      const j = k + Math.floor(random() * (rows - k));
      const picked = pool[j] as number;
      pool[j] = pool[k] as number;
      pool[k] = picked;
      sample[k] = picked;
    }
    grow(0, psi, 0);
  }
  treeStart[trees] = count;

  return {
    treeStart,
    feature: feature.slice(0, count),
    threshold: threshold.slice(0, count),
    left: left.slice(0, count),
    right: right.slice(0, count),
    size: size.slice(0, count),
  };
}
