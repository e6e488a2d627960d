import type { FileFeedStatus } from './file-feed.ts';
import type { FeedStatus } from './simulator-feed.ts';

const count = (n: number): string => n.toLocaleString('en-US');

/** "2026-11-21 14:05" of a UTC ms time in the hospital's zone. */
export function simulatedClock(ms: number, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    hourCycle: 'h23',
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(ms);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('weekday')} ${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

export interface SimulatorLine {
  status: FeedStatus;
  window: { start: number; end: number };
  speed: number;
  timezone: string;
  alerts: number;
}

/** The progress bar's fraction and text for the simulator: where simulated time is in the window. */
export function simulatorLine(s: SimulatorLine): { fraction: number; text: string } {
  const at = s.status.simTime ?? s.window.start;
  const fraction = (at - s.window.start) / (s.window.end - s.window.start);
  const phase = s.status.phase === 'backfill' ? 'catching up' : s.status.phase === 'live' ? `live ×${s.speed}` : 'done';
  return { fraction, text: `${phase} · ${simulatedClock(at, s.timezone)} · ${count(s.status.sent)} events · ${count(s.alerts)} alerts` };
}

export function fileLine(status: FileFeedStatus, alerts: number): { fraction: number; text: string } {
  const mb = (b: number): string => (b / 1_048_576).toFixed(1);
  return {
    fraction: status.size === 0 ? 1 : status.bytes / status.size,
    text: `${mb(status.bytes)} of ${mb(status.size)} MB · ${count(status.sent)} messages · ${count(alerts)} alerts`,
  };
}
