import { ChartwatchError } from '@chartwatch/errors';
import { averagePathLength, heightLimit } from './average-path-length.ts';
import type { ForestNodes } from './forest-nodes.ts';
import { LEAF } from './forest-nodes.ts';
import type { ForestMeta, IsolationForestJSON } from './forest-json.ts';
import { forestFromJSON, forestToJSON } from './forest-json.ts';
import { growForest } from './grow-forest.ts';
import type { FeatureRows } from './matrix.ts';
import { checkScoringShape, readBlock, rowCount, toTrainingMatrix } from './matrix.ts';
import { createRandom } from '@chartwatch/random';
import type { ScoringLayout } from './scoring-layout.ts';
import { MAX_COMPLETE_DEPTH, addPathLengths, addPathLengthsByWalk, compileForScoring } from './scoring-layout.ts';
import { WasmScorer } from './wasm-scorer.ts';

export interface IsolationForestOptions {
  /** Trees in the forest. Default 100. */
  readonly trees?: number;
  /** ψ, the rows each tree is grown from (drawn without replacement). Default 256. */
  readonly sampleSize?: number;
  /** Seed of the PRNG: the same data, options and seed give the same model. Default 1. */
  readonly seed?: number;
}

function checkOption(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ChartwatchError('CW_ERR_MODEL', `IsolationForest options.${name}: ${String(value)} is not an integer in [${min}, ${max}]`);
  }
  return value;
}

/** Rows scored per block: enough to amortise a tree's setup, few enough that the block stays in L2. */
function blockRows(cols: number): number {
  return Math.max(64, Math.min(512, Math.floor(32768 / cols)));
}

interface Fitted {
  readonly meta: ForestMeta;
  readonly nodes: ForestNodes;
  readonly layout: ScoringLayout | null;
  readonly normaliser: number;
  /** Built on the first score(): undefined until then, null where WebAssembly cannot be used. */
  wasm: WasmScorer | null | undefined;
}

/**
 * Isolation forest (Liu, Ting and Zhou, ICDM 2008): anomalies are the points
 * that random axis-parallel cuts isolate in few steps. Each of `trees` trees
 * is grown on ψ rows drawn without replacement to height ⌈log2 ψ⌉; a row's
 * score is s = 2^(-E[h(x)] / c(ψ)), near 1 for anomalies, below 0.5 for
 * points in the bulk.
 */
export class IsolationForest {
  readonly trees: number;
  readonly sampleSize: number;
  readonly seed: number;
  #fitted: Fitted | null = null;

  constructor(options: IsolationForestOptions = {}) {
    this.trees = checkOption('trees', options.trees ?? 100, 1, 100_000);
    this.sampleSize = checkOption('sampleSize', options.sampleSize ?? 256, 2, 2 ** 30);
    this.seed = checkOption('seed', options.seed ?? 1, 0, 2 ** 32 - 1);
  }

  /** Columns the forest was fitted on, or 0 before fit(). */
  get features(): number {
    return this.#fitted?.meta.features ?? 0;
  }

  /** ψ as used: min(sampleSize, rows fitted), or 0 before fit(). */
  get samplesPerTree(): number {
    return this.#fitted?.meta.samplesPerTree ?? 0;
  }

  /** Grows the forest on `rows` (at least 2, all finite, same width). Replaces any earlier fit. */
  fit(rows: FeatureRows): this {
    const x = toTrainingMatrix(rows);
    if (x.rows < 2) throw new ChartwatchError('CW_ERR_INPUT', `fit: needs at least 2 rows, got ${x.rows}`);
    const samplesPerTree = Math.min(this.sampleSize, x.rows);
    const meta: ForestMeta = { trees: this.trees, sampleSize: this.sampleSize, samplesPerTree, seed: this.seed, features: x.cols };
    const nodes = growForest(x, { trees: this.trees, samplesPerTree, heightLimit: heightLimit(samplesPerTree) }, createRandom(this.seed));
    this.#fitted = IsolationForest.#prepare(meta, nodes);
    return this;
  }

  static #prepare(meta: ForestMeta, nodes: ForestNodes): Fitted {
    const depth = heightLimit(meta.samplesPerTree);
    return {
      meta,
      nodes,
      layout: depth <= MAX_COMPLETE_DEPTH ? compileForScoring(nodes, depth) : null,
      normaliser: averagePathLength(meta.samplesPerTree),
      wasm: undefined,
    };
  }

  #require(what: string): Fitted {
    if (this.#fitted === null) throw new ChartwatchError('CW_ERR_MODEL', `${what}: the forest is not fitted (call fit() or IsolationForest.fromJSON())`);
    return this.#fitted;
  }

  /** Anomaly score of each row, in (0, 1]: higher is more anomalous. NaN is refused. */
  score(rows: FeatureRows): Float64Array {
    const fitted = this.#require('score');
    const cols = fitted.meta.features;
    checkScoringShape(rows, cols);
    const n = rowCount(rows);
    const out = new Float64Array(n);
    // s = 2^(-mean h / c(ψ)) = 2^(sum h × k) with k folded once here.
    const k = -1 / (fitted.meta.trees * fitted.normaliser);
    if (fitted.layout !== null && fitted.wasm === undefined) fitted.wasm = WasmScorer.create(fitted.layout, cols);
    const wasm = fitted.wasm ?? null;
    if (wasm !== null) {
      for (let from = 0; from < n; from += wasm.rowsPerBlock) {
        const count = Math.min(wasm.rowsPerBlock, n - from);
        const sums = wasm.pathLengths(rows, from, count);
        for (let r = 0; r < count; r++) out[from + r] = 2 ** ((sums[r] as number) * k);
      }
      return out;
    }
    const perBlock = blockRows(cols);
    const buffer = new Float64Array(perBlock * cols);
    const sums = new Float64Array(perBlock);
    for (let from = 0; from < n; from += perBlock) {
      const count = Math.min(perBlock, n - from);
      const block = readBlock(rows, cols, from, count, buffer);
      sums.fill(0);
      if (fitted.layout !== null) addPathLengths(fitted.layout, block, cols, count, sums);
      else addPathLengthsByWalk(fitted.nodes, block, cols, count, sums);
      for (let r = 0; r < count; r++) out[from + r] = 2 ** ((sums[r] as number) * k);
    }
    return out;
  }

  /**
   * How much each feature did to isolate `row`, as shares that sum to 1.
   *
   * Method: walk the row's path in every tree. A split that sends the row
   * from a node holding n sub-sample points to a child holding m < n has
   * narrowed the row's company by log2(n / m) bits; that many bits are
   * credited to the split's feature. A path that isolates the row in one cut
   * on feature j credits j with log2 ψ bits; a path through the bulk spreads
   * about one bit per cut over whatever features were drawn. The credits are
   * summed over trees and divided by their total. They say which features
   * isolate the row, not in which direction it is unusual. If no tree could
   * split at all (constant training data) every feature gets 1/features.
   */
  contributions(row: readonly number[]): Float64Array {
    const fitted = this.#require('contributions');
    const cols = fitted.meta.features;
    if (row.length !== cols) throw new ChartwatchError('CW_ERR_INPUT', `contributions: row has ${row.length} columns, the model was fitted on ${cols}`);
    for (let c = 0; c < cols; c++) {
      if (Number.isNaN(row[c])) throw new ChartwatchError('CW_ERR_INPUT', `contributions: column ${c} is NaN`);
    }
    const { treeStart, feature, threshold, left, right, size } = fitted.nodes;
    const credit = new Float64Array(cols);
    let total = 0;
    for (let t = 0; t < fitted.meta.trees; t++) {
      let node = treeStart[t] as number;
      let f = feature[node] as number;
      while (f !== LEAF) {
        const child = (row[f] as number) <= (threshold[node] as number) ? (left[node] as number) : (right[node] as number);
        const bits = Math.log2((size[node] as number) / (size[child] as number));
        credit[f] = (credit[f] as number) + bits;
        total += bits;
        node = child;
        f = feature[node] as number;
      }
    }
    if (total === 0) return credit.fill(1 / cols);
    for (let c = 0; c < cols; c++) credit[c] = (credit[c] as number) / total;
    return credit;
  }

  /** The fitted forest as plain JSON (JSON.stringify(forest) works too). */
  toJSON(): IsolationForestJSON {
    const fitted = this.#require('toJSON');
    return forestToJSON(fitted.meta, fitted.nodes);
  }

  /** Restores a forest from toJSON() output (object or string); scores are identical. Throws CW_ERR_MODEL naming the corrupt field. */
  static fromJSON(json: unknown): IsolationForest {
    const { meta, nodes } = forestFromJSON(json);
    const forest = new IsolationForest({ trees: meta.trees, sampleSize: meta.sampleSize, seed: meta.seed });
    forest.#fitted = IsolationForest.#prepare(meta, nodes);
    return forest;
  }
}
