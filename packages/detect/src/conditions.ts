import type { BusinessHours, ConditionSpec, Weekday } from './rule-schema.ts';
import { WEEKDAYS } from './rule-schema.ts';
import type { EventContext } from './event-context.ts';
import type { PatientFacts } from './directory.ts';
import { daysFromCivil } from './iso-time.ts';
import { normalizeLabel } from './label.ts';

/**
 * Named conditions compiled into closures. Event conditions look at the
 * event and the actor; patient conditions at one of the event's patients.
 * Patient conditions run cheapest first, and the care relationship (an
 * encounter scan) last, so it is only computed for the rare access that
 * already touched a VIP, a coworker or a neighbour.
 */
export type EventPredicate = (ctx: EventContext) => boolean;
export type PatientPredicate = (ctx: EventContext, p: PatientFacts) => boolean;

export interface CompiledConditions {
  event: EventPredicate[];
  patient: PatientPredicate[];
  /** Whether any patient condition consults the care relationship. */
  usesCare: boolean;
}

type Compiled = { scope: 'event'; fn: EventPredicate; cost: number } | { scope: 'patient'; fn: PatientPredicate; cost: number };

function businessHoursPredicate(hours: BusinessHours): EventPredicate {
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

function labels(values: readonly string[]): Set<string> {
  return new Set(values.map(normalizeLabel));
}

function compileOne(spec: ConditionSpec): Compiled {
  switch (spec.kind) {
    case 'not': {
      const inner = compileOne(spec.inner);
      if (inner.scope === 'event') {
        const f = inner.fn;
        return { scope: 'event', fn: (ctx) => !f(ctx), cost: inner.cost };
      }
      const f = inner.fn;
      return { scope: 'patient', fn: (ctx, p) => !f(ctx, p), cost: inner.cost };
    }
    case 'patient-deceased-for': {
      const ms = spec.ms;
      return { scope: 'patient', fn: (ctx, p) => ctx.t >= p.deceasedMs + ms, cost: 1 };
    }
    case 'terminated-for': {
      const ms = spec.ms;
      return { scope: 'event', fn: (ctx) => ctx.actor.terminatedMs !== null && ctx.t > ctx.actor.terminatedMs + ms, cost: 1 };
    }
    case 'actor-role-in': {
      const set = labels(spec.values);
      return { scope: 'event', fn: (ctx) => (ctx.eventRole !== null && set.has(ctx.eventRole)) || (ctx.actor.role !== null && set.has(ctx.actor.role)), cost: 1 };
    }
    case 'actor-role-not-in': {
      const set = labels(spec.values);
      return { scope: 'event', fn: (ctx) => !((ctx.eventRole !== null && set.has(ctx.eventRole)) || (ctx.actor.role !== null && set.has(ctx.actor.role))), cost: 1 };
    }
    case 'actor-category-in': {
      const set = new Set(spec.values);
      return { scope: 'event', fn: (ctx) => ctx.actorHasCategory(set), cost: 1 };
    }
    case 'actor-category-not-in': {
      const set = new Set(spec.values);
      return { scope: 'event', fn: (ctx) => !ctx.actorHasCategory(set), cost: 1 };
    }
    case 'actor-department-in': {
      const set = labels(spec.values);
      return {
        scope: 'event',
        fn: (ctx) => (ctx.eventDepartment !== null && set.has(ctx.eventDepartment)) || (ctx.actor.department !== null && set.has(ctx.actor.department)),
        cost: 1,
      };
    }
    case 'actor-department-not-in': {
      const set = labels(spec.values);
      return {
        scope: 'event',
        fn: (ctx) => !((ctx.eventDepartment !== null && set.has(ctx.eventDepartment)) || (ctx.actor.department !== null && set.has(ctx.actor.department))),
        cost: 1,
      };
    }
    case 'flag':
      switch (spec.name) {
        case 'business-hours':
          return { scope: 'event', fn: businessHoursPredicate(spec.hours), cost: 2 };
        case 'after-hours': {
          const business = businessHoursPredicate(spec.hours);
          return { scope: 'event', fn: (ctx) => !business(ctx), cost: 2 };
        }
        case 'after-termination':
          return { scope: 'event', fn: (ctx) => ctx.actor.terminatedMs !== null && ctx.t > ctx.actor.terminatedMs, cost: 1 };
        case 'actor-unknown':
          return { scope: 'event', fn: (ctx) => !ctx.actor.known, cost: 1 };
        case 'patient.vip':
          return { scope: 'patient', fn: (_ctx, p) => p.vip, cost: 1 };
        case 'patient.deceased':
          return { scope: 'patient', fn: (ctx, p) => ctx.t >= p.deceasedMs, cost: 1 };
        case 'patient-is-employee':
          return { scope: 'patient', fn: (ctx, p) => p.employeeActorId !== null && p.employeeActorId !== ctx.actor.id, cost: 1 };
        case 'own-chart':
          return { scope: 'patient', fn: (ctx, p) => p.employeeActorId === ctx.actor.id, cost: 1 };
        case 'same-household':
          return {
            scope: 'patient',
            fn: (ctx, p) => p.household !== 0 && p.household === ctx.actor.household && p.employeeActorId !== ctx.actor.id && ctx.directory.confirm(ctx.actor.id, p.id, true),
            cost: 1,
          };
        case 'same-address':
          return {
            scope: 'patient',
            fn: (ctx, p) => p.address !== 0 && p.address === ctx.actor.address && p.employeeActorId !== ctx.actor.id && ctx.directory.confirm(ctx.actor.id, p.id, false),
            cost: 1,
          };
        case 'care-relationship':
          return { scope: 'patient', fn: (ctx, p) => ctx.hasCare(p), cost: 10 };
        case 'no-care-relationship':
          return { scope: 'patient', fn: (ctx, p) => !ctx.hasCare(p), cost: 10 };
      }
  }
}

function usesCare(spec: ConditionSpec): boolean {
  if (spec.kind === 'not') return usesCare(spec.inner);
  return spec.kind === 'flag' && (spec.name === 'care-relationship' || spec.name === 'no-care-relationship');
}

export function compileConditions(specs: readonly ConditionSpec[]): CompiledConditions {
  const compiled = specs.map(compileOne);
  // Stable sort: equal costs keep the author's order.
  const ordered = compiled.map((c, i) => ({ c, i })).sort((a, b) => a.c.cost - b.c.cost || a.i - b.i).map((x) => x.c);
  const event: EventPredicate[] = [];
  const patient: PatientPredicate[] = [];
  for (const c of ordered) {
    if (c.scope === 'event') event.push(c.fn);
    else patient.push(c.fn);
  }
  return { event, patient, usesCare: specs.some(usesCare) };
}
