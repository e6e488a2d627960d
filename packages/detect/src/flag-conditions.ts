import type { EventPredicate, FlagConditionDef } from './condition.ts';
import { NO_NEEDS, READS_CARE, WEEKDAYS } from './condition.ts';
import type { Weekday } from './condition.ts';
import { daysFromCivil } from '@chartwatch/event';
import type { BusinessHours } from './rule-schema.ts';

/** Inside business hours on the hospital's clock (the detector's time zone), holidays excepted. */
export function businessHoursPredicate(hours: BusinessHours): EventPredicate {
  const days = new Array<boolean>(7).fill(false);
  for (const d of hours.days) days[WEEKDAYS.indexOf(d as Weekday)] = true;
  const holidays = new Set(hours.holidays.map((h) => daysFromCivil(Number(h.slice(0, 4)), Number(h.slice(5, 7)), Number(h.slice(8, 10)))));
  const { start, end } = hours;
  const overnight = end <= start;
  return (ctx) => {
    const clock = ctx.clock;
    const t = ctx.t;
    if (!days[clock.weekday(t)]) return false;
    if (holidays.size > 0 && holidays.has(clock.dayIndex(t))) return false;
    const m = clock.minuteOfDay(t);
    return overnight ? m >= start || m < end : m >= start && m < end;
  };
}

const builtins = {
  'after-hours': {
    scope: 'event',
    cost: 2,
    needs: NO_NEEDS,
    compile: (hours) => {
      const business = businessHoursPredicate(hours);
      return (ctx) => !business(ctx);
    },
  },
  'business-hours': { scope: 'event', cost: 2, needs: NO_NEEDS, compile: businessHoursPredicate },
  'after-termination': { scope: 'event', cost: 1, needs: NO_NEEDS, compile: () => (ctx) => ctx.actor.terminatedMs !== null && ctx.t > ctx.actor.terminatedMs },
  'actor-unknown': { scope: 'event', cost: 1, needs: NO_NEEDS, compile: () => (ctx) => !ctx.actor.known },
  'patient.vip': { scope: 'patient', cost: 1, needs: NO_NEEDS, compile: () => (_ctx, p) => p.vip },
  'patient.deceased': { scope: 'patient', cost: 1, needs: NO_NEEDS, compile: () => (ctx, p) => ctx.t >= p.deceasedMs },
  'patient-is-employee': { scope: 'patient', cost: 1, needs: NO_NEEDS, compile: () => (ctx, p) => p.employeeActorId !== null && p.employeeActorId !== ctx.actor.id },
  'own-chart': { scope: 'patient', cost: 1, needs: NO_NEEDS, compile: () => (ctx, p) => p.employeeActorId === ctx.actor.id },
  'same-household': {
    scope: 'patient',
    cost: 1,
    needs: NO_NEEDS,
    compile: () => (ctx, p) => p.household !== 0 && p.household === ctx.actor.household && p.employeeActorId !== ctx.actor.id && ctx.directory.confirm(ctx.actor.id, p.id, true),
  },
  'same-address': {
    scope: 'patient',
    cost: 1,
    needs: NO_NEEDS,
    compile: () => (ctx, p) => p.address !== 0 && p.address === ctx.actor.address && p.employeeActorId !== ctx.actor.id && ctx.directory.confirm(ctx.actor.id, p.id, false),
  },
  'care-relationship': { scope: 'patient', cost: 10, needs: READS_CARE, compile: () => (ctx, p) => ctx.hasCare(p) },
  'no-care-relationship': { scope: 'patient', cost: 10, needs: READS_CARE, compile: () => (ctx, p) => !ctx.hasCare(p) },
} satisfies Record<string, FlagConditionDef>;

/** The conditions rules write as a bare name, built in (rules/README.md lists what each holds for). */
export const BUILTIN_FLAGS: { readonly [K in keyof typeof builtins]: FlagConditionDef } = builtins;
