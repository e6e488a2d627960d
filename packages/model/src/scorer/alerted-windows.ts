import type { FeatureRow } from '../features/feature-row.ts';

/** An actor and a span that raised an alert (any detector). */
export interface AlertedWindow {
  readonly actorId: string;
  readonly windowStart: string;
  readonly windowEnd: string;
}

/**
 * A predicate for trainFromEvents' `exclude`: true for a row whose actor
 * had an alert whose window overlaps the row's window.
 */
export function overlapsAlerts(alerts: Iterable<AlertedWindow>): (row: FeatureRow) => boolean {
  const byActor = new Map<string, [number, number][]>();
  for (const a of alerts) {
    const start = Date.parse(a.windowStart);
    // A zero-length window still names its instant.
    const span: [number, number] = [start, Math.max(Date.parse(a.windowEnd), start + 1)];
    const list = byActor.get(a.actorId);
    if (list === undefined) byActor.set(a.actorId, [span]);
    else list.push(span);
  }
  return (row) => (byActor.get(row.actorId) ?? []).some(([s, e]) => s < row.windowEnd && e > row.windowStart);
}
