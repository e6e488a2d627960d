import { ChartwatchError } from '@chartwatch/errors';

/** Row-major numbers: value (r, c) is data[r * cols + c]. */
export interface Matrix {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

/** What fit() and score() accept: plain rows, or a row-major matrix that skips the copy. */
export type FeatureRows = readonly (readonly number[])[] | Matrix;

export function isMatrix(input: FeatureRows): input is Matrix {
  return !Array.isArray(input);
}

export function rowCount(input: FeatureRows): number {
  return isMatrix(input) ? input.rows : input.length;
}

function checkMatrixShape(m: Matrix, what: string): void {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 0 || m.cols < 1) {
    throw new ChartwatchError('CW_ERR_INPUT', `${what}: matrix rows=${m.rows} cols=${m.cols} is not a shape`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new ChartwatchError('CW_ERR_INPUT', `${what}: matrix data has ${m.data.length} values, rows × cols = ${m.rows * m.cols}`);
  }
}

/**
 * The training input as one row-major Float64Array. Training reads only ψ
 * rows per tree, but it reads them at random, so one compact copy is cheaper
 * than chasing row arrays; it also is where non-finite values are refused
 * (a threshold drawn between -Infinity and a number is not a number).
 */
export function toTrainingMatrix(input: FeatureRows): Matrix {
  if (isMatrix(input)) {
    checkMatrixShape(input, 'fit');
    for (let i = 0; i < input.data.length; i++) {
      if (!Number.isFinite(input.data[i])) {
        const r = Math.floor(i / input.cols);
        throw new ChartwatchError('CW_ERR_INPUT', `fit: row ${r} column ${i - r * input.cols} is ${input.data[i]}, expected a finite number`);
      }
    }
    return input;
  }
  const rows = input.length;
  const first = input[0];
  const cols = first === undefined ? 0 : first.length;
  if (cols < 1) throw new ChartwatchError('CW_ERR_INPUT', 'fit: rows have no columns');
  const data = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = input[r] as readonly number[];
    if (row.length !== cols) {
      throw new ChartwatchError('CW_ERR_INPUT', `fit: row ${r} has ${row.length} columns, row 0 has ${cols}`);
    }
    for (let c = 0; c < cols; c++) {
      const v = row[c] as number;
      if (!Number.isFinite(v)) {
        throw new ChartwatchError('CW_ERR_INPUT', `fit: row ${r} column ${c} is ${String(v)}, expected a finite number`);
      }
      data[r * cols + c] = v;
    }
  }
  return { data, rows, cols };
}

/**
 * Copies rows [from, from + count) into `block` (row-major) for the scorer,
 * or hands back a view when the input already is a matrix. NaN is refused:
 * every comparison with NaN is false, so the scorer and contributions() would
 * send it down different sides. ±Infinity compares fine and is allowed.
 */
export function readBlock(input: FeatureRows, cols: number, from: number, count: number, block: Float64Array): Float64Array {
  if (isMatrix(input)) {
    const view = input.data.subarray(from * cols, (from + count) * cols);
    for (let i = 0; i < view.length; i++) {
      if (Number.isNaN(view[i])) {
        const r = Math.floor(i / cols);
        throw new ChartwatchError('CW_ERR_INPUT', `score: row ${from + r} column ${i - r * cols} is NaN`);
      }
    }
    return view;
  }
  for (let r = 0; r < count; r++) {
    const row = input[from + r] as readonly number[];
    if (row.length !== cols) {
      throw new ChartwatchError('CW_ERR_INPUT', `score: row ${from + r} has ${row.length} columns, the model was fitted on ${cols}`);
    }
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = row[c] as number;
      if (v !== v) throw new ChartwatchError('CW_ERR_INPUT', `score: row ${from + r} column ${c} is NaN`);
      block[base + c] = v;
    }
  }
  return block;
}

export function checkScoringShape(input: FeatureRows, cols: number): void {
  if (isMatrix(input)) {
    checkMatrixShape(input, 'score');
    if (input.cols !== cols) {
      throw new ChartwatchError('CW_ERR_INPUT', `score: matrix has ${input.cols} columns, the model was fitted on ${cols}`);
    }
  }
}
