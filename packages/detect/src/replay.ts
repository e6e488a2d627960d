import type { AccessEvent, InputFormat, ParseFailure, ParseResult } from '@chartwatch/event';
import { parseCanonicalEvent, parseCanonicalLine, parseCsvAccessLog, parseFhirLine, parseFhirResource, parseIsoMillis } from '@chartwatch/event';
import { ChartwatchError } from '@chartwatch/errors';
import type { Alert } from './alert.ts';
import type { CareOptions } from '@chartwatch/facts';
import { createDetector } from './detector.ts';
import type { DetectorStats, LateEvent } from './detector.ts';
import type { LoadedRule } from './load-rules.ts';
import type { ReferenceLookup } from '@chartwatch/facts';
import { ReorderBuffer } from './reorder-buffer.ts';

/**
 * Batch replay: the contract tests and benchmarks use. A file of events is
 * parsed, put in event-time order (a full sort, or a bounded reorder buffer
 * when streamed), and run through the same detector the live stream uses;
 * nothing here reads a clock or a file.
 */

/**
 * A second opinion on each event besides the rules, e.g. the isolation-forest
 * model. It sees every valid event in event-time order and returns its own
 * alerts (detector: 'model'); flush is called once at the end.
 */
export interface ReplayScorer {
  readonly name: string;
  process(event: AccessEvent): readonly Alert[];
  flush(): readonly Alert[];
  /**
   * The rules' alerts, each time the rules raise some, before the scorer sees the event that raised them
   * (the model leaves an actor-day a rule already alerted on to the rule: its budget is for what rules miss).
   */
  noteRuleAlerts?(alerts: readonly Alert[]): void;
}

export type ReplayInput =
  /** The whole file's text in one of the input formats. */
  | { input: string; format: InputFormat }
  /** Already-parsed results, e.g. parsed line by line from a stream. */
  | { parsed: Iterable<ParseResult> };

export type ReplayOptions = ReplayInput & {
  rules: readonly LoadedRule[];
  reference: ReferenceLookup;
  timezone?: string;
  allowedLatenessMs?: number;
  care?: Partial<CareOptions>;
  scorers?: readonly ReplayScorer[];
  /** Sort by event time before detection (stable). Default true; false replays in file order, exercising lateness. */
  sort?: boolean;
  /** Called for each alert as it fires; alerts are also returned unless `collect` is false. */
  onAlert?: (alert: Alert) => void;
  collect?: boolean;
};

export interface InvalidSample {
  line: number | null;
  field: string;
  reason: string;
}

export interface ReplaySummary {
  /** Valid events replayed. */
  events: number;
  /** Invalid events (lines, rows, bundle entries), by the field at fault, and the first few in full. */
  invalid: number;
  invalidByField: Record<string, number>;
  invalidSamples: InvalidSample[];
  alerts: number;
  alertsByRule: Record<string, number>;
  /** Events behind the watermark: not counted in windows, listed here (ids, capped) for the log. */
  late: number;
  lateSamples: { eventId: string; time: string; lateByMs: number }[];
  firstEventTime: string | null;
  lastEventTime: string | null;
  detector: DetectorStats;
}

const MAX_SAMPLES = 20;

/** Parses a whole input text: NDJSON (FHIR AuditEvents or Bundles, canonical events), a JSON array or Bundle, or CSV. */
export function parseInput(text: string, format: InputFormat): ParseResult[] {
  if (format === 'csv') return parseCsvAccessLog(text);
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[') || (format === 'fhir' && trimmed.startsWith('{') && !trimmed.includes('\n{'))) {
    // One JSON document (an array of events, or a single pretty-printed Bundle) rather than lines.
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      doc = undefined;
    }
    if (doc !== undefined) {
      if (Array.isArray(doc)) return doc.flatMap((v) => (format === 'fhir' ? parseFhirResource(v) : [parseCanonicalEvent(v)]));
      if (format === 'fhir') return parseFhirResource(doc);
    }
  }
  const out: ParseResult[] = [];
  let lineNo = 0;
  let from = 0;
  while (from <= text.length) {
    let to = text.indexOf('\n', from);
    if (to < 0) to = text.length;
    lineNo++;
    const line = text.slice(from, to).trim();
    if (line !== '') {
      if (format === 'fhir') for (const r of parseFhirLine(line, lineNo)) out.push(r);
      else out.push(parseCanonicalLine(line, lineNo));
    }
    from = to + 1;
  }
  return out;
}

export type StreamingReplayOptions = Omit<ReplayOptions, keyof ReplayInput | 'sort'> & {
  /**
   * How far behind the newest event seen an event may arrive and still be
   * replayed in event-time order: the reorder buffer holds this much event
   * time. Infinity holds everything (a full stable sort); null replays in
   * arrival order with no buffer. An event arriving further behind stops the
   * replay with a ReplayOrderError rather than being run out of order.
   */
  reorderWindowMs: number | null;
};

/** A replay fed one parse result at a time; memory is the detector's state plus the reorder buffer. */
export interface StreamingReplay {
  /** `line` (1-based, when the input has lines) names where an out-of-order event is. */
  push(result: ParseResult, line?: number): void;
  /** Runs what the buffer still holds, flushes the detector and scorers, and sums up. */
  finish(): { alerts: Alert[]; summary: ReplaySummary };
  /** Events in the reorder buffer now (for progress and memory reports). */
  buffered(): number;
}

/** An input further out of event-time order than the reorder window: sort it, or widen the window. */
export class ReplayOrderError extends ChartwatchError {
  constructor(
    readonly eventId: string,
    readonly line: number | null,
    readonly behindMs: number,
    readonly windowMs: number,
  ) {
    super(
      'CW_ERR_INPUT',
      `${line === null ? '' : `line ${line}: `}event ${eventId} is ${formatMs(behindMs)} older than an event already replayed, more than the reorder window of ${formatMs(windowMs)}: ` +
        'the input is not in event-time order. Sort it by time first, pass a wider --reorder-window (memory grows with it), or --arrival-order to replay it as it comes (late events are then counted, not run)',
    );
    this.name = 'ReplayOrderError';
  }
}

function formatMs(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1_000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/**
 * The streaming replay: events go through a reorder buffer of
 * `reorderWindowMs` of event time (a min-heap by time, ties in arrival
 * order), so a file that is in order within that window replays exactly as
 * a full stable sort would, in memory that does not grow with its length.
 */
export function createReplay(options: StreamingReplayOptions): StreamingReplay {
  const detector = createDetector({
    rules: options.rules,
    reference: options.reference,
    timezone: options.timezone,
    allowedLatenessMs: options.allowedLatenessMs,
    care: options.care,
  });
  const scorers = options.scorers ?? [];
  const collect = options.collect !== false;
  const windowMs = options.reorderWindowMs;
  const buffer = new ReorderBuffer<AccessEvent>();
  const alerts: Alert[] = [];
  const alertsByRule: Record<string, number> = {};
  const invalidByField: Record<string, number> = {};
  const invalidSamples: InvalidSample[] = [];
  const late: LateEvent[] = [];
  let events = 0;
  let invalid = 0;
  let lateCount = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  let released = Number.NEGATIVE_INFINITY;

  const emit = (list: readonly Alert[]): void => {
    for (const a of list) {
      alertsByRule[a.ruleId] = (alertsByRule[a.ruleId] ?? 0) + 1;
      options.onAlert?.(a);
      if (collect) alerts.push(a);
    }
  };
  const run = (e: AccessEvent): void => {
    const fromRules = detector.process(e);
    emit(fromRules);
    for (const s of scorers) {
      if (fromRules.length > 0) s.noteRuleAlerts?.(fromRules);
      emit(s.process(e));
    }
    const l = detector.takeLate();
    if (l.length > 0) {
      lateCount += l.length;
      for (const x of l) if (late.length < MAX_SAMPLES) late.push(x);
    }
  };

  return {
    push(r: ParseResult, line?: number): void {
      if (!r.ok) {
        invalid++;
        countFailure(r, invalidByField, invalidSamples);
        return;
      }
      const t = parseIsoMillis(r.event.time);
      events++;
      if (t < first) first = t;
      if (t > last) last = t;
      if (windowMs === null) {
        run(r.event);
        return;
      }
      // Equal times keep arrival order, as the stable sort did; only an earlier time is out of reach.
      if (t < released) throw new ReplayOrderError(r.event.eventId, line ?? null, released - t, windowMs);
      buffer.push(t, r.event);
      const horizon = last - windowMs;
      while (buffer.peekTime() < horizon) {
        released = buffer.peekTime();
        run(buffer.pop() as AccessEvent);
      }
    },

    finish() {
      while (buffer.size > 0) {
        released = buffer.peekTime();
        run(buffer.pop() as AccessEvent);
      }
      const lastFromRules = detector.flush();
      emit(lastFromRules);
      for (const s of scorers) {
        if (lastFromRules.length > 0) s.noteRuleAlerts?.(lastFromRules);
        emit(s.flush());
      }
      const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
      return {
        alerts,
        summary: {
          events,
          invalid,
          invalidByField,
          invalidSamples,
          alerts: Object.values(alertsByRule).reduce((a, b) => a + b, 0),
          alertsByRule,
          late: lateCount,
          lateSamples: late.map((l) => ({ eventId: l.event.eventId, time: l.event.time, lateByMs: l.lateByMs })),
          firstEventTime: iso(first),
          lastEventTime: iso(last),
          detector: detector.stats(),
        },
      };
    },

    buffered: () => buffer.size,
  };
}

/** Replays a whole input: sorted by event time (a reorder buffer as wide as the file), or in file order. */
export function replayEvents(options: ReplayOptions): { alerts: Alert[]; summary: ReplaySummary } {
  const parsed = 'parsed' in options ? options.parsed : parseInput(options.input, options.format);
  const replay = createReplay({ ...options, reorderWindowMs: options.sort === false ? null : Number.POSITIVE_INFINITY });
  for (const r of parsed) replay.push(r);
  return replay.finish();
}

function countFailure(f: ParseFailure, byField: Record<string, number>, samples: InvalidSample[]): void {
  byField[f.field] = (byField[f.field] ?? 0) + 1;
  if (samples.length < MAX_SAMPLES) samples.push({ line: f.line ?? null, field: f.field, reason: f.reason });
}
