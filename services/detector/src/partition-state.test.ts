import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '@chartwatch/bus';
import { parseRule } from '@chartwatch/detect';
import { sampleEvent } from '@chartwatch/event';
import type { AccessEvent } from '@chartwatch/event';
import { ReferenceIndex } from '@chartwatch/reference';
import type { HistorySource } from './history-source.ts';
import { rebuildPartition } from './partition-state.ts';
import type { CoreSettings, RebuildRequest } from './partition-state.ts';

const RULES_DIR = fileURLToPath(new URL('../../../rules/', import.meta.url));
const afterHours = parseRule({ file: `${RULES_DIR}after-hours-bulk.yaml`, text: readFileSync(`${RULES_DIR}after-hours-bulk.yaml`, 'utf8') });
const reference = new ReferenceIndex({
  staff: [{ actorId: 'dd', givenName: null, familyName: null, address: null, department: 'cardiology', role: 'physician', hiredAt: null, terminatedAt: null }],
  patients: [],
  vendors: [],
  encounters: [],
});
const settings: CoreSettings = { timezone: 'UTC', allowedLatenessMs: 300_000, warmupHorizonMs: null, recentAlertIds: 100, seenEventIds: 1_000 };

function read(id: string, time: string, actor: string, patient: string): AccessEvent {
  return sampleEvent({ eventId: id, time, actor: { id: actor, role: 'physician' }, patientIds: [patient] });
}

/** Reads of distinct patients every 2 minutes from Wednesday 01:00 UTC (after hours): the 31st in 4 h alerts. */
function reads(actor: string, from: number, count: number, start = '2026-03-04T01:00:00.000Z'): AccessEvent[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return read(`${actor}-${i}`, new Date(Date.parse(start) + i * 120_000).toISOString(), actor, `${actor}-p${i}`);
  });
}

/** Stored history as ClickHouse would return it: the partition's actors, in [from, to), by event time. */
function history(events: readonly AccessEvent[], seen: { from?: string } = {}): HistorySource {
  return {
    async *eventsOfPartition(partition, partitions, from, to) {
      seen.from = from;
      const sorted = [...events].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
      for (const e of sorted) if (partitionForKey(e.actor.id, partitions) === partition && e.time >= from && e.time < to) yield e;
    },
  };
}

function request(stored: readonly AccessEvent[], firstEvents: readonly AccessEvent[], more: Partial<RebuildRequest> = {}): RebuildRequest {
  return {
    partition: partitionForKey('dd', 3),
    partitions: 3,
    rules: [afterHours],
    rulesVersion: 1,
    reference,
    settings,
    history: history(stored),
    firstEvents,
    progress: async () => true,
    ...more,
  };
}

describe('rebuildPartition', () => {
  it('continues a window from stored history: the alert fires once, from the backlog, and the backlog is not counted twice', async () => {
    const before = reads('dd', 0, 20);
    const after = reads('dd', 20, 15);
    // Ingest stored both; the consumer had committed `before`, so `after` is what the stream delivers next.
    const rebuilt = await rebuildPartition(request([...before, ...after], after));
    expect(rebuilt).not.toBeNull();
    const { state, alerts, olderAlerts, warmupEvents } = rebuilt!;
    expect(warmupEvents).toBe(35);
    expect(olderAlerts).toBe(0);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ ruleId: 'after-hours-bulk', actorId: 'dd', observed: 31, firedAt: after[10]?.time });
    for (const e of after) expect(state.offer(e)).toBeNull();
    // A new read after the backlog is judged as usual (the window already alerted: suppressed, no second alert).
    expect(state.offer(reads('dd', 35, 1)[0]!)).toEqual([]);
    expect(state.detector.stats().suppressedByRule['after-hours-bulk']).toBeGreaterThan(0);
  });

  it('does not hand back alerts of events the previous owner had judged (before the floor)', async () => {
    const night = reads('dd', 0, 35);
    const nextDay = reads('dd', 0, 1, '2026-03-05T14:00:00.000Z');
    const rebuilt = await rebuildPartition(request([...night, ...nextDay], nextDay));
    expect(rebuilt?.olderAlerts).toBe(1);
    expect(rebuilt?.alerts).toEqual([]);
    expect(rebuilt?.floor).toBe('2026-03-05T13:55:00.000Z');
  });

  it('reads the horizon before the newest first event, and only its own partition', async () => {
    const seen: { from?: string } = {};
    const other = ['a', 'b', 'c', 'e', 'f', 'g'].find((a) => partitionForKey(a, 3) !== partitionForKey('dd', 3)) as string;
    const stored = [...reads('dd', 0, 5), ...reads(other, 0, 50)];
    const rebuilt = await rebuildPartition(request(stored, reads('dd', 5, 1), { history: history(stored, seen), settings: { ...settings, warmupHorizonMs: 3_600_000 } }));
    expect(rebuilt?.warmupEvents).toBe(5);
    expect(seen.from).toBe('2026-03-04T00:10:00.000Z');
  });

  it('stops when asked to (a stop or a rebalance during a long rebuild)', async () => {
    const stored = reads('dd', 0, 5_000, '2026-02-01T01:00:00.000Z');
    const rebuilt = await rebuildPartition(request(stored, stored.slice(-1), { progress: async () => false }));
    expect(rebuilt).toBeNull();
  });
});
