import { ConfigError } from '@chartwatch/errors';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const MAX_CACHED_HOURS = 100_000;

/**
 * Wall-clock questions (is it after hours? which local day is it?) in one
 * IANA time zone. Asking Intl is slow (microseconds), so the UTC offset is
 * computed once per UTC hour and cached: time-zone transitions fall on hour
 * boundaries in practice, and events arrive roughly in time order, so nearly
 * every lookup hits the one-entry fast path.
 */
export class LocalClock {
  readonly timeZone: string;
  private readonly format: Intl.DateTimeFormat;
  private lastHour = Number.NaN;
  private lastOffset = 0;
  private readonly offsets = new Map<number, number>();

  constructor(timeZone: string) {
    try {
      this.format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new ConfigError('timezone', `"${timeZone}" is not an IANA time zone like UTC, Europe/Paris, America/New_York`);
    }
    this.timeZone = timeZone;
  }

  /** Local time minus UTC, in milliseconds, at instant t. */
  offsetMs(t: number): number {
    const hour = Math.floor(t / HOUR_MS);
    if (hour === this.lastHour) return this.lastOffset;
    let offset = this.offsets.get(hour);
    if (offset === undefined) {
      offset = this.computeOffset(hour * HOUR_MS);
      if (this.offsets.size >= MAX_CACHED_HOURS) this.offsets.clear();
      this.offsets.set(hour, offset);
    }
    this.lastHour = hour;
    this.lastOffset = offset;
    return offset;
  }

  /** Milliseconds since the epoch as the wall clock reads them (for calendar arithmetic only). */
  wallMs(t: number): number {
    return t + this.offsetMs(t);
  }

  /** Minutes since local midnight, 0..1439. */
  minuteOfDay(t: number): number {
    const wall = this.wallMs(t);
    return Math.floor((wall - Math.floor(wall / DAY_MS) * DAY_MS) / 60_000);
  }

  /** Local day of the week, 0 = Sunday … 6 = Saturday. */
  weekday(t: number): number {
    // 1970-01-01 was a Thursday.
    return (((Math.floor(this.wallMs(t) / DAY_MS) + 4) % 7) + 7) % 7;
  }

  /** Local calendar day as days since 1970-01-01. */
  dayIndex(t: number): number {
    return Math.floor(this.wallMs(t) / DAY_MS);
  }

  /**
   * Start (UTC instant) of the window of `sizeMs` that contains t, windows
   * being aligned on the local wall clock (a 1d window starts at local
   * midnight). The offset is taken at the window's start, so two instants on
   * either side of a DST change still share their day's window.
   */
  alignedStart(t: number, sizeMs: number): number {
    const wall = t + this.offsetMs(t);
    const wallStart = Math.floor(wall / sizeMs) * sizeMs;
    return wallStart - this.offsetMs(wallStart - this.offsetMs(t));
  }

  /**
   * The instant as a person on this clock reads it: "2026-03-04 05:00 EST"
   * (zones without an English abbreviation get "GMT+1"). For explanations:
   * an analyst judging an after-hours alert thinks in the hospital's hours.
   * The zone's name is asked of Intl once per offset and year: formatToParts
   * per alert costs 1.5% of the detection core (bench/detect.bench.ts, 4,306
   * alerts, three times each).
   */
  readable(t: number): string {
    const wallMs = this.wallMs(t);
    const wall = new Date(wallMs).toISOString();
    const key = `${wallMs - t}|${wall.slice(0, 4)}`;
    let name = this.names.get(key);
    if (name === undefined) {
      this.namer ??= new Intl.DateTimeFormat('en-US', { timeZone: this.timeZone, timeZoneName: 'short' });
      name = this.namer.formatToParts(t).find((p) => p.type === 'timeZoneName')?.value ?? this.timeZone;
      this.names.set(key, name);
    }
    return `${wall.slice(0, 10)} ${wall.slice(11, 16)} ${name}`;
  }

  private namer: Intl.DateTimeFormat | undefined;
  /** Zone names by `${offset}|${year}` (see readable). */
  private readonly names = new Map<string, string>();

  private computeOffset(t: number): number {
    let y = 0;
    let mo = 1;
    let d = 1;
    let h = 0;
    let mi = 0;
    let s = 0;
    for (const part of this.format.formatToParts(t)) {
      const v = Number(part.value);
      switch (part.type) {
        case 'year': y = v; break;
        case 'month': mo = v; break;
        case 'day': d = v; break;
        case 'hour': h = v; break;
        case 'minute': mi = v; break;
        case 'second': s = v; break;
        default: break;
      }
    }
    const wall = Date.UTC(y, mo - 1, d, h, mi, s);
    return Math.round((wall - t) / 60_000) * 60_000;
  }
}
