import type { ActorKind } from '@chartwatch/event';
import type { Alert } from './alert.ts';
import type { ActorState } from '@chartwatch/facts';
import type { SlidingAgg } from './sliding-window.ts';
import type { WindowAgg } from './distinct-patients.ts';

type ComparedWith = Alert['comparedWith'];

/**
 * One key of one rule. Its numbers that change on every event or are times (last alert, threshold, the
 * self-match tracker) are not here but in its table's rows (KeyTable.rowsOf, at `num`): a 64-bit heap
 * (Node has no pointer compression) gives every field 8 bytes and every time a 16-byte box besides: with
 * them this object would be 264 bytes and two boxes on every active user's after-hours key (heap snapshot
 * of bench/detect.bench.ts), without them it is 128, with a row of 64 beside it.
 */
export interface KeyState {
  /** The table this key belongs to; null once forgotten (the actor's chain drops it lazily). */
  owner: KeyTable | null;
  /** Next key state of the same actor (ActorState.ruleKeys), for keys that are the actor alone. */
  nextForActor: KeyState | null;
  /** The key's number in its table: its row and its place in the key list; reused once forgotten. */
  readonly num: number;
  readonly actorId: string;
  readonly actorKind: ActorKind;
  readonly patientId: string | null;
  /** Peer group (normalised role), or null when unknown. */
  readonly role: string | null;
  /**
   * Tumbling rules: the first open window, chained (usually one; more while a late event's window is still
   * open): an array around the one window would be 56 bytes more. Sliding rules: the pane ring. Null when none is
   * open. One field for both: a rule has one kind.
   */
  win: WindowAgg | SlidingAgg | null;
  /**
   * Baseline rules: [n, daily peaks of this rule's windows (n numbers), daily peaks over every event passing
   * `match` (self-match)], runs of [day, value] pairs (see baseline.ts); null while both are empty.
   * Owned by threshold-policy.ts.
   */
  days: number[] | null;
  /**
   * Threshold cached for one local day (threshold-policy.ts): a small integer, never NaN, so the field
   * stays in the object (a NaN or a fraction made it a pointer to a boxed double: bytes and a miss per key).
   */
  thresholdKey: number;
  center: number | null;
  spread: number | null;
  comparedWith: ComparedWith;
}

/**
 * KeyState.thresholdKey when nothing is cached: below any day index, and a small integer (|x| < 2^30,
 * V8's small-integer range on a 64-bit heap), so the field stays unboxed. Checked by checkKeyInvariants.
 */
export const NO_DAY = -(2 ** 30);

/**
 * A key's row: the time of its last alert, its threshold (a fractional or NaN threshold in a KeyState
 * field would box it in every key, 16 bytes more each; for a quota rule the quota: NaN until
 * looked up, -Infinity when the application has none), then (self-match rules) its tracker
 * (match-tracker.ts).
 */
export const LAST_FIRED = 0;
export const THRESHOLD = 1;
export const MATCH = 2;

/** Keys a chunk of key rows holds. */
const CHUNK_BITS = 10;
const CHUNK = 1 << CHUNK_BITS;

/**
 * The keys of one rule: finding an event's key, numbering keys densely, a row of doubles per key, and
 * forgetting keys. Keys that are the actor alone are found through the actor record (ActorState.ruleKeys);
 * once that record was evicted, a table `bySlot` finds them by the actor's slot (key number + 1, 0 for
 * none; a forgotten key's entry is left and checked on use), other keys by string in `keyMap`. A Map of
 * every key by string and a Set of keys per role (peer baselines) would be ≈ 60 bytes an active user on
 * a 64-bit heap; the list and the slot index are 8 and 4 (heap snapshot of bench/detect.bench.ts).
 */
export class KeyTable {
  /** Live keys by number, undefined where a forgotten key's number waits in `free`. */
  readonly list: (KeyState | undefined)[] = [];
  private readonly free: number[] = [];
  private bySlot: Int32Array;
  /** Actor+patient keys, and every key of a table without a slot index: those have keys for few actors. */
  private readonly keyMap = new Map<string, KeyState>();
  private liveKeys = 0;
  /**
   * rowSize doubles per key number, in chunks of CHUNK keys: a table grown by half had 16% of it unused at
   * the bench's 34,048 after-hours keys (≈ 10 bytes an active actor), a chunk has less than one chunk
   * unused, for one more load (the chunk, from a short array in cache).
   */
  private readonly chunks: Float64Array[] = [];

  /**
   * `bySlot`: index actor keys by the actor's slot (a rule with a key for nearly every active actor, such
   * as one with a self-match baseline); others keep few keys and find them in the map.
   * `initRow` sets a new key's row.
   */
  constructor(
    readonly rowSize: number,
    bySlot: boolean,
    private readonly initRow: (rows: Float64Array, at: number) => void,
  ) {
    this.chunks.push(new Float64Array(rowSize * CHUNK));
    this.bySlot = new Int32Array(bySlot ? 1024 : 0);
  }

  get live(): number {
    return this.liveKeys;
  }

  /** The chunk of key rows that holds key `num`'s row. */
  rowsOf(num: number): Float64Array {
    return this.chunks[num >>> CHUNK_BITS] as Float64Array;
  }

  /** Where key `num`'s row starts in its chunk. */
  rowAt(num: number): number {
    return (num & (CHUNK - 1)) * this.rowSize;
  }

  /**
   * The key of `actor` (patientId null) or of `actor` and one patient, created on first use. `mapKey`
   * is the key as text: the actor id, or actor id NUL patient id.
   */
  find(actor: ActorState, actorKind: ActorKind, eventRole: string | null, mapKey: string, patientId: string | null): KeyState {
    if (patientId === null) {
      // Keys that are the actor alone hang off the actor record: a walk of one or two objects already in cache
      // instead of a Map.get on a string among tens of thousands (bench/detect.bench.ts: ≈0.4 µs an event for the
      // after-hours rule, whose self-match baseline sees every read). Forgotten keys are unlinked on the way.
      let prev: KeyState | null = null;
      let ks = actor.ruleKeys as KeyState | null;
      while (ks !== null) {
        const next: KeyState | null = ks.nextForActor;
        if (ks.owner === this) return ks;
        if (ks.owner === null) {
          if (prev === null) actor.ruleKeys = next;
          else prev.nextForActor = next;
        } else prev = ks;
        ks = next;
      }
    }
    let ks: KeyState | undefined;
    if (patientId === null && this.bySlot.length > 0) {
      const slot = actor.slot;
      const n = slot < this.bySlot.length ? (this.bySlot[slot] as number) : 0;
      const found = n === 0 ? undefined : this.list[n - 1];
      // The number may be another key's since (forget leaves bySlot as it is).
      if (found !== undefined && found.patientId === null && found.actorId === actor.id) ks = found;
    } else {
      ks = this.keyMap.get(mapKey);
    }
    if (ks !== undefined) {
      // Known to the table but not to this actor record (the actor was evicted as idle and came back).
      if (patientId === null) {
        ks.nextForActor = actor.ruleKeys as KeyState | null;
        actor.ruleKeys = ks;
      }
    } else {
      ks = this.create(actor, actorKind, eventRole, mapKey, patientId);
    }
    return ks;
  }

  private create(actor: ActorState, actorKind: ActorKind, eventRole: string | null, mapKey: string, patientId: string | null): KeyState {
    const num = this.free.length > 0 ? (this.free.pop() as number) : this.list.length;
    const ks: KeyState = {
      owner: this,
      nextForActor: null,
      num,
      actorId: actor.id,
      actorKind,
      patientId,
      role: actor.role ?? eventRole,
      win: null,
      days: null,
      thresholdKey: NO_DAY,
      center: null,
      spread: null,
      comparedWith: 'fixed',
    };
    if (num === this.list.length) this.list.push(ks);
    else this.list[num] = ks;
    this.liveKeys++;
    // Numbers are dense (forgotten ones are reused first): a new number is in the last chunk or the next one.
    if (num >>> CHUNK_BITS === this.chunks.length) this.chunks.push(new Float64Array(this.rowSize * CHUNK));
    this.initRow(this.rowsOf(num), this.rowAt(num));
    if (patientId === null && this.bySlot.length > 0) {
      const slot = actor.slot;
      if (slot >= this.bySlot.length) {
        const grown = new Int32Array(Math.max(slot + 1, Math.ceil(this.bySlot.length * 1.5)));
        grown.set(this.bySlot);
        this.bySlot = grown;
      }
      this.bySlot[slot] = num + 1;
    } else {
      this.keyMap.set(mapKey, ks);
    }
    if (patientId === null) {
      ks.nextForActor = actor.ruleKeys as KeyState | null;
      actor.ruleKeys = ks;
    }
    return ks;
  }

  forget(ks: KeyState): void {
    // A key can be forgotten twice (closed again from a pending window end): its number may be another key's by then.
    if (ks.owner === null) return;
    ks.owner = null;
    this.list[ks.num] = undefined;
    this.free.push(ks.num);
    this.liveKeys--;
    if (ks.patientId !== null || this.bySlot.length === 0) {
      const mapKey = ks.patientId === null ? ks.actorId : `${ks.actorId}\u0000${ks.patientId}`;
      if (this.keyMap.get(mapKey) === ks) this.keyMap.delete(mapKey);
    }
  }

  /**
   * The invariants the hot path relies on without checking them, as a list of broken ones (empty when all
   * hold): tests call it after a replay (detector.test.ts). Each key is owned by this table at its number;
   * the live count is the number of keys listed; thresholdKey is a small integer (never NaN, |x| < 2^30) so
   * it stays unboxed; no free number is a live key's.
   */
  brokenInvariants(): string[] {
    const broken: string[] = [];
    let live = 0;
    for (let i = 0; i < this.list.length; i++) {
      const ks = this.list[i];
      if (ks === undefined) continue;
      live++;
      if (ks.owner !== this) broken.push(`key ${i} (${ks.actorId}) is listed but not owned`);
      if (ks.num !== i) broken.push(`key ${i} (${ks.actorId}) has number ${ks.num}`);
      if (!Number.isInteger(ks.thresholdKey) || Math.abs(ks.thresholdKey) > 2 ** 30) broken.push(`key ${i} (${ks.actorId}) has thresholdKey ${ks.thresholdKey}, not a small integer`);
    }
    if (live !== this.liveKeys) broken.push(`${live} keys listed, ${this.liveKeys} counted live`);
    for (const n of this.free) if (this.list[n] !== undefined) broken.push(`free number ${n} is a live key's`);
    return broken;
  }
}
