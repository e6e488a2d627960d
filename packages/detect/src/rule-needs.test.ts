import { describe, expect, it } from 'vitest';
import { FLAG_CONDITIONS, FLAG_DEFS } from './rule-schema.ts';
import { parseRule } from './load-rules.ts';
import { ruleNeeds } from './rule-needs.ts';

const DAY = 86_400_000;
const rule = (extra: string) => parseRule({ file: 'r.yaml', text: `id: r\nversion: 1\ntitle: R\nseverity: low\nexplain: "{actor}"\n${extra}` });

describe('ruleNeeds', () => {
  it('reads the care relationship from what the conditions declare, through not:', () => {
    expect(ruleNeeds(rule('window: { size: 1d }\nconditions: [patient.vip]')).care).toBe(false);
    expect(ruleNeeds(rule('window: { size: 1d }\nconditions: [{ not: care-relationship }]')).care).toBe(true);
    expect(ruleNeeds(rule('window: { size: 1d }\nconditions: [no-care-relationship]')).care).toBe(true);
  });

  it('takes the longest of the window, the baseline sources and the suppression', () => {
    expect(ruleNeeds(rule('window: { size: 4h }')).historyMs).toBe(4 * 3_600_000);
    expect(ruleNeeds(rule('window: { size: 4h }\nsuppress: 2d')).historyMs).toBe(2 * DAY);
    const baselines = 'window: { size: 1d }\nthreshold:\n  baseline:\n    - { of: peers-now }\n    - { of: self, historyDays: 14 }';
    expect(ruleNeeds(rule(baselines)).historyMs).toBe(15 * DAY);
    expect(ruleNeeds(rule('window: { size: 1d }\nthreshold:\n  baseline: { of: peers-now }')).historyMs).toBe(DAY);
  });

  it('has a declaration for every condition a rule can name', () => {
    for (const name of FLAG_CONDITIONS) expect(FLAG_DEFS[name].needs, name).toBeDefined();
  });
});
