import type { EventPredicate } from './conditions.ts';
import { normalizeLabel } from '@chartwatch/facts';
import type { MatchSpec } from './rule-schema.ts';

function anyIn(values: readonly string[], set: ReadonlySet<string>): boolean {
  for (let i = 0; i < values.length; i++) if (set.has(values[i] as string)) return true;
  return false;
}

/**
 * Which of the `match:` fields the prefilter's bits (prefilter.ts) already decide exactly, so their predicates
 * are left out: the detector offers a rule an event only when the event has the rule's bits.
 */
export interface MatchPrefiltered {
  actorKind: boolean;
  breakTheGlass: boolean;
  outcomes: boolean;
}

const NOT_PREFILTERED: MatchPrefiltered = { actorKind: false, breakTheGlass: false, outcomes: false };

/**
 * The `match:` block as a list of predicates on the event's own fields,
 * cheapest and most selective first (actor kind, action, break-the-glass),
 * so most events leave a rule after one or two comparisons.
 */
export function compileMatch(spec: MatchSpec, prefiltered: MatchPrefiltered = NOT_PREFILTERED): EventPredicate[] {
  const out: EventPredicate[] = [];
  if (spec.actorKind !== undefined && !prefiltered.actorKind) {
    const kinds = new Set<string>(spec.actorKind);
    if (kinds.size === 1) {
      const only = spec.actorKind[0];
      out.push((ctx) => ctx.event.actor.kind === only);
    } else out.push((ctx) => kinds.has(ctx.event.actor.kind));
  }
  if (spec.breakTheGlass !== undefined && !prefiltered.breakTheGlass) {
    const want = spec.breakTheGlass;
    out.push((ctx) => ctx.event.breakTheGlass === want);
  }
  if (spec.sensitivity !== undefined) {
    const set = new Set(spec.sensitivity);
    out.push((ctx) => ctx.event.sensitivity.length > 0 && anyIn(ctx.event.sensitivity, set));
  }
  if (spec.actions !== undefined) {
    const set = new Set<string>(spec.actions);
    out.push((ctx) => set.has(ctx.event.action));
  }
  if (spec.outcomes !== undefined && !prefiltered.outcomes) {
    const set = new Set<string>(spec.outcomes);
    out.push((ctx) => set.has(ctx.event.outcome));
  }
  if (spec.minRecords !== undefined) {
    const min = spec.minRecords;
    out.push((ctx) => ctx.event.records >= min);
  }
  if (spec.purposeOfUse !== undefined) {
    const set = new Set(spec.purposeOfUse);
    out.push((ctx) => anyIn(ctx.event.purposeOfUse, set));
  }
  if (spec.resourceTypes !== undefined) {
    const set = new Set(spec.resourceTypes);
    out.push((ctx) => anyIn(ctx.event.resourceTypes, set));
  }
  if (spec.roles !== undefined) {
    const set = new Set(spec.roles.map(normalizeLabel));
    out.push((ctx) => ctx.eventRole !== null && set.has(ctx.eventRole));
  }
  if (spec.departments !== undefined) {
    const set = new Set(spec.departments.map(normalizeLabel));
    out.push((ctx) => ctx.eventDepartment !== null && set.has(ctx.eventDepartment));
  }
  return out;
}
