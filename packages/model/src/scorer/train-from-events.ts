import type { CareOptions, ReferenceLookup } from '@chartwatch/detect';
import type { AccessEvent } from '@chartwatch/event';
import { createAccessFacts } from '../features/access-facts.ts';
import type { FeatureOptions } from '../features/feature-accumulator.ts';
import { DEFAULT_FEATURE_OPTIONS, FeatureAccumulator } from '../features/feature-accumulator.ts';
import type { FeatureRow } from '../features/feature-row.ts';
import type { BehaviourModel } from './behaviour-model.ts';
import type { TrainModelOptions } from './train-model.ts';
import { trainBehaviourModel } from './train-model.ts';

export interface TrainFromEventsOptions extends Omit<TrainModelOptions, 'featureOptions' | 'from' | 'to' | 'events' | 'timezone'> {
  reference: ReferenceLookup;
  /** The hospital's IANA zone. Default UTC. */
  timezone?: string;
  featureOptions?: Partial<FeatureOptions>;
  care?: Partial<CareOptions>;
  /** The history's range, [from, to) ISO-8601 UTC; default the first and last event's times. */
  from?: string;
  to?: string;
  /**
   * Rows to leave out of training (their events still build care and
   * novelty memory), e.g. actor-days that already raised an alert: a model
   * should not learn that last month's incidents are normal.
   */
  exclude?: (row: FeatureRow) => boolean;
}

export interface TrainedFromEvents {
  model: BehaviourModel;
  /** Every row, complete or not (the first days only warm up the look-back), excluded or not. */
  rows: FeatureRow[];
  /** Rows left out by `exclude`. */
  excluded: number;
  events: number;
}

/**
 * The whole training path: events (from a file or read back from
 * ClickHouse, in event-time then event-id order) through the same feature
 * accumulator the live scorer uses, then trainBehaviourModel.
 */
export async function trainFromEvents(events: Iterable<AccessEvent> | AsyncIterable<AccessEvent>, options: TrainFromEventsOptions): Promise<TrainedFromEvents> {
  const timezone = options.timezone ?? 'UTC';
  const featureOptions: FeatureOptions = { ...DEFAULT_FEATURE_OPTIONS, ...options.featureOptions };
  const facts = createAccessFacts({ reference: options.reference, timezone, ...(options.care ? { care: options.care } : {}) });
  const acc = new FeatureAccumulator({ facts, ...featureOptions, ...(options.from === undefined ? {} : { historyFromMs: Date.parse(options.from) }) });
  const rows: FeatureRow[] = [];
  let n = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for await (const e of events) {
    n++;
    const t = Date.parse(e.time);
    if (t < first) first = t;
    if (t > last) last = t;
    for (const r of acc.add(e)) rows.push(r);
  }
  for (const r of acc.flush()) rows.push(r);
  const iso = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : '');
  const { reference: _r, featureOptions: _f, care: _c, from, to, timezone: _t, exclude, ...train } = options;
  const kept = exclude === undefined ? rows : rows.filter((r) => !exclude(r));
  const model = trainBehaviourModel(kept, {
    ...train,
    featureOptions,
    timezone,
    from: from ?? iso(first),
    to: to ?? iso(last + 1),
    events: n,
  });
  return { model, rows, excluded: rows.length - kept.length, events: n };
}
