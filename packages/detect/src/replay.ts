import type { AccessEvent, InputFormat, ParseFailure, ParseResult } from '@chartwatch/event';
import { parseCanonicalEvent, parseCanonicalLine, parseCsvAccessLog, parseFhirLine, parseFhirResource, parseIsoMillis } from '@chartwatch/event';
import type { Alert } from './alert.ts';
import type { CareOptions } from '@chartwatch/facts';
import { createDetector } from './detector.ts';
import type { DetectorStats, LateEvent } from './detector.ts';
import type { LoadedRule } from './load-rules.ts';
import type { ReferenceLookup } from '@chartwatch/facts';

/**
 * Batch replay: the contract tests and benchmarks use. A file of events is
 * parsed, sorted by event time, and run through the same detector the live
 * stream uses; nothing here reads a clock or a file.
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

export function replayEvents(options: ReplayOptions): { alerts: Alert[]; summary: ReplaySummary } {
  const parsed = 'parsed' in options ? options.parsed : parseInput(options.input, options.format);
  const events: AccessEvent[] = [];
  const times: number[] = [];
  const invalidByField: Record<string, number> = {};
  const invalidSamples: InvalidSample[] = [];
  let invalid = 0;
  for (const r of parsed) {
    if (r.ok) {
      events.push(r.event);
      times.push(parseIsoMillis(r.event.time));
    } else {
      invalid++;
      countFailure(r, invalidByField, invalidSamples);
    }
  }
  let order: number[] = events.map((_, i) => i);
  if (options.sort !== false) order.sort((a, b) => (times[a] as number) - (times[b] as number) || a - b);
  else order = order.slice();

  const detector = createDetector({
    rules: options.rules,
    reference: options.reference,
    timezone: options.timezone,
    allowedLatenessMs: options.allowedLatenessMs,
    care: options.care,
  });
  const scorers = options.scorers ?? [];
  const collect = options.collect !== false;
  const alerts: Alert[] = [];
  const alertsByRule: Record<string, number> = {};
  const emit = (list: readonly Alert[]): void => {
    for (const a of list) {
      alertsByRule[a.ruleId] = (alertsByRule[a.ruleId] ?? 0) + 1;
      options.onAlert?.(a);
      if (collect) alerts.push(a);
    }
  };
  const late: LateEvent[] = [];
  let lateCount = 0;
  for (const i of order) {
    const e = events[i] as AccessEvent;
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
  }
  const lastFromRules = detector.flush();
  emit(lastFromRules);
  for (const s of scorers) {
    if (lastFromRules.length > 0) s.noteRuleAlerts?.(lastFromRules);
    emit(s.flush());
  }

  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const t of times) {
    if (t < first) first = t;
    if (t > last) last = t;
  }
  const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
  return {
    alerts,
    summary: {
      events: events.length,
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
}

function countFailure(f: ParseFailure, byField: Record<string, number>, samples: InvalidSample[]): void {
  byField[f.field] = (byField[f.field] ?? 0) + 1;
  if (samples.length < MAX_SAMPLES) samples.push({ line: f.line ?? null, field: f.field, reason: f.reason });
}
