import type { ExportedFunction } from './wasm-encoding.ts';
import { FunctionBody, OP, assembleModule } from './wasm-encoding.ts';

/** Rows one call of `groups` walks side by side; 8, 12 and 24 were slower on this machine (ODDS sets, one core). */
export const LANES = 16;

/** Bytes of one node record: f64 threshold (or, in a leaf, its path length) at 0, i32 feature offset at 8. */
export const NODE_BYTES = 16;

/**
 * The path-length walk as a WebAssembly module for trees of one depth and
 * rows of one width, with the memory laid out by wasm-scorer.ts:
 *
 * - a tree is a complete binary tree in heap order: node p (1-based) has
 *   children 2p and 2p + 1, record p at tree base + 16 p; leaves are
 *   p in [2^depth, 2^(depth+1)) and hold h = depth of the real leaf + c(size);
 *   a split stores its feature as a byte offset (8 × column);
 * - a block holds rows row-major, `rowBytes` apart, in groups of LANES rows.
 *   Lane i of a group finds its value at group + feature offset + i rowBytes,
 *   and i rowBytes is a constant of the load instruction.
 *
 * Why WebAssembly and this shape (bench/model.bench.ts measures both
 * backends): one step of a walk is three dependent loads, a compare and two
 * shifts. In JavaScript each typed-array load also carries a bounds check
 * and the bases of eight interleaved rows do not fit in registers; here the
 * loads are plain, one group base serves all sixteen rows, the sixteen walks
 * are independent chains the CPU overlaps, and the depth is unrolled at
 * assembly time, so a step has no branch. The root split is the same for
 * every row and is read once per tree. Baking the width in lets rows stay
 * row-major, so copying them in is a plain TypedArray.set.
 *
 * Exports:
 * - groups(trees, nodes, treeBytes, block, blockEnd, sums): for every tree,
 *   then every group in [block, blockEnd), adds each lane's path length to
 *   the f64 at sums + 8 × (row in block);
 * - one(trees, nodes, treeBytes, row, sum): the same for the row at `row`;
 * - firstNaN(from, to, out): stores at `out` (i32) the byte offset of the
 *   first NaN among the f64s in [from, to), or `to` when there is none: the
 *   scorer refuses NaN input, and this scan costs a fraction of the
 *   JavaScript loop it replaces (arrhythmia, number[][]: 1.03 → 1.2 M rows/s).
 *
 * The sums are added tree by tree in tree order, as the JavaScript walk does,
 * so both give bit-identical scores.
 */
export function pathLengthKernel(depth: number, rowBytes: number): Uint8Array {
  if (!Number.isInteger(depth) || depth < 1 || depth > 16) throw new Error(`path-length kernel: depth ${depth} is not in [1, 16]`);
  if (!Number.isInteger(rowBytes) || rowBytes < 8 || rowBytes * LANES >= 2 ** 31) throw new Error(`path-length kernel: rowBytes ${rowBytes} is out of range`);
  return assembleModule([
    { name: 'groups', params: 6, body: groupsBody(depth, rowBytes) },
    { name: 'one', params: 5, body: oneBody(depth) },
    { name: 'firstNaN', params: 3, body: firstNaNBody() },
  ] satisfies ExportedFunction[]);
}

function firstNaNBody(): FunctionBody {
  const [from, to, out] = [0, 1, 2] as const;
  const f = new FunctionBody(3);
  f.loop(() => {
    f.get(from).get(to).emit(OP.i32GeU, OP.brIf, 1);
    f.get(from).loadF64(0).get(from).loadF64(0).emit(OP.f64Ne, OP.brIf, 1);
    f.get(from).i32(8).emit(OP.i32Add).set(from);
  });
  f.get(out).get(from).storeI32(0);
  return f;
}

function groupsBody(depth: number, rowBytes: number): FunctionBody {
  const [trees, nodes, treeBytes, block, blockEnd, sums] = [0, 1, 2, 3, 4, 5] as const;
  const f = new FunctionBody(6);
  const t = f.i32Local();
  const node = f.i32Local();
  const group = f.i32Local();
  const sum = f.i32Local();
  const a = f.i32Local();
  const rootFeature = f.i32Local();
  const p = Array.from({ length: LANES }, () => f.i32Local());
  const rootThreshold = f.f64Local();

  f.get(nodes).set(node);
  f.get(trees).set(t);
  f.loop(() => {
    f.get(t).emit(OP.i32Eqz, OP.brIf, 1);
    f.get(node).loadI32(NODE_BYTES + 8).set(rootFeature);
    f.get(node).loadF64(NODE_BYTES).set(rootThreshold);
    f.get(block).set(group);
    f.get(sums).set(sum);
    f.loop(() => {
      f.get(group).get(blockEnd).emit(OP.i32GeU, OP.brIf, 1);
      // Level 0: p = 2 + (x[root feature] > root threshold).
      for (let i = 0; i < LANES; i++) {
        f.i32(2).get(group).get(rootFeature).emit(OP.i32Add).loadF64(rowBytes * i).get(rootThreshold).emit(OP.f64Gt, OP.i32Add).set(p[i] as number);
      }
      // Levels 1..depth-1: a = node + 16 p; p = 2 p + (x[feature(a)] > threshold(a)).
      for (let level = 1; level < depth; level++) {
        for (let i = 0; i < LANES; i++) {
          const pi = p[i] as number;
          f.get(pi).i32(1).emit(OP.i32Shl);
          f.get(group).get(node).get(pi).i32(4).emit(OP.i32Shl, OP.i32Add).tee(a).loadI32(8).emit(OP.i32Add).loadF64(rowBytes * i);
          f.get(a).loadF64(0);
          f.emit(OP.f64Gt, OP.i32Add).set(pi);
        }
      }
      for (let i = 0; i < LANES; i++) {
        f.get(sum).get(sum).loadF64(8 * i);
        f.get(node).get(p[i] as number).i32(4).emit(OP.i32Shl, OP.i32Add).loadF64(0);
        f.emit(OP.f64Add).storeF64(8 * i);
      }
      f.get(group).i32(rowBytes * LANES).emit(OP.i32Add).set(group);
      f.get(sum).i32(8 * LANES).emit(OP.i32Add).set(sum);
    });
    f.get(node).get(treeBytes).emit(OP.i32Add).set(node);
    f.get(t).i32(1).emit(OP.i32Sub).set(t);
  });
  return f;
}

function oneBody(depth: number): FunctionBody {
  const [trees, nodes, treeBytes, row, sum] = [0, 1, 2, 3, 4] as const;
  const f = new FunctionBody(5);
  const t = f.i32Local();
  const node = f.i32Local();
  const a = f.i32Local();
  const p = f.i32Local();
  f.get(nodes).set(node);
  f.get(trees).set(t);
  f.loop(() => {
    f.get(t).emit(OP.i32Eqz, OP.brIf, 1);
    f.i32(1).set(p);
    for (let level = 0; level < depth; level++) {
      f.get(p).i32(1).emit(OP.i32Shl);
      f.get(row).get(node).get(p).i32(4).emit(OP.i32Shl, OP.i32Add).tee(a).loadI32(8).emit(OP.i32Add).loadF64(0);
      f.get(a).loadF64(0);
      f.emit(OP.f64Gt, OP.i32Add).set(p);
    }
    f.get(sum).get(sum).loadF64(0);
    f.get(node).get(p).i32(4).emit(OP.i32Shl, OP.i32Add).loadF64(0);
    f.emit(OP.f64Add).storeF64(0);
    f.get(node).get(treeBytes).emit(OP.i32Add).set(node);
    f.get(t).i32(1).emit(OP.i32Sub).set(t);
  });
  return f;
}
