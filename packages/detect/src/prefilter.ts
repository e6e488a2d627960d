import type { ConditionSpec } from './rule-schema.ts';
import type { MatchPrefiltered } from './event-filter.ts';
import type { LoadedRule } from './load-rules.ts';

/**
 * A one-AND prefilter in front of every rule. Each event gets a bit mask of
 * cheap facts (who acts, break-the-glass, sensitive labels, and what its
 * patients are to the actor: VIP, deceased, coworker, own chart, household,
 * address); each rule the mask of facts its conditions cannot hold without.
 * A rule runs only when the event has all its bits, so an ordinary read of
 * an ordinary chart is turned away by nine of the twelve default rules with
 * one instruction each instead of a call chain (bench/detect.bench.ts).
 * The bits are necessary conditions only: the rule still checks everything.
 */
export const BIT = {
  user: 1 << 0,
  application: 1 << 1,
  breakTheGlass: 1 << 2,
  sensitive: 1 << 3,
  terminated: 1 << 4,
  success: 1 << 5,
  vip: 1 << 6,
  deceased: 1 << 7,
  coworker: 1 << 8,
  ownChart: 1 << 9,
  household: 1 << 10,
  address: 1 << 11,
} as const;

function conditionBits(c: ConditionSpec): number {
  switch (c.kind) {
    case 'not':
      return 0;
    case 'patient-deceased-for':
      return BIT.deceased;
    case 'terminated-for':
      return BIT.terminated;
    case 'flag':
      switch (c.name) {
        case 'after-termination':
          return BIT.terminated;
        case 'patient.vip':
          return BIT.vip;
        case 'patient.deceased':
          return BIT.deceased;
        case 'patient-is-employee':
          return BIT.coworker;
        case 'own-chart':
          return BIT.ownChart;
        case 'same-household':
          return BIT.household;
        case 'same-address':
          return BIT.address;
        default:
          return 0;
      }
    default:
      return 0;
  }
}

/**
 * The `match:` fields the bits of requiredBits decide exactly (not only necessarily): one actor kind,
 * break-the-glass required, success as the only outcome. Their predicates need not run again.
 */
export function prefilteredMatch(rule: LoadedRule): MatchPrefiltered {
  const m = rule.match;
  return {
    actorKind: m.actorKind !== undefined && m.actorKind.length === 1 && m.actorKind[0] !== 'patient',
    breakTheGlass: m.breakTheGlass === true,
    outcomes: m.outcomes !== undefined && m.outcomes.length === 1 && m.outcomes[0] === 'success',
  };
}

/** `matchOnly`: the rule must see every event its `match` lets through (a self-match baseline), so conditions add no bits. */
export function requiredBits(rule: LoadedRule, matchOnly = false): number {
  let bits = 0;
  const m = rule.match;
  // A patient acting on their own record has neither bit, so rules about staff or applications never see them.
  if (m.actorKind !== undefined && m.actorKind.length === 1 && m.actorKind[0] !== 'patient') bits |= m.actorKind[0] === 'user' ? BIT.user : BIT.application;
  if (m.breakTheGlass === true) bits |= BIT.breakTheGlass;
  if (m.sensitivity !== undefined) bits |= BIT.sensitive;
  if (m.outcomes !== undefined && m.outcomes.length === 1 && m.outcomes[0] === 'success') bits |= BIT.success;
  if (!matchOnly) for (const c of rule.conditions) bits |= conditionBits(c);
  return bits;
}
