import { ChartwatchError } from '@chartwatch/errors';
import { heightLimit } from './average-path-length.ts';
import type { ForestNodes } from './forest-nodes.ts';
import { LEAF } from './forest-nodes.ts';

export const FOREST_FORMAT = 'chartwatch-isolation-forest';
export const FOREST_FORMAT_VERSION = 1;

/**
 * A fitted forest as plain JSON. Trees are stored in pre-order, so the child
 * links are implied by the order and need not be written: `feature` has one
 * entry per node (-1 for a leaf), `threshold` one per split node and
 * `leafSize` one per leaf, each in the order the nodes appear.
 */
export interface IsolationForestJSON {
  readonly format: typeof FOREST_FORMAT;
  readonly version: typeof FOREST_FORMAT_VERSION;
  readonly trees: number;
  /** ψ as requested. */
  readonly sampleSize: number;
  /** ψ as used: min(sampleSize, rows fitted). */
  readonly samplesPerTree: number;
  readonly seed: number;
  /** Columns the forest was fitted on. */
  readonly features: number;
  readonly treeNodeCounts: readonly number[];
  readonly feature: readonly number[];
  readonly threshold: readonly number[];
  readonly leafSize: readonly number[];
}

export interface ForestMeta {
  readonly trees: number;
  readonly sampleSize: number;
  readonly samplesPerTree: number;
  readonly seed: number;
  readonly features: number;
}

export function forestToJSON(meta: ForestMeta, nodes: ForestNodes): IsolationForestJSON {
  const treeNodeCounts: number[] = [];
  for (let t = 0; t < meta.trees; t++) treeNodeCounts.push((nodes.treeStart[t + 1] as number) - (nodes.treeStart[t] as number));
  const feature: number[] = [];
  const threshold: number[] = [];
  const leafSize: number[] = [];
  // Nodes are already stored in pre-order by growForest and nodesFromJSON.
  for (let i = 0; i < nodes.feature.length; i++) {
    const f = nodes.feature[i] as number;
    feature.push(f);
    if (f === LEAF) leafSize.push(nodes.size[i] as number);
    else threshold.push(nodes.threshold[i] as number);
  }
  return {
    format: FOREST_FORMAT,
    version: FOREST_FORMAT_VERSION,
    trees: meta.trees,
    sampleSize: meta.sampleSize,
    samplesPerTree: meta.samplesPerTree,
    seed: meta.seed,
    features: meta.features,
    treeNodeCounts,
    feature,
    threshold,
    leafSize,
  };
}

function corrupt(field: string, problem: string): ChartwatchError {
  return new ChartwatchError('CW_ERR_MODEL', `isolation forest JSON: ${field}: ${problem}`);
}

function integerField(json: Record<string, unknown>, field: string, min: number, max: number): number {
  const v = json[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw corrupt(field, `${JSON.stringify(v)} is not an integer in [${min}, ${max}]`);
  }
  return v;
}

function arrayField(json: Record<string, unknown>, field: string): readonly unknown[] {
  const v = json[field];
  if (!Array.isArray(v)) throw corrupt(field, 'missing or not an array');
  return v as readonly unknown[];
}

/**
 * Checks everything a corrupt or hand-edited model could get wrong before a
 * scorer trusts it: types and ranges of every number, that each tree parses
 * to exactly its node count, stays within the height limit, and that its
 * leaves hold exactly ψ points. Throws CW_ERR_MODEL naming the field.
 */
export function forestFromJSON(input: unknown): { meta: ForestMeta; nodes: ForestNodes } {
  let json: unknown = input;
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json);
    } catch (err) {
      throw new ChartwatchError('CW_ERR_MODEL', `isolation forest JSON: not JSON (${(err as Error).message})`, { cause: err });
    }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw corrupt('(root)', 'expected an object');
  const obj = json as Record<string, unknown>;
  if (obj['format'] !== FOREST_FORMAT) throw corrupt('format', `${JSON.stringify(obj['format'])}, expected "${FOREST_FORMAT}"`);
  if (obj['version'] !== FOREST_FORMAT_VERSION) throw corrupt('version', `${JSON.stringify(obj['version'])}, expected ${FOREST_FORMAT_VERSION}`);

  const trees = integerField(obj, 'trees', 1, 1_000_000);
  const sampleSize = integerField(obj, 'sampleSize', 2, 2 ** 30);
  const samplesPerTree = integerField(obj, 'samplesPerTree', 2, sampleSize);
  const seed = integerField(obj, 'seed', 0, 2 ** 32 - 1);
  const features = integerField(obj, 'features', 1, 2 ** 30);
  const maxDepth = heightLimit(samplesPerTree);

  const counts = arrayField(obj, 'treeNodeCounts');
  const featureIn = arrayField(obj, 'feature');
  const thresholdIn = arrayField(obj, 'threshold');
  const leafSizeIn = arrayField(obj, 'leafSize');
  if (counts.length !== trees) throw corrupt('treeNodeCounts', `${counts.length} entries, trees is ${trees}`);

  const total = featureIn.length;
  const treeStart = new Int32Array(trees + 1);
  let sum = 0;
  for (let t = 0; t < trees; t++) {
    const c = counts[t];
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > 2 * samplesPerTree - 1) {
      throw corrupt(`treeNodeCounts[${t}]`, `${JSON.stringify(c)} is not a node count in [1, ${2 * samplesPerTree - 1}]`);
    }
    treeStart[t] = sum;
    sum += c;
  }
  treeStart[trees] = sum;
  if (sum !== total) throw corrupt('feature', `${total} nodes, treeNodeCounts add up to ${sum}`);

  const feature = new Int32Array(total);
  const threshold = new Float64Array(total);
  const left = new Int32Array(total);
  const right = new Int32Array(total);
  const size = new Int32Array(total);
  let nextThreshold = 0;
  let nextLeaf = 0;
  let cursor = 0;

  const parse = (t: number, end: number, depth: number): number => {
    if (cursor >= end) throw corrupt(`treeNodeCounts[${t}]`, `tree ${t} ends inside a subtree`);
    const node = cursor++;
    const f = featureIn[node];
    if (typeof f !== 'number' || !Number.isInteger(f) || f < LEAF || f >= features) {
      throw corrupt(`feature[${node}]`, `${JSON.stringify(f)} is not -1 (leaf) or a feature index below ${features}`);
    }
    feature[node] = f;
    if (f === LEAF) {
      const s = leafSizeIn[nextLeaf];
      if (typeof s !== 'number' || !Number.isInteger(s) || s < 1 || s > samplesPerTree) {
        throw corrupt(`leafSize[${nextLeaf}]`, `${JSON.stringify(s)} is not a leaf size in [1, ${samplesPerTree}]`);
      }
      nextLeaf++;
      size[node] = s;
      left[node] = LEAF;
      right[node] = LEAF;
      return node;
    }
    if (depth >= maxDepth) throw corrupt(`feature[${node}]`, `a split at depth ${depth}, the height limit for ψ = ${samplesPerTree} is ${maxDepth}`);
    const th = thresholdIn[nextThreshold];
    if (typeof th !== 'number' || !Number.isFinite(th)) {
      throw corrupt(`threshold[${nextThreshold}]`, `${JSON.stringify(th)} is not a finite number`);
    }
    nextThreshold++;
    threshold[node] = th;
    const l = parse(t, end, depth + 1);
    const r = parse(t, end, depth + 1);
    left[node] = l;
    right[node] = r;
    size[node] = (size[l] as number) + (size[r] as number);
    return node;
  };

  for (let t = 0; t < trees; t++) {
    const end = treeStart[t + 1] as number;
    const root = parse(t, end, 0);
    if (cursor !== end) throw corrupt(`treeNodeCounts[${t}]`, `${end - (treeStart[t] as number)} nodes, the tree uses ${cursor - (treeStart[t] as number)}`);
    if (size[root] !== samplesPerTree) throw corrupt(`leafSize`, `the leaves of tree ${t} hold ${size[root]} points, samplesPerTree is ${samplesPerTree}`);
  }
  if (nextThreshold !== thresholdIn.length) throw corrupt('threshold', `${thresholdIn.length} entries, the trees have ${nextThreshold} splits`);
  if (nextLeaf !== leafSizeIn.length) throw corrupt('leafSize', `${leafSizeIn.length} entries, the trees have ${nextLeaf} leaves`);

  return {
    meta: { trees, sampleSize, samplesPerTree, seed, features },
    nodes: { treeStart, feature, threshold, left, right, size },
  };
}
