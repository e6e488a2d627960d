import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseInput } from '@chartwatch/detect';
import { ConfigError, FileContentError, isChartwatchError } from '@chartwatch/errors';
import type { AccessEvent, InputFormat } from '@chartwatch/event';
import { INPUT_FORMATS } from '@chartwatch/event';
import type { FeatureRow } from '@chartwatch/model';
import { APPLICATION_GROUP_PREFIX, createAccessFacts, DEFAULT_MODEL_FEATURES, extractFeatures, FEATURE_NAMES, sortForFeatures } from '@chartwatch/model';
import { loadReferenceDir, ReferenceIndex } from '@chartwatch/reference';

/**
 * Labelled feature rows for bench/model.bench.ts --simulated: the simulator's
 * events through the feature accumulator (the model's columns, complete
 * user actor-days), each row labelled 1 when one of the actor's incidents
 * overlaps its window. Written as [{name, rows, labels}]: all staff
 * together, then one set per role that has incidents (`--split none` for
 * the first only). The bench grows plain forests on them, without the
 * model's reference sample, which is the point of comparing.
 *
 *   pnpm exec tsx services/trainer/src/cli-labelled-rows.ts --input DIR/events.jsonl --format json \
 *     --reference DIR --labels DIR/labels.jsonl --out sim.json [--kind behavioural|all] [--split role|none]
 */

const USAGE = 'usage: cli-labelled-rows.ts --input FILE --format fhir|csv|json --reference DIR --labels FILE --out FILE [--timezone IANA] [--name TEXT] [--kind behavioural|all] [--split role|none]';

interface IncidentLabel {
  actorId: string;
  kind: string;
  start: string;
  end: string;
}

/** The simulator's labels.jsonl: the fields this needs, checked. */
function readLabels(text: string, file: string): IncidentLabel[] {
  return text
    .split('\n')
    .map((line, i) => ({ line: line.trim(), i }))
    .filter((x) => x.line !== '')
    .map(({ line, i }) => {
      let v: Partial<IncidentLabel>;
      try {
        v = JSON.parse(line) as Partial<IncidentLabel>;
      } catch {
        throw new FileContentError('CW_ERR_INPUT', file, `line ${i + 1}`, 'not valid JSON');
      }
      if (typeof v.actorId !== 'string' || typeof v.kind !== 'string' || typeof v.start !== 'string' || typeof v.end !== 'string') {
        throw new FileContentError('CW_ERR_INPUT', file, `line ${i + 1}`, 'needs actorId, kind, start and end');
      }
      return { actorId: v.actorId, kind: v.kind, start: v.start, end: v.end };
    });
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      input: { type: 'string' },
      format: { type: 'string', default: 'json' },
      reference: { type: 'string' },
      labels: { type: 'string' },
      out: { type: 'string' },
      timezone: { type: 'string', default: 'UTC' },
      name: { type: 'string', default: 'simulated' },
      kind: { type: 'string', default: 'behavioural' },
      split: { type: 'string', default: 'role' },
    },
    strict: true,
  });
  for (const flag of ['input', 'reference', 'labels', 'out'] as const) if (values[flag] === undefined) throw new ConfigError(`--${flag}`, `is required\n${USAGE}`);
  if (!(INPUT_FORMATS as readonly string[]).includes(values.format)) throw new ConfigError('--format', `"${values.format}" is not one of ${INPUT_FORMATS.join(', ')}`);
  if (values.kind !== 'behavioural' && values.kind !== 'all') throw new ConfigError('--kind', `"${values.kind}" is not behavioural or all`);
  if (values.split !== 'role' && values.split !== 'none') throw new ConfigError('--split', `"${values.split}" is not role or none`);

  const events: AccessEvent[] = [];
  for (const r of parseInput(await readFile(values.input as string, 'utf8'), values.format as InputFormat)) if (r.ok) events.push(r.event);
  const reference = new ReferenceIndex(await loadReferenceDir(values.reference as string, '--reference'));
  const labels = readLabels(await readFile(values.labels as string, 'utf8'), values.labels as string).filter((l) => values.kind === 'all' || l.kind === 'behavioural');
  const rows = extractFeatures(sortForFeatures(events), { facts: createAccessFacts({ reference, timezone: values.timezone }) }).filter(
    (r) => r.complete && !r.group.startsWith(APPLICATION_GROUP_PREFIX),
  );
  const columns = DEFAULT_MODEL_FEATURES.map((f) => FEATURE_NAMES.indexOf(f));
  const positive = (r: FeatureRow): number => (labels.some((l) => l.actorId === r.actorId && Date.parse(l.start) < r.windowEnd && Date.parse(l.end) >= r.windowStart) ? 1 : 0);
  const set = (name: string, mine: FeatureRow[]) => ({ name, rows: mine.map((r) => columns.map((c) => r.values[c] as number)), labels: mine.map(positive) });

  const sets = [set(values.name, rows)];
  if (values.split === 'role') {
    for (const group of [...new Set(rows.map((r) => r.group))].sort()) {
      const mine = rows.filter((r) => r.group === group);
      if (mine.some((r) => positive(r) === 1)) sets.push(set(`${values.name}-${group.replace(/\s+/g, '-')}`, mine));
    }
  }
  await writeFile(values.out as string, JSON.stringify(sets));
  for (const s of sets) console.log(`${s.name}: ${s.rows.length} rows × ${columns.length} (${DEFAULT_MODEL_FEATURES.join(', ')}), ${s.labels.filter((x) => x === 1).length} labelled 1`);
  console.log(`wrote ${values.out}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(isChartwatchError(err) ? err.message : err);
    process.exitCode = isChartwatchError(err) ? 2 : 1;
  },
);
