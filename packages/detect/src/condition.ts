import type { EventContext } from './event-context.ts';
import type { PatientFacts } from '@chartwatch/facts';
import type { BusinessHours } from './rule-schema.ts';

/**
 * What a condition is: its predicate, how dear it is to run, and what it needs beyond the event. The
 * needs are read wherever state is built: the detector records care memory only when a condition reads
 * it, and a restarted live detector warms up over the longest history any rule needs
 * (services/detector/src/warmup-horizon.ts, through ruleNeeds in rule-needs.ts); nothing keeps a
 * second list of which condition needs what.
 */
export type EventPredicate = (ctx: EventContext) => boolean;
export type PatientPredicate = (ctx: EventContext, p: PatientFacts) => boolean;

export interface ConditionNeeds {
  /** Reads the care relationship (care-relationship.ts): its memory must be recorded, and warmed up over its span. */
  readonly care: boolean;
  /** Event history its own state needs to be exact after a restart, ms (0: it keeps none). */
  readonly historyMs: number;
  /** The state it keeps, in words, or null: a condition that keeps state keeps it within the actor's or patient's record. */
  readonly state: string | null;
}

export const NO_NEEDS: ConditionNeeds = { care: false, historyMs: 0, state: null };
export const READS_CARE: ConditionNeeds = { care: true, historyMs: 0, state: null };

/** A compiled condition: event conditions look at the event and the actor, patient conditions at one of the event's patients. */
export type CompiledCondition = { scope: 'event'; fn: EventPredicate; cost: number } | { scope: 'patient'; fn: PatientPredicate; cost: number };

/**
 * A condition written as a bare name in a rule (`- patient.vip`): one file in conditions/ (or a line of
 * flag-conditions.ts for the built-in ones) and its name in rule-schema.ts's FLAG_DEFS. `cost` orders the
 * checks, cheapest first, so a dear one (the care relationship's encounter scan) only runs for the rare
 * access the others let through. `hours` is the rule's business hours (after-hours, business-hours), else
 * the default.
 */
export type FlagConditionDef =
  | { readonly scope: 'event'; readonly cost: number; readonly needs: ConditionNeeds; compile(hours: BusinessHours): EventPredicate }
  | { readonly scope: 'patient'; readonly cost: number; readonly needs: ConditionNeeds; compile(hours: BusinessHours): PatientPredicate };

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
