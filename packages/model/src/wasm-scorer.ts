import { ChartwatchError } from '@chartwatch/errors';
import type { FeatureRows } from './matrix.ts';
import { isMatrix } from './matrix.ts';
import { LANES, NODE_BYTES, pathLengthKernel } from './path-length-kernel.ts';
import type { ScoringLayout } from './scoring-layout.ts';

/** The slice of the WebAssembly JS API used here (TypeScript's DOM lib declares it; this package does not load that lib). */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  readonly Memory: new (descriptor: { initial: number; maximum?: number }) => { readonly buffer: ArrayBuffer };
}

/** Absent when Node runs with --jitless; the JavaScript scorer is used then. */
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

type GroupsFn = (trees: number, nodes: number, treeBytes: number, block: number, blockEnd: number, sums: number) => void;
type OneFn = (trees: number, nodes: number, treeBytes: number, row: number, sum: number) => void;
type FirstNaNFn = (from: number, to: number, out: number) => void;

const PAGE_BYTES = 65536;
/** Past this the forest is scored in JavaScript (wasm32 memory ends at 4 GiB; one model should not come near). */
const MAX_MEMORY_BYTES = 2 ** 30;
/** A block this size stays in L2 while the trees stream past it; 16 to 512 rows. */
const BLOCK_BYTES = 65536;
const MAX_GROUPS_PER_BLOCK = 32;
/**
 * A last partial group with at least this many rows is walked as a whole
 * group (its spare lanes walk leftovers that are ignored); a lone row is
 * walked alone. One lone walk takes about 5.5 µs, a group of 16 about 9 µs
 * (thyroid, one core), so two rows are already cheaper as a group.
 */
const TAIL_AS_GROUP = 2;
/** Rows at least this wide are copied into the block by TypedArray.set (see loadRows). */
const SET_FROM_COLS = 64;

/** Compiled kernels by depth and width: a process meets a handful (one per model shape), each a few kB. */
const modules = new Map<string, object>();

function nanError(row: number, column: number): ChartwatchError {
  return new ChartwatchError('CW_ERR_INPUT', `score: row ${row} column ${column} is NaN`);
}

function moduleFor(api: WasmApi, depth: number, cols: number): object {
  const key = `${depth}x${cols}`;
  let module = modules.get(key);
  if (module === undefined) {
    module = new api.Module(pathLengthKernel(depth, cols * 8));
    modules.set(key, module);
  }
  return module;
}

/**
 * The forest's path lengths computed by the WebAssembly kernel of
 * path-length-kernel.ts, in a memory of its own: the trees in heap order,
 * then one block of input rows (row-major), then the block's sums.
 * pathLengths() copies rows into the block and refuses a wrong width or NaN
 * there.
 */
export class WasmScorer {
  readonly rowsPerBlock: number;
  readonly #cols: number;
  readonly #trees: number;
  readonly #treeBytes: number;
  readonly #blockOffset: number;
  readonly #groupBytes: number;
  readonly #sumsOffset: number;
  readonly #block: Float64Array;
  readonly #sums: Float64Array;
  readonly #groups: GroupsFn;
  readonly #one: OneFn;
  readonly #firstNaN: FirstNaNFn;
  /** The sums area as i32, for firstNaN's answer (written before the sums are). */
  readonly #answer: Int32Array;

  /** A scorer for `layout`, or null where WebAssembly is unavailable or the memory would be too large. */
  static create(layout: ScoringLayout, cols: number): WasmScorer | null {
    if (wasm === undefined) return null;
    const groupsPerBlock = Math.max(1, Math.min(MAX_GROUPS_PER_BLOCK, Math.floor(BLOCK_BYTES / (LANES * cols * 8))));
    const treeBytes = 2 ** (layout.depth + 1) * NODE_BYTES;
    const blockBytes = groupsPerBlock * LANES * cols * 8;
    const totalBytes = layout.trees * treeBytes + blockBytes + groupsPerBlock * LANES * 8;
    if (totalBytes > MAX_MEMORY_BYTES) return null;
    return new WasmScorer(wasm, layout, cols, groupsPerBlock, totalBytes);
  }

  private constructor(api: WasmApi, layout: ScoringLayout, cols: number, groupsPerBlock: number, totalBytes: number) {
    const { trees, depth, internalPerTree, feature, threshold, leafPath } = layout;
    this.#cols = cols;
    this.#trees = trees;
    this.#treeBytes = 2 ** (depth + 1) * NODE_BYTES;
    this.#groupBytes = LANES * cols * 8;
    this.rowsPerBlock = groupsPerBlock * LANES;
    this.#blockOffset = trees * this.#treeBytes;
    this.#sumsOffset = this.#blockOffset + groupsPerBlock * this.#groupBytes;

    const memory = new api.Memory({ initial: Math.ceil(totalBytes / PAGE_BYTES) });
    const { exports } = new api.Instance(moduleFor(api, depth, cols), { env: { memory } });
    this.#groups = exports['groups'] as GroupsFn;
    this.#one = exports['one'] as OneFn;
    this.#firstNaN = exports['firstNaN'] as FirstNaNFn;

    const f64 = new Float64Array(memory.buffer);
    const i32 = new Int32Array(memory.buffer);
    const f64PerTree = this.#treeBytes / 8;
    const f64PerNode = NODE_BYTES / 8;
    const leavesPerTree = internalPerTree + 1;
    for (let t = 0; t < trees; t++) {
      // Node q of the 0-based complete layout is node q + 1 in heap order.
      for (let q = 0; q < internalPerTree; q++) {
        const at = t * f64PerTree + (q + 1) * f64PerNode;
        f64[at] = threshold[t * internalPerTree + q] as number;
        i32[2 * at + 2] = (feature[t * internalPerTree + q] as number) * 8;
      }
      for (let leaf = 0; leaf < leavesPerTree; leaf++) {
        f64[t * f64PerTree + (internalPerTree + 1 + leaf) * f64PerNode] = leafPath[t * leavesPerTree + leaf] as number;
      }
    }
    this.#block = new Float64Array(memory.buffer, this.#blockOffset, groupsPerBlock * LANES * cols);
    this.#sums = new Float64Array(memory.buffer, this.#sumsOffset, this.rowsPerBlock);
    this.#answer = new Int32Array(memory.buffer, this.#sumsOffset, 1);
  }

  /**
   * Path lengths summed over the trees for rows [from, from + count) of
   * `input`, count ≤ rowsPerBlock. Returns a view that the next call
   * overwrites; entries [0, count) are the rows'.
   */
  pathLengths(input: FeatureRows, from: number, count: number): Float64Array {
    if (isMatrix(input)) this.#loadMatrix(input.data, from, count);
    else this.#loadRows(input, from, count);
    const sums = this.#sums;
    const full = Math.floor(count / LANES);
    const rest = count - full * LANES;
    const walkedAsGroups = rest >= TAIL_AS_GROUP ? full + 1 : full;
    sums.fill(0, 0, walkedAsGroups * LANES);
    const blockEnd = this.#blockOffset + walkedAsGroups * this.#groupBytes;
    this.#groups(this.#trees, 0, this.#treeBytes, this.#blockOffset, blockEnd, this.#sumsOffset);
    if (walkedAsGroups === full) {
      for (let i = 0; i < rest; i++) {
        const r = full * LANES + i;
        sums[r] = 0;
        this.#one(this.#trees, 0, this.#treeBytes, this.#blockOffset + r * this.#cols * 8, this.#sumsOffset + 8 * r);
      }
    }
    return sums;
  }

  // A wide row is copied by TypedArray.set, which V8 runs as one native loop
  // whatever the row's elements kind (arrhythmia, 274 columns, whole bench:
  // 0.83 → 1.07 M rows/s; the element loop's speed depends on what the JIT
  // saw before, rows of small integers and of doubles alike: 0.75–1.43 in
  // runs of fewer sets); a narrow one element by element, where the call
  // costs more than the loop (satellite, 36 columns: 1.92–2.05 by loop,
  // 1.84–1.88 by set).
  // NaN is looked for once per block by the kernel's firstNaN; a row of the
  // wrong width is refused after the rows before it were checked for NaN, so
  // the first bad row is the one reported, as when each row was checked whole.
  #loadRows(rows: readonly (readonly number[])[], from: number, count: number): void {
    const cols = this.#cols;
    const block = this.#block;
    const wide = cols >= SET_FROM_COLS;
    for (let r = 0; r < count; r++) {
      const row = rows[from + r] as readonly number[];
      if (row.length !== cols) {
        this.#refuseNaN(from, r);
        throw new ChartwatchError('CW_ERR_INPUT', `score: row ${from + r} has ${row.length} columns, the model was fitted on ${cols}`);
      }
      const base = r * cols;
      if (wide) block.set(row, base);
      else for (let c = 0; c < cols; c++) block[base + c] = row[c] as number;
    }
    this.#refuseNaN(from, count);
  }

  #loadMatrix(data: Float64Array, from: number, count: number): void {
    this.#block.set(data.subarray(from * this.#cols, (from + count) * this.#cols));
    this.#refuseNaN(from, count);
  }

  #refuseNaN(from: number, count: number): void {
    const end = this.#blockOffset + count * this.#cols * 8;
    this.#firstNaN(this.#blockOffset, end, this.#sumsOffset);
    const at = this.#answer[0] as number;
    if (at < end) {
      const i = (at - this.#blockOffset) / 8;
      const r = Math.floor(i / this.#cols);
      throw nanError(from + r, i - r * this.#cols);
    }
  }
}
