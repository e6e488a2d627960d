// Writes rules/rules.lock.json from the pack (pnpm rules:lock): run it after bumping a rule's version.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseRules, readRuleSources, ruleLockOf } from '@chartwatch/detect';

const dir = fileURLToPath(new URL('../rules/', import.meta.url));
const sources = await readRuleSources(dir);
// Refuses an invalid rule before locking it.
parseRules(sources);
writeFileSync(`${dir}rules.lock.json`, `${JSON.stringify(ruleLockOf(sources), null, 2)}\n`);
console.log(`locked ${sources.length} rules in rules/rules.lock.json`);
