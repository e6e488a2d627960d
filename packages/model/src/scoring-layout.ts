import { averagePathLength } from './average-path-length.ts';
import type { ForestNodes } from './forest-nodes.ts';
import { LEAF } from './forest-nodes.ts';

/**
 * The forest re-laid for scoring: every tree as a complete binary tree of
 * exactly `depth` levels (node p has children 2p+1 and 2p+2), its bottom
 * level holding the path length h = depth of the real leaf + c(leaf size).
 * A leaf that stopped above the height limit is padded with pass-through
 * nodes (threshold +Infinity, so every row goes left) down to the bottom.
 *
 * Why: the scorer then walks every tree in exactly `depth` steps with no
 * leaf test and no child pointers to load, the next node is arithmetic on a
 * comparison, and rows are independent chains the CPU can overlap. For ψ =
 * 256 a tree is 255 × 12 + 256 × 8 bytes, so it stays in L1 while a block of
 * rows streams past it. bench/model.bench.ts measures it.
 *
 * wasm-scorer.ts builds its heap-ordered trees from this layout; the
 * JavaScript walk below is what scores where WebAssembly is unavailable
 * (node --jitless) or its memory would pass 1 GiB.
 */
export interface ScoringLayout {
  readonly trees: number;
  readonly depth: number;
  readonly internalPerTree: number;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly leafPath: Float64Array;
}

/** Complete trees grow as 2^depth; past this the pointer walk is used instead. */
export const MAX_COMPLETE_DEPTH = 12;

export function compileForScoring(nodes: ForestNodes, depth: number): ScoringLayout {
  const trees = nodes.treeStart.length - 1;
  const internalPerTree = (1 << depth) - 1;
  const leavesPerTree = 1 << depth;
  const feature = new Int32Array(trees * internalPerTree);
  const threshold = new Float64Array(trees * internalPerTree);
  const leafPath = new Float64Array(trees * leavesPerTree);

  for (let t = 0; t < trees; t++) {
    const fBase = t * internalPerTree;
    const lBase = t * leavesPerTree;
    const padTo = (p: number, level: number, h: number): void => {
      if (level === depth) {
        leafPath[lBase + p - internalPerTree] = h;
        return;
      }
      feature[fBase + p] = 0;
      threshold[fBase + p] = Infinity;
      padTo(2 * p + 1, level + 1, h);
      padTo(2 * p + 2, level + 1, h);
    };
    const place = (node: number, p: number, level: number): void => {
      const f = nodes.feature[node] as number;
      if (f === LEAF) {
        padTo(p, level, level + averagePathLength(nodes.size[node] as number));
        return;
      }
      feature[fBase + p] = f;
      threshold[fBase + p] = nodes.threshold[node] as number;
      place(nodes.left[node] as number, 2 * p + 1, level + 1);
      place(nodes.right[node] as number, 2 * p + 2, level + 1);
    };
    place(nodes.treeStart[t] as number, 0, 0);
  }
  return { trees, depth, internalPerTree, feature, threshold, leafPath };
}

/**
 * Adds each row's path length in every tree to sums[0 .. count). `block` is
 * row-major with `cols` columns.
 *
 * Why it is shaped like this (bench/model.bench.ts measures it):
 * - tree-major order keeps one tree (about 5 KB for ψ = 256) in L1 while the
 *   block of rows streams past it;
 * - the walk is a fixed count of steps whose next node is arithmetic on the
 *   comparison (V8 emits setcc, not a jump), so there is no branch to
 *   mispredict on random data;
 * - eight rows walk the same tree side by side: each walk is a chain of
 *   dependent loads, and eight independent chains let the CPU overlap them.
 *   Eight beat four and sixteen on this machine (more spills registers);
 * - `| 0` keeps the index arithmetic in int32 without overflow checks.
 */
export function addPathLengths(layout: ScoringLayout, block: Float64Array, cols: number, count: number, sums: Float64Array): void {
  const { trees, depth, internalPerTree, feature, threshold, leafPath } = layout;
  const leavesPerTree = internalPerTree + 1;
  const unrolled = count - (count % 8);
  for (let t = 0; t < trees; t++) {
    const fBase = t * internalPerTree;
    const lBase = t * leavesPerTree - internalPerTree;
    for (let r = 0; r < unrolled; r += 8) {
      const b0 = r * cols;
      const b1 = b0 + cols;
      const b2 = b1 + cols;
      const b3 = b2 + cols;
      const b4 = b3 + cols;
      const b5 = b4 + cols;
      const b6 = b5 + cols;
      const b7 = b6 + cols;
      let p0 = 0;
      let p1 = 0;
      let p2 = 0;
      let p3 = 0;
      let p4 = 0;
      let p5 = 0;
      let p6 = 0;
      let p7 = 0;
      for (let k = 0; k < depth; k++) {
        const i0 = (fBase + p0) | 0;
        p0 = (((p0 << 1) | 1) + +((block[(b0 + (feature[i0] as number)) | 0] as number) > (threshold[i0] as number))) | 0;
        const i1 = (fBase + p1) | 0;
        p1 = (((p1 << 1) | 1) + +((block[(b1 + (feature[i1] as number)) | 0] as number) > (threshold[i1] as number))) | 0;
        const i2 = (fBase + p2) | 0;
        p2 = (((p2 << 1) | 1) + +((block[(b2 + (feature[i2] as number)) | 0] as number) > (threshold[i2] as number))) | 0;
        const i3 = (fBase + p3) | 0;
        p3 = (((p3 << 1) | 1) + +((block[(b3 + (feature[i3] as number)) | 0] as number) > (threshold[i3] as number))) | 0;
        const i4 = (fBase + p4) | 0;
        p4 = (((p4 << 1) | 1) + +((block[(b4 + (feature[i4] as number)) | 0] as number) > (threshold[i4] as number))) | 0;
        const i5 = (fBase + p5) | 0;
        p5 = (((p5 << 1) | 1) + +((block[(b5 + (feature[i5] as number)) | 0] as number) > (threshold[i5] as number))) | 0;
        const i6 = (fBase + p6) | 0;
        p6 = (((p6 << 1) | 1) + +((block[(b6 + (feature[i6] as number)) | 0] as number) > (threshold[i6] as number))) | 0;
        const i7 = (fBase + p7) | 0;
        p7 = (((p7 << 1) | 1) + +((block[(b7 + (feature[i7] as number)) | 0] as number) > (threshold[i7] as number))) | 0;
      }
      sums[r] = (sums[r] as number) + (leafPath[lBase + p0] as number);
      sums[r + 1] = (sums[r + 1] as number) + (leafPath[lBase + p1] as number);
      sums[r + 2] = (sums[r + 2] as number) + (leafPath[lBase + p2] as number);
      sums[r + 3] = (sums[r + 3] as number) + (leafPath[lBase + p3] as number);
      sums[r + 4] = (sums[r + 4] as number) + (leafPath[lBase + p4] as number);
      sums[r + 5] = (sums[r + 5] as number) + (leafPath[lBase + p5] as number);
      sums[r + 6] = (sums[r + 6] as number) + (leafPath[lBase + p6] as number);
      sums[r + 7] = (sums[r + 7] as number) + (leafPath[lBase + p7] as number);
    }
    for (let r = unrolled; r < count; r++) {
      const b = r * cols;
      let p = 0;
      for (let k = 0; k < depth; k++) {
        const i = (fBase + p) | 0;
        p = (((p << 1) | 1) + +((block[(b + (feature[i] as number)) | 0] as number) > (threshold[i] as number))) | 0;
      }
      sums[r] = (sums[r] as number) + (leafPath[lBase + p] as number);
    }
  }
}

/** The same sums by walking the pointer form: for height limits too deep to lay out completely. */
export function addPathLengthsByWalk(nodes: ForestNodes, block: Float64Array, cols: number, count: number, sums: Float64Array): void {
  const { treeStart, feature, threshold, left, right, size } = nodes;
  const trees = treeStart.length - 1;
  for (let r = 0; r < count; r++) {
    const rowBase = r * cols;
    let total = 0;
    for (let t = 0; t < trees; t++) {
      let node = treeStart[t] as number;
      let level = 0;
      let f = feature[node] as number;
      while (f !== LEAF) {
        node = (block[rowBase + f] as number) <= (threshold[node] as number) ? (left[node] as number) : (right[node] as number);
        f = feature[node] as number;
        level++;
      }
      total += level + averagePathLength(size[node] as number);
    }
    sums[r] = (sums[r] as number) + total;
  }
}
