import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CARE_OPTIONS, loadRulesDir, parseRule } from '@chartwatch/detect';
import { warmupHorizonMs } from './warmup-horizon.ts';

const DAY = 86_400_000;
const RULES_DIR = fileURLToPath(new URL('../../../rules/', import.meta.url));
const options = { careMemoryMs: DEFAULT_CARE_OPTIONS.memoryMs, allowedLatenessMs: 300_000 };

function rule(yaml: string) {
  return parseRule({ file: 'test.yaml', text: `id: t\nversion: 1\ntitle: T\nseverity: low\nexplain: x\n${yaml}` });
}

describe('warmupHorizonMs', () => {
  it('covers the open window, plus a day for local-midnight alignment and the lateness', () => {
    expect(warmupHorizonMs([rule('window: { size: 4h }')], options)).toBe(4 * 3_600_000 + DAY + 300_000);
  });

  it('covers a baseline history, a suppression span and the care memory when a rule asks about care', () => {
    const baseline = rule('window: { size: 1d }\nthreshold: { baseline: { of: self, minimum: 1, historyDays: 10 } }');
    expect(warmupHorizonMs([baseline], options)).toBe(11 * DAY + DAY + 300_000);
    expect(warmupHorizonMs([rule('window: { size: 1h }\nsuppress: 3d')], options)).toBe(3 * DAY + DAY + 300_000);
    const care = rule('window: { size: 1d }\nconditions: [{ not: care-relationship }]');
    expect(warmupHorizonMs([care], options)).toBe(DEFAULT_CARE_OPTIONS.memoryMs + DAY + 300_000);
  });

  it('is the longest need over the default pack: its care memory', async () => {
    const pack = await loadRulesDir(RULES_DIR);
    expect(pack.length).toBeGreaterThan(5);
    expect(warmupHorizonMs(pack, options)).toBe(DEFAULT_CARE_OPTIONS.memoryMs + DAY + 300_000);
    const vip = parseRule({ file: `${RULES_DIR}vip-snoop.yaml`, text: readFileSync(`${RULES_DIR}vip-snoop.yaml`, 'utf8') });
    expect(warmupHorizonMs([vip], { ...options, careMemoryMs: 7 * DAY })).toBe(7 * DAY + DAY + 300_000);
  });
});
