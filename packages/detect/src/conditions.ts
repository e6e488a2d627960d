import type { CompiledCondition, ConditionNeeds, EventPredicate, PatientPredicate } from './condition.ts';
import { NO_NEEDS } from './condition.ts';
import { normalizeLabel } from '@chartwatch/facts';
import type { ConditionSpec } from './rule-schema.ts';
import { FLAG_DEFS } from './rule-schema.ts';

export type { EventPredicate, PatientPredicate } from './condition.ts';

/**
 * A rule's conditions compiled into closures. Event conditions look at the
 * event and the actor; patient conditions at one of the event's patients.
 * Patient conditions run cheapest first, and the care relationship (an
 * encounter scan) last, so it is only computed for the rare access that
 * already touched a VIP, a coworker or a neighbour.
 */
export interface CompiledConditions {
  event: EventPredicate[];
  patient: PatientPredicate[];
}

function labels(values: readonly string[]): Set<string> {
  return new Set(values.map(normalizeLabel));
}

function compileOne(spec: ConditionSpec): CompiledCondition {
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
    case 'flag': {
      const def = FLAG_DEFS[spec.name];
      return def.scope === 'event' ? { scope: 'event', fn: def.compile(spec.hours), cost: def.cost } : { scope: 'patient', fn: def.compile(spec.hours), cost: def.cost };
    }
  }
}

/** What a condition needs beyond the event (condition.ts): a flag's declaration; conditions with an argument need nothing. */
export function conditionNeeds(spec: ConditionSpec): ConditionNeeds {
  if (spec.kind === 'not') return conditionNeeds(spec.inner);
  return spec.kind === 'flag' ? FLAG_DEFS[spec.name].needs : NO_NEEDS;
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
  return { event, patient };
}
