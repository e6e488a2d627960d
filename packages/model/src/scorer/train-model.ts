import { createHash } from 'node:crypto';
import { ChartwatchError } from '@chartwatch/errors';
import { APPLICATION_GROUP_PREFIX } from '../features/access-facts.ts';
import type { FeatureOptions } from '../features/feature-accumulator.ts';
import type { FeatureName } from '../features/feature-names.ts';
import { FEATURE_NAMES, FEATURE_SET_VERSION } from '../features/feature-names.ts';
import type { FeatureRow } from '../features/feature-row.ts';
import { IsolationForest } from '../isolation-forest.ts';
import { createRandom } from '@chartwatch/random';
import { chooseThreshold } from '../threshold.ts';
import type { BehaviourModelJSON, PeerGroupJSON, PeerGrouping } from './behaviour-model.ts';
import { BEHAVIOUR_MODEL_FORMAT, BEHAVIOUR_MODEL_FORMAT_VERSION, BehaviourModel, PEER_GROUPINGS, ROLE_COLUMN } from './behaviour-model.ts';

/**
 * The columns a model reads unless told otherwise: every feature but
 * `events`, which for a user is `records` again (one record per event) and
 * so would be drawn twice as often as any other feature (measured in
 * services/trainer/README.md).
 */
export const DEFAULT_MODEL_FEATURES: readonly FeatureName[] = FEATURE_NAMES.filter((f) => f !== 'events');
export const DEFAULT_PEER_GROUPING: PeerGrouping = 'role';
/** On history without incidents false alerts track the budget; 1.5 keeps them under 2 per 1,000 actor-days (README). */
export const DEFAULT_BUDGET_PER_1000 = 1.5;
export const DEFAULT_MIN_GROUP_ROWS = 50;
export const DEFAULT_REFERENCE_SHARE = 0.25;

export interface TrainModelOptions {
  /** Feature definition the rows were computed with, and the zone. */
  featureOptions: FeatureOptions;
  timezone: string;
  /** The history the rows come from, [from, to) ISO-8601 UTC, and how many events it held. */
  from: string;
  to: string;
  events: number;
  /** Registry version; default: "sha-" and 12 hex digits of the model's content. */
  version?: string;
  features?: readonly FeatureName[];
  peerGrouping?: PeerGrouping;
  /** At most this many alerts per 1,000 actor-days on the training history. Default 1.5. */
  budgetPer1000?: number;
  /** Groups with fewer training rows share the all-staff forest (applications: are not scored). Default 50. */
  minGroupRows?: number;
  /** Share of each forest's training set that is the uniform reference sample (see referenceSample). Default 0.25. */
  referenceShare?: number;
  trees?: number;
  sampleSize?: number;
  seed?: number;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = values.slice().sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function medians(rows: readonly FeatureRow[]): number[] {
  return FEATURE_NAMES.map((_, c) => median(rows.map((r) => r.values[c] as number)));
}

/**
 * Synthetic rows drawn uniformly from a box around a group's rows: shares in
 * [0, 1], counts in [0, max(2 × the group's largest, largest + 3)], the
 * role column over every role.
 *
 * Why: an isolation forest never splits on a feature that is constant among
 * the rows it is grown on, and a value beyond everything seen is isolated no
 * faster than the most extreme row seen. Peers are constant exactly where an
 * insider stands out: no registrar exports, no billing clerk reads clinical
 * notes, no nurse reads a chart without a care relationship. With a thin
 * uniform sample around them the space outside the peers' bulk holds a few
 * points, every feature can be split, and a row far from the bulk is cut off
 * in a few steps; rows inside the bulk are not (the reference is thin there).
 * Measured in services/trainer/README.md: without it, 16% of the behavioural
 * incidents rank in the top 0.2%; with it, all of them rank first in their
 * peer group.
 */
function referenceSample(rows: readonly number[][], columns: readonly string[], count: number, seed: number, roles: number): number[][] {
  const random = createRandom(seed);
  const boxes = columns.map((name, c) => {
    if (name === ROLE_COLUMN) return { lo: 0, hi: Math.max(0, roles - 1), whole: true };
    if (name.endsWith('Share')) return { lo: 0, hi: 1, whole: false };
    let max = 0;
    for (const r of rows) if ((r[c] as number) > max) max = r[c] as number;
    return { lo: 0, hi: Math.max(2 * max, max + 3), whole: false };
  });
  const out: number[][] = [];
  for (let i = 0; i < count; i++) out.push(boxes.map((b) => (b.whole ? Math.floor(random() * (b.hi + 1)) : b.lo + random() * (b.hi - b.lo))));
  return out;
}

/** A stable per-group seed, so adding a role does not change the others' forests. */
function groupSeed(seed: number, name: string): number {
  return (seed ^ createHash('sha256').update(name).digest().readUInt32LE(0)) >>> 0;
}

function isApplicationGroup(name: string): boolean {
  return name.startsWith(APPLICATION_GROUP_PREFIX);
}

/**
 * Fits a behavioural model on feature rows (the complete ones: see
 * FeatureRow.complete) and picks the threshold that keeps the training
 * history within the alert budget. Pure and deterministic: the same rows and
 * options give the same model, byte for byte.
 *
 * 'role' grouping: one forest per peer group with at least minGroupRows
 * rows; smaller roles (and unknown ones) share a forest grown on every
 * user's rows; an application is its own group and is scored only once it
 * has minGroupRows days of its own. 'global': one forest on every user's
 * rows with the role as one more column.
 */
export function trainBehaviourModel(allRows: readonly FeatureRow[], options: TrainModelOptions): BehaviourModel {
  const rows = allRows.filter((r) => r.complete);
  const userRows = rows.filter((r) => !isApplicationGroup(r.group));
  if (userRows.length < 2) {
    throw new ChartwatchError(
      'CW_ERR_INPUT',
      `train: ${userRows.length} complete user actor-window rows in ${options.from} .. ${options.to}; at least 2 are needed (the first ${options.featureOptions.noveltyDays} days only warm up the "new patient" look-back)`,
    );
  }
  const features = [...(options.features ?? DEFAULT_MODEL_FEATURES)];
  if (features.length === 0) throw new ChartwatchError('CW_ERR_CONFIG', 'train: features: the list is empty');
  for (const f of features) if (!(FEATURE_NAMES as readonly string[]).includes(f)) throw new ChartwatchError('CW_ERR_CONFIG', `train: features: "${f}" is not one of ${FEATURE_NAMES.join(', ')}`);
  const grouping = options.peerGrouping ?? DEFAULT_PEER_GROUPING;
  if (!(PEER_GROUPINGS as readonly string[]).includes(grouping)) throw new ChartwatchError('CW_ERR_CONFIG', `train: peerGrouping: "${grouping}" is not one of ${PEER_GROUPINGS.join(', ')}`);
  const budgetPer1000 = options.budgetPer1000 ?? DEFAULT_BUDGET_PER_1000;
  const minGroupRows = options.minGroupRows ?? DEFAULT_MIN_GROUP_ROWS;
  const referenceShare = options.referenceShare ?? DEFAULT_REFERENCE_SHARE;
  if (!(referenceShare >= 0 && referenceShare < 1)) throw new ChartwatchError('CW_ERR_CONFIG', `train: referenceShare: ${referenceShare} is not in [0, 1)`);
  const seed = options.seed ?? 1;
  const forestOptions = { trees: options.trees ?? 100, sampleSize: options.sampleSize ?? 256 };
  const columns = grouping === 'global' ? [...features, ROLE_COLUMN] : features;

  const byGroup = new Map<string, FeatureRow[]>();
  for (const r of rows) {
    const list = byGroup.get(r.group);
    if (list === undefined) byGroup.set(r.group, [r]);
    else list.push(r);
  }
  const names = [...byGroup.keys()].sort();
  const roleNames = names.filter((n) => !isApplicationGroup(n));
  const roleIndex = new Map(roleNames.map((n, i) => [n, i]));
  const featureIdx = features.map((f) => FEATURE_NAMES.indexOf(f));
  const toModelRow = (r: FeatureRow): number[] => {
    const out = featureIdx.map((c) => r.values[c] as number);
    if (grouping === 'global') out.push(roleIndex.get(r.group) ?? -1);
    return out;
  };
  const grow = (groupRows: readonly FeatureRow[], name: string): IsolationForest => {
    const real = groupRows.map(toModelRow);
    const count = Math.round((real.length * referenceShare) / (1 - referenceShare));
    const s = groupSeed(seed, name);
    return new IsolationForest({ ...forestOptions, seed: s }).fit([...real, ...referenceSample(real, columns, count, s ^ 0x9e3779b9, roleNames.length)]);
  };

  const fallbackForest = grow(userRows, '*');
  const groups: PeerGroupJSON[] = names.map((name) => {
    const mine = byGroup.get(name) as FeatureRow[];
    const own = (grouping === 'role' || isApplicationGroup(name)) && mine.length >= minGroupRows ? grow(mine, name).toJSON() : null;
    return { name, rows: mine.length, medians: medians(mine), forest: own };
  });
  const fallback = { name: '*', rows: userRows.length, medians: medians(userRows), forest: fallbackForest.toJSON() };

  const draft: BehaviourModelJSON = {
    format: BEHAVIOUR_MODEL_FORMAT,
    formatVersion: BEHAVIOUR_MODEL_FORMAT_VERSION,
    version: options.version ?? 'draft',
    featureSetVersion: FEATURE_SET_VERSION,
    features: columns,
    featureOptions: options.featureOptions,
    timezone: options.timezone,
    peerGrouping: grouping,
    minGroupRows,
    referenceShare,
    groups,
    fallback,
    threshold: Number.NEGATIVE_INFINITY,
    budgetPer1000,
    training: { from: options.from, to: options.to, events: options.events, rows: rows.length, actorDays: 0, rowsAboveThreshold: 0 },
  };
  const unthresholded = new BehaviourModel(draft);
  const scores = scoreRows(unthresholded, rows);
  const actorDays = new Set(rows.map((r) => `${r.actorId}\u0000${r.dayStart}`)).size;
  const threshold = chooseThreshold(scores.filter((s) => !Number.isNaN(s)), actorDays, budgetPer1000);
  let above = 0;
  for (const s of scores) if (s > threshold) above++;
  const json: BehaviourModelJSON = { ...draft, threshold, training: { ...draft.training, actorDays, rowsAboveThreshold: above } };
  const version = options.version ?? `sha-${createHash('sha256').update(JSON.stringify({ ...json, version: '' })).digest('hex').slice(0, 12)}`;
  return new BehaviourModel({ ...json, version });
}

/** Each row's score under a model; NaN for a row the model does not score (an application without its own forest). */
export function scoreRows(model: BehaviourModel, rows: readonly FeatureRow[]): Float64Array {
  const out = new Float64Array(rows.length).fill(Number.NaN);
  // One score() call per forest: it works on blocks of rows.
  const byForest = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const f = model.forestFor(r.group);
    if (f === null) return;
    const list = byForest.get(f.name);
    if (list === undefined) byForest.set(f.name, [i]);
    else list.push(i);
  });
  for (const list of byForest.values()) {
    const first = rows[list[0] as number] as FeatureRow;
    const forest = (model.forestFor(first.group) as { forest: IsolationForest }).forest;
    const scores = forest.score(list.map((i) => model.modelRow((rows[i] as FeatureRow).values, (rows[i] as FeatureRow).group)));
    list.forEach((i, k) => {
      out[i] = scores[k] as number;
    });
  }
  return out;
}
