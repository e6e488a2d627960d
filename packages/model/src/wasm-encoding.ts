/**
 * Just enough of the WebAssembly binary format (core spec 1.0, section 5) to
 * assemble one module from TypeScript. The scorer's kernel is a few hundred
 * bytes; assembling it here needs no wat2wasm or compiler in the build and
 * lets the depth and lane count be constants of the emitted code.
 */

export const I32 = 0x7f;
export const F64 = 0x7c;
const VOID_BLOCK = 0x40;

export const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  f64Load: 0x2b,
  i32Store: 0x36,
  f64Store: 0x39,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32GeU: 0x4f,
  f64Ne: 0x62,
  f64Gt: 0x64,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Shl: 0x74,
  f64Add: 0xa0,
} as const;

export function unsignedLeb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

export function signedLeb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function vector(items: readonly (readonly number[])[]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()];
}

function section(id: number, body: readonly number[]): number[] {
  return [id, ...unsignedLeb(body.length), ...body];
}

function name(s: string): number[] {
  return vector([...s].map((ch) => [ch.charCodeAt(0)]));
}

/** One function body being written: locals are numbered after the parameters. */
export class FunctionBody {
  readonly #code: number[] = [];
  readonly #params: number;
  #i32Locals = 0;
  #f64Locals = 0;

  constructor(params: number) {
    this.#params = params;
  }

  /** An i32 local. Declare all i32 locals before any f64 local. */
  i32Local(): number {
    if (this.#f64Locals > 0) throw new Error('wasm-encoding: declare i32 locals before f64 locals');
    return this.#params + this.#i32Locals++;
  }

  f64Local(): number {
    return this.#params + this.#i32Locals + this.#f64Locals++;
  }

  emit(...bytes: number[]): this {
    this.#code.push(...bytes);
    return this;
  }

  get(local: number): this {
    return this.emit(OP.localGet, ...unsignedLeb(local));
  }

  set(local: number): this {
    return this.emit(OP.localSet, ...unsignedLeb(local));
  }

  tee(local: number): this {
    return this.emit(OP.localTee, ...unsignedLeb(local));
  }

  i32(value: number): this {
    return this.emit(OP.i32Const, ...signedLeb(value));
  }

  /** i32.load with a byte offset; align 2^2. */
  loadI32(offset: number): this {
    return this.emit(OP.i32Load, 2, ...unsignedLeb(offset));
  }

  /** f64.load with a byte offset; align 2^3. */
  loadF64(offset: number): this {
    return this.emit(OP.f64Load, 3, ...unsignedLeb(offset));
  }

  storeF64(offset: number): this {
    return this.emit(OP.f64Store, 3, ...unsignedLeb(offset));
  }

  /** i32.store with a byte offset; align 2^2. */
  storeI32(offset: number): this {
    return this.emit(OP.i32Store, 2, ...unsignedLeb(offset));
  }

  /** `block (loop …) end end`: br 1 leaves the loop, br 0 repeats it. */
  loop(body: () => void): this {
    this.emit(OP.block, VOID_BLOCK, OP.loop, VOID_BLOCK);
    body();
    return this.emit(OP.br, 0, OP.end, OP.end);
  }

  bytes(): number[] {
    const locals: number[][] = [];
    if (this.#i32Locals > 0) locals.push([...unsignedLeb(this.#i32Locals), I32]);
    if (this.#f64Locals > 0) locals.push([...unsignedLeb(this.#f64Locals), F64]);
    const body = [...vector(locals), ...this.#code, OP.end];
    return [...unsignedLeb(body.length), ...body];
  }
}

export interface ExportedFunction {
  readonly name: string;
  /** All parameters are i32; no results. */
  readonly params: number;
  readonly body: FunctionBody;
}

/** A module importing one memory as env.memory and exporting the given functions. */
export function assembleModule(functions: readonly ExportedFunction[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...vector(Array.from({ length: f.params }, () => [I32])), 0x00]);
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vector(functions.map((_, i) => unsignedLeb(i)))),
    ...section(7, vector(functions.map((f, i) => [...name(f.name), 0x00, ...unsignedLeb(i)]))),
    ...section(10, vector(functions.map((f) => f.body.bytes()))),
  ]);
}
