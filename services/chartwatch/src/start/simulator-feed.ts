import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { BusProducer, OutgoingMessage } from '@chartwatch/bus';
import type { AccessEvent } from '@chartwatch/event';
import type { Hospital } from '@chartwatch/simulator';
import { generateHospital, streamDays, toFhirAuditEvent } from '@chartwatch/simulator';
import type { SimulationState } from './simulation-state.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Messages per send while catching up: the bus's batch bound (OpenTelemetry's 512). */
const CHUNK = 512;
/** Longest pause of the live feed between two looks at the clock. */
const TICK_MS = 200;

export function simulatedHospital(state: SimulationState): Hospital {
  return generateHospital({ seed: state.seed, staff: state.staff, days: state.days, start: state.start, timezone: state.timezone });
}

/** UTC ms of the simulated window: [start, end). */
export function simulatedWindow(h: Hospital): { start: number; end: number } {
  return { start: h.clock.toUtc(0), end: h.clock.toUtc(h.end) };
}

/**
 * Where the full-speed backfill ends by default: an hour after the first
 * incident of every scenario the hospital plans has ended, so every kind of
 * alert can fire before the feed slows to `--speed`, and the days before
 * give the baselines something to learn from.
 */
export function defaultBackfillUntil(h: Hospital): number {
  const firstEnd = new Map<string, number>();
  for (const incident of h.incidents) {
    const seen = firstEnd.get(incident.scenario);
    if (seen === undefined || incident.to < seen) firstEnd.set(incident.scenario, incident.to);
  }
  const latest = firstEnd.size === 0 ? DAY : Math.max(...firstEnd.values()) + HOUR;
  return h.clock.toUtc(Math.min(latest, h.end));
}

export interface FeedStatus {
  phase: 'backfill' | 'live' | 'done';
  /** Messages sent to the raw topic. */
  sent: number;
  /** UTC ms of the newest event sent; null before the first. */
  simTime: number | null;
}

export interface SimulatorFeedOptions {
  hospital: Hospital;
  producer: BusProducer;
  topic: string;
  /** Simulated ms per wall-clock ms once the backfill is done. */
  speed: number;
  /** UTC ms: events before it are sent as fast as the bus takes them. */
  backfillUntil: number;
  /**
   * Event ids are sim-<seed>-<n> in the simulator; this replaces that
   * prefix, so hospitals simulated over other dates never share an id.
   */
  idPrefix: string;
  signal: AbortSignal;
  onStatus?: (status: FeedStatus) => void;
  now?: () => number;
}

/** The raw message an EHR would send for an access: a FHIR R4 AuditEvent, keyed by actor id. */
export function auditMessage(event: AccessEvent): OutgoingMessage {
  return { key: event.actor.id, value: JSON.stringify(toFhirAuditEvent(event)), headers: { 'cw-format': 'fhir' } };
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}

/**
 * Feeds the simulated hospital to the raw topic as FHIR AuditEvents: the
 * events before `backfillUntil` as fast as the bus takes them (its bound
 * back-pressures this loop), then paced so simulated time runs `speed`
 * times faster than the wall clock from where the backfill ended, but never
 * past the wall clock: no event is sent before its time has come. Resolves
 * when the window is fed or the signal aborts.
 */
export async function runSimulatorFeed(o: SimulatorFeedOptions): Promise<FeedStatus> {
  const now = o.now ?? Date.now;
  const status: FeedStatus = { phase: 'backfill', sent: 0, simTime: null };
  const simPrefix = `sim-${o.hospital.options.seed}-`;
  let pending: OutgoingMessage[] = [];
  let pendingTime: number | null = null;
  let liveFrom: { wall: number; sim: number } | null = null;
  let wallSeen = now();

  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    await o.producer.send(o.topic, batch);
    status.sent += batch.length;
    status.simTime = pendingTime;
    o.onStatus?.({ ...status });
  };

  for (const day of streamDays(o.hospital)) {
    if (o.signal.aborted) break;
    for (const original of day.events) {
      if (o.signal.aborted) break;
      const t = Date.parse(original.time);
      // An event after the wall clock is never backfilled, whatever backfillUntil says (the clock is read again
      // only when an event passes the last reading: backfill events are nearly always in the past).
      if (t >= o.backfillUntil || (t > wallSeen && t > (wallSeen = now()))) {
        if (liveFrom === null) {
          await flush();
          liveFrom = { wall: now(), sim: o.backfillUntil };
          status.phase = 'live';
          o.onStatus?.({ ...status });
        }
        // Simulated "now": the feed never sends an event before its time comes, nor one from the future. The last
        // simulated day is today: at ×300 the feed reached today's evening in minutes and stamped events up to
        // hours ahead of the clock; once simulated time catches up with the wall clock it runs at the wall clock's pace.
        for (;;) {
          const wall = now();
          const paced = liveFrom.sim + (wall - liveFrom.wall) * o.speed;
          if ((t <= paced && t <= wall) || o.signal.aborted) break;
          await flush();
          // Until both allow it: the paced simulated clock (wall ms × speed) and the wall clock itself.
          const wait = Math.max((t - paced) / o.speed, t - wall);
          await pause(Math.min(TICK_MS, Math.max(1, Math.ceil(wait))), o.signal);
        }
        if (o.signal.aborted) break;
      }
      const event = original.eventId.startsWith(simPrefix) ? { ...original, eventId: o.idPrefix + original.eventId.slice(simPrefix.length) } : original;
      pending.push(auditMessage(event));
      pendingTime = t;
      if (pending.length >= CHUNK) {
        await flush();
        // Building FHIR JSON is CPU work: let the API, ingest and detector in.
        await yieldToLoop();
      }
    }
  }
  if (!o.signal.aborted) {
    await flush();
    status.phase = 'done';
    o.onStatus?.({ ...status });
  }
  return status;
}
