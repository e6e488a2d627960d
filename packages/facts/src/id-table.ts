/**
 * Actor and patient ids to small integers (0, 1, 2, … in order of first
 * sight), once per event, without a string-keyed Map on the common path.
 *
 * Why: a Map of 200,000 patient ids costs four to five cache misses a look-up
 * on memory other work keeps evicting (hash bucket, entry, the stored key's
 * header to compare, then the value): ≈0.9 µs, the largest cost of the core in
 * bench/detect.bench.ts. Most ids are short codes (`u10206`, `p0128955`): up
 * to 8 characters out of [0-9A-Za-z_-] are turned into an exact number
 * (6 bits a character and the length: under 2^53, so a double holds it with
 * no loss), and those numbers live in one Float64Array open-addressing table
 * that holds key and value side by side: one cache line a look-up, and a
 * comparison of two numbers instead of two strings. Other ids (longer, or
 * with other characters, e.g. `app-hie-gateway`) go to a Map; the result is
 * the same either way.
 *
 * Ids are never removed: a number stands for its id for the table's life,
 * so memories that hold numbers stay valid (16 bytes a distinct id).
 */

/** Symbol of each ASCII code in a short-id code, or -1. */
const SYMBOL = new Int8Array(128).fill(-1);
{
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_';
  for (let i = 0; i < alphabet.length; i++) SYMBOL[alphabet.charCodeAt(i)] = i;
}

/**
 * The exact number a short id stands for (≥ 1), or 0 when the id has more
 * than 8 characters or one outside [0-9A-Za-z_-].
 */
export function shortIdCode(id: string): number {
  const n = id.length;
  if (n > 8) return 0;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = id.charCodeAt(i);
    const s = c < 128 ? SYMBOL[c] as number : -1;
    if (s < 0) return 0;
    v = v * 64 + s;
  }
  // v < 2^48; × 16 + length + 1 < 2^53: exact, and distinct for "0" and "00".
  return v * 16 + n + 1;
}

/**
 * Slots in use before the table doubles. At 0.7 a look-up probes about two slots, 16 bytes each, so
 * mostly one cache line; half-full tables took 61 bytes an actor where 16 are used
 * (bench/detect.bench.ts, 34,072 actors in 131,072 slots).
 */
const MAX_LOAD = 0.7;

function slotOf(code: number, mask: number): number {
  const lo = code >>> 0;
  const hi = (code / 4294967296) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  return h & mask;
}

export class IdTable {
  /** [code, number + 1, …]; 0 = empty slot. */
  private table = new Float64Array(2 * 1024);
  private mask = 1023;
  private coded = 0;
  private readonly others = new Map<string, number>();
  private readonly ids: string[] = [];

  /** The number of `id` (given `code = shortIdCode(id)`), or -1 when unseen. */
  find(id: string, code: number): number {
    if (code === 0) return this.others.get(id) ?? -1;
    const table = this.table;
    const mask = this.mask;
    for (let s = slotOf(code, mask); ; s = (s + 1) & mask) {
      const k = table[2 * s] as number;
      if (k === code) return (table[2 * s + 1] as number) - 1;
      if (k === 0) return -1;
    }
  }

  /** The number of `id`, given one when unseen. */
  intern(id: string, code: number = shortIdCode(id)): number {
    const known = this.find(id, code);
    if (known >= 0) return known;
    const n = this.ids.length;
    this.ids.push(id);
    if (code === 0) this.others.set(id, n);
    else {
      if (this.coded + 1 > MAX_LOAD * (this.mask + 1)) this.grow();
      this.put(code, n);
      this.coded++;
    }
    return n;
  }

  /** The id a number stands for. */
  idOf(n: number): string {
    return this.ids[n] ?? '';
  }

  get size(): number {
    return this.ids.length;
  }

  private put(code: number, n: number): void {
    const table = this.table;
    const mask = this.mask;
    let s = slotOf(code, mask);
    while (table[2 * s] !== 0) s = (s + 1) & mask;
    table[2 * s] = code;
    table[2 * s + 1] = n + 1;
  }

  private grow(): void {
    const old = this.table;
    this.mask = this.mask * 2 + 1;
    this.table = new Float64Array(2 * (this.mask + 1));
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.put(old[i] as number, (old[i + 1] as number) - 1);
  }
}
