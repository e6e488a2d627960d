import type { Clock } from './clock.ts';
import { DAY, HOUR } from './clock.ts';
import { SHIFT_HOURS } from './layout.ts';
import type { SimStaff } from './model.ts';

/** Monday-based week number of a day index, so weekend rotations are stable. */
export function weekOf(day: number, clock: Clock): number {
  const mondayOffset = (clock.weekday(0) + 6) % 7;
  return Math.floor((day + mondayOffset) / 7);
}

/** Is this person rostered for the shift that starts on day `day`? (Ignores hire and termination.) */
export function rostered(staff: SimStaff, day: number, clock: Clock): boolean {
  const w = clock.weekday(day);
  switch (staff.roster) {
    case 'office':
      return w >= 1 && w <= 5;
    case 'rotating':
      return w !== staff.daysOff[0] && w !== staff.daysOff[1];
    case 'physician':
      if (w >= 1 && w <= 5) return true;
      return ((weekOf(day, clock) % 3) + 3) % 3 === staff.weekendTurn;
  }
}

/** Local ms window of the shift starting on `day`. */
export function shiftWindow(staff: SimStaff, day: number): { from: number; to: number } {
  const hours = SHIFT_HOURS[staff.shift];
  return { from: day * DAY + hours.start * HOUR, to: day * DAY + hours.end * HOUR };
}

/** Rostered, hired, and not terminated before the shift ends. */
export function works(staff: SimStaff, day: number, clock: Clock): boolean {
  if (!rostered(staff, day, clock)) return false;
  const { from, to } = shiftWindow(staff, day);
  if (staff.hiredAt > from) return false;
  if (staff.terminatedAt !== null && staff.terminatedAt < to) return false;
  return true;
}
