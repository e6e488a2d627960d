import { ConfigError } from '@chartwatch/errors';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * The simulator plans in hospital wall-clock time: "local ms", milliseconds
 * since local midnight of the first simulated day, as if every day had 24
 * hours. Shifts, rosters and visiting hours are wall-clock facts, so they are
 * planned there and converted to UTC only when an event or a reference row is
 * written. Daylight-saving jumps then behave as in a real hospital: the night
 * shift of a spring-forward night is an hour shorter in UTC.
 */
export interface Clock {
  readonly timezone: string;
  /** YYYY-MM-DD of day 0. */
  readonly startDate: string;
  /** Local ms → UTC epoch ms. */
  toUtc(localMs: number): number;
  /** Day index → YYYY-MM-DD (local date). */
  dateOf(day: number): string;
  /** 0 = Sunday … 6 = Saturday, for the local date of day index `day`. */
  weekday(day: number): number;
  isWeekend(day: number): boolean;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseStartDate(start: string): { y: number; m: number; d: number } {
  const match = DATE_PATTERN.exec(start);
  if (!match) throw new ConfigError('start', `expected a date YYYY-MM-DD, got ${JSON.stringify(start)}`);
  const y = Number(match[1]);
  const m = Number(match[2]);
  const d = Number(match[3]);
  const check = new Date(Date.UTC(y, m - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) {
    throw new ConfigError('start', `not a calendar date: ${start}`);
  }
  return { y, m, d };
}

export function createClock(start: string, timezone = 'UTC'): Clock {
  const { y, m, d } = parseStartDate(start);
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new ConfigError('timezone', `unknown IANA time zone ${JSON.stringify(timezone)}`);
  }
  const naiveStart = Date.UTC(y, m - 1, d);
  const isUtc = timezone === 'UTC' || timezone === 'Etc/UTC';

  /** Offset (local − UTC, ms) in force at a UTC instant. */
  const offsetAt = (utcMs: number): number => {
    const parts = formatter.formatToParts(new Date(utcMs));
    const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
    const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    return asUtc - (utcMs - (((utcMs % 1000) + 1000) % 1000));
  };

  // Offsets change at most on the hour; caching per local hour keeps
  // Intl (slow) out of the per-event path.
  const offsetByHour = new Map<number, number>();
  const toUtc = (localMs: number): number => {
    if (isUtc) return naiveStart + localMs;
    const naive = naiveStart + localMs;
    const hourKey = Math.floor(naive / HOUR);
    let offset = offsetByHour.get(hourKey);
    if (offset === undefined) {
      const guess = hourKey * HOUR + 30 * MINUTE;
      const first = offsetAt(guess);
      const second = offsetAt(guess - first);
      offset = second;
      offsetByHour.set(hourKey, offset);
    }
    return naive - offset;
  };

  const dateOf = (day: number): string => new Date(naiveStart + day * DAY).toISOString().slice(0, 10);
  const weekday = (day: number): number => new Date(naiveStart + day * DAY).getUTCDay();

  return {
    timezone,
    startDate: start,
    toUtc,
    dateOf,
    weekday,
    isWeekend: (day) => {
      const w = weekday(day);
      return w === 0 || w === 6;
    },
  };
}
