import { createDetector, DEFAULT_CARE_OPTIONS } from '@chartwatch/detect';
import type { Alert, Detector, LateEvent, LoadedRule, ReferenceLookup, ReplayScorer } from '@chartwatch/detect';
import type { AccessEvent } from '@chartwatch/event';
import { MAX_EVENT_TIME } from '@chartwatch/event';
import { BoundedIdSet } from './bounded-id-set.ts';
import type { HistorySource } from './history-source.ts';
import { SeenEvents } from './seen-events.ts';
import { warmupHorizonMs } from './warmup-horizon.ts';

export interface CoreSettings {
  timezone: string;
  allowedLatenessMs: number;
  /** History read on a rebuild; null = derived from the rules (warmupHorizonMs). */
  warmupHorizonMs: number | null;
  /** Alert ids a partition remembers having published. */
  recentAlertIds: number;
  /** Cap on the event ids remembered ahead of the watermark (see SeenEvents). */
  seenEventIds: number;
}

const NO_ALERTS: readonly Alert[] = Object.freeze([]) as readonly Alert[];

/**
 * The detection state of one partition of the events topic: a core
 * detector of its own (so each partition has its own watermark, and a
 * partition that lags after a restart is not judged "too late" against one
 * that raced ahead), the offset it has consumed up to, and the ids that keep
 * repeats from counting twice.
 *
 * The state is valid only for a stream that continues exactly where it left
 * off: a batch that starts at any other offset (another instance consumed in
 * between, the group was reset, a failed batch is redelivered) means the
 * state must be rebuilt from the store.
 */
export class PartitionState {
  /** Offset of the next message this state expects; null before the first batch after a rebuild. */
  nextOffset: bigint | null = null;
  readonly recentAlerts: BoundedIdSet;
  private readonly seen: SeenEvents;
  /**
   * Ids a rebuild read from the store that the stream may still deliver
   * (event time at or after the rebuild's floor): ingest stores before it
   * publishes, so a consumer that restarts finds its backlog in the store.
   * Each is forgotten when it arrives; the store's version was counted.
   */
  private readonly fromStore: BoundedIdSet;
  private maxEventMs = Number.NEGATIVE_INFINITY;

  constructor(
    readonly partition: number,
    readonly detector: Detector,
    readonly rulesVersion: number,
    private readonly settings: CoreSettings,
    /** Second opinions beside the rules (the isolation forest), as replayEvents runs them. */
    private readonly scorers: readonly ReplayScorer[] = [],
  ) {
    this.recentAlerts = new BoundedIdSet(settings.recentAlertIds);
    this.seen = new SeenEvents(settings.seenEventIds);
    this.fromStore = new BoundedIdSet(settings.seenEventIds);
  }

  private get watermarkMs(): number {
    return this.maxEventMs - this.settings.allowedLatenessMs;
  }

  /** Feeds one event; null when it was already counted (a repeat). */
  offer(event: AccessEvent): readonly Alert[] | null {
    if (this.fromStore.delete(event.eventId) || this.seen.has(event.eventId)) return null;
    const t = Date.parse(event.time);
    let out = this.detector.process(event);
    for (const s of this.scorers) {
      // As replayEvents: the model hears of the rules' alerts before it judges the event (replay = live).
      if (out.length > 0) s.noteRuleAlerts?.(out);
      const more = s.process(event);
      if (more.length > 0) out = [...out, ...more];
    }
    if (t > this.maxEventMs) this.maxEventMs = t;
    if (t >= this.watermarkMs) this.seen.add(event.eventId, t);
    return out.length === 0 ? NO_ALERTS : out;
  }

  /** Forgets repeat-guards the watermark has passed; returns the events that arrived behind it. */
  endOfSlice(): LateEvent[] {
    this.seen.prune(this.watermarkMs);
    return this.detector.takeLate();
  }

  /** A rebuild counted this stored event; the stream may deliver it again. */
  counted(eventId: string): void {
    this.fromStore.add(eventId);
  }

  get rememberedEventIds(): number {
    return this.seen.size + this.fromStore.size;
  }
}

export interface RebuildRequest {
  partition: number;
  /** Partition count of the events topic: which actors belong to this partition. */
  partitions: number;
  rules: readonly LoadedRule[];
  rulesVersion: number;
  reference: ReferenceLookup;
  settings: CoreSettings;
  history: HistorySource;
  /** The first events the partition delivered after the state was lost. */
  firstEvents: readonly AccessEvent[];
  /** Called every few thousand events: keep group membership, stop early. */
  progress: () => Promise<boolean>;
  /** Fresh scorers for this partition's state (default none). */
  scorers?: readonly ReplayScorer[];
  /**
   * Events at or after the floor go here instead of into the core (the
   * detector's event-time buffer), so they are judged in event-time order
   * with what the stream delivers next. Absent = fed to the core at once.
   */
  hold?: (event: AccessEvent) => void;
  /** With `hold`: no previous owner judged anything (the group starts at offset 0), so every stored event is held. */
  fresh?: boolean;
  /** The floor is at most this (epoch ms): the oldest event still waiting unjudged in the buffer. */
  floorAtMost?: number;
}

export interface Rebuilt {
  state: PartitionState;
  /** Alerts the history raised at or after the floor: candidates for publishing (the store says which are new). */
  alerts: Alert[];
  /** Alerts the history raised before the floor: already handled by whoever consumed those events. */
  olderAlerts: number;
  warmupEvents: number;
  from: string;
  floor: string;
}

const PROGRESS_EVERY = 2_000;

/**
 * Rebuilds a partition's state from the store: the events of its actors
 * from `horizon` before the newest of `firstEvents` onwards (everything
 * stored, including events ingest stored ahead of this consumer), fed
 * through a fresh core in event-time order.
 *
 * The alerts this raises are returned only from the floor on: the earliest
 * of `firstEvents` less the allowed lateness. Events before the floor were
 * consumed, and their alerts published, by the previous owner before it
 * committed their offsets; alerts after it may be caused by events that were
 * stored but never judged (a crash between store and publish), so they go to
 * the publisher, which asks the store whether each was published already.
 * A new rule is therefore not back-filled over history: `replay` does that.
 *
 * Returns null when `progress` asked to stop.
 */
export async function rebuildPartition(req: RebuildRequest): Promise<Rebuilt | null> {
  const { settings } = req;
  let newest = Number.NEGATIVE_INFINITY;
  let earliest = Number.POSITIVE_INFINITY;
  for (const e of req.firstEvents) {
    const t = Date.parse(e.time);
    if (t > newest) newest = t;
    if (t < earliest) earliest = t;
  }
  if (!Number.isFinite(newest)) throw new RangeError('rebuildPartition needs at least one event with a valid time');
  const horizon = settings.warmupHorizonMs ?? warmupHorizonMs(req.rules, { careMemoryMs: DEFAULT_CARE_OPTIONS.memoryMs, allowedLatenessMs: settings.allowedLatenessMs });
  const from = new Date(newest - horizon).toISOString();
  const floorMs = req.hold !== undefined && req.fresh === true ? Number.NEGATIVE_INFINITY : Math.min(earliest, req.floorAtMost ?? earliest) - settings.allowedLatenessMs;

  const detector = createDetector({ rules: req.rules, reference: req.reference, timezone: settings.timezone, allowedLatenessMs: settings.allowedLatenessMs });
  const state = new PartitionState(req.partition, detector, req.rulesVersion, settings, req.scorers);
  const alerts: Alert[] = [];
  let olderAlerts = 0;
  let n = 0;
  for await (const event of req.history.eventsOfPartition(req.partition, req.partitions, from, MAX_EVENT_TIME)) {
    if (req.hold !== undefined && Date.parse(event.time) >= floorMs) {
      req.hold(event);
      if (++n % PROGRESS_EVERY === 0 && !(await req.progress())) return null;
      continue;
    }
    const out = state.offer(event);
    if (out !== null) {
      for (const a of out) {
        if (Date.parse(a.firedAt) >= floorMs) alerts.push(a);
        else olderAlerts++;
      }
    }
    if (Date.parse(event.time) >= floorMs) state.counted(event.eventId);
    if (++n % PROGRESS_EVERY === 0 && !(await req.progress())) return null;
  }
  // Lateness inside stored history is the live stream's business, already reported then.
  state.endOfSlice();
  return { state, alerts, olderAlerts, warmupEvents: n, from, floor: Number.isFinite(floorMs) ? new Date(floorMs).toISOString() : 'none (fresh group)' };
}
