import { ChartwatchError } from '@chartwatch/errors';
import { z } from 'zod';
import { APPLICATION_GROUP_PREFIX } from '../features/access-facts.ts';
import type { FeatureOptions } from '../features/feature-accumulator.ts';
import { WINDOWS } from '../features/feature-accumulator.ts';
import type { FeatureName } from '../features/feature-names.ts';
import { FEATURE_NAMES, FEATURE_SET_VERSION } from '../features/feature-names.ts';
import type { IsolationForestJSON } from '../forest-json.ts';
import { IsolationForest } from '../isolation-forest.ts';
import { shrinkShares } from './shrink-shares.ts';

export const BEHAVIOUR_MODEL_FORMAT = 'chartwatch-behaviour-model';
export const BEHAVIOUR_MODEL_FORMAT_VERSION = 1;

export const PEER_GROUPINGS = ['role', 'global'] as const;
/**
 * How peers are formed: 'role' fits one forest per role (roles with too few
 * rows share a forest fitted on everyone); 'global' fits one forest on
 * everyone with the role as one more column. The trainer's README gives the
 * measurement behind the default.
 */
export type PeerGrouping = (typeof PEER_GROUPINGS)[number];

/** The column appended in 'global' grouping: the role's index among the (non-application) `groups`, -1 for a role not seen in training. */
export const ROLE_COLUMN = 'role';

export interface PeerGroupJSON {
  readonly name: string;
  /** Training rows of this group. */
  readonly rows: number;
  /** Median of each FEATURE_NAMES column over the group's training rows (the "peers" of an explanation). */
  readonly medians: readonly number[];
  /** The group's own forest, or null when it shares the fallback (too few rows, or 'global' grouping). */
  readonly forest: IsolationForestJSON | null;
}

export interface TrainingSummary {
  /** The history trained on: [from, to) as ISO-8601 UTC. */
  readonly from: string;
  readonly to: string;
  readonly events: number;
  /** Complete rows trained on, and the distinct actor-days they cover (the alert budget's denominator). */
  readonly rows: number;
  readonly actorDays: number;
  /** Training rows scoring above the threshold. */
  readonly rowsAboveThreshold: number;
}

export interface BehaviourModelJSON {
  readonly format: typeof BEHAVIOUR_MODEL_FORMAT;
  readonly formatVersion: typeof BEHAVIOUR_MODEL_FORMAT_VERSION;
  /** The registry's version ("v3"), or a content digest for a model trained from a file. */
  readonly version: string;
  readonly featureSetVersion: number;
  /** Columns the forests were fitted on, in order (a subset of FEATURE_NAMES, then ROLE_COLUMN in 'global' grouping). */
  readonly features: readonly string[];
  readonly featureOptions: FeatureOptions;
  /** The hospital's IANA zone the windows and business hours were computed in. */
  readonly timezone: string;
  readonly peerGrouping: PeerGrouping;
  readonly minGroupRows: number;
  /** Share of each forest's training set that was the uniform reference sample (train-model.ts). */
  readonly referenceShare: number;
  /** Pseudo-observations of the group's median share mixed into each share before scoring (shrink-shares.ts); 0 = raw shares. */
  readonly shrinkage: number;
  readonly groups: readonly PeerGroupJSON[];
  /** Everyone's forest and medians: for 'global', and for roles without a forest of their own. */
  readonly fallback: PeerGroupJSON;
  /** A row alerts when its score is strictly above this (chooseThreshold's convention). */
  readonly threshold: number;
  readonly budgetPer1000: number;
  readonly training: TrainingSummary;
}

const forestSchema = z.custom<IsolationForestJSON>((v) => typeof v === 'object' && v !== null, 'expected an isolation forest object');

const groupSchema = z.object({
  name: z.string().min(1),
  rows: z.number().int().min(0),
  medians: z.array(z.number()).length(FEATURE_NAMES.length),
  forest: forestSchema.nullable(),
});

const modelSchema = z.object({
  format: z.literal(BEHAVIOUR_MODEL_FORMAT),
  formatVersion: z.literal(BEHAVIOUR_MODEL_FORMAT_VERSION),
  version: z.string().min(1).max(64),
  featureSetVersion: z.literal(FEATURE_SET_VERSION),
  features: z
    .array(z.string())
    .min(1)
    .refine((list) => list.every((f) => (FEATURE_NAMES as readonly string[]).includes(f) || f === ROLE_COLUMN), 'names a feature this version does not compute'),
  featureOptions: z.object({
    window: z.enum(WINDOWS),
    noveltyDays: z.number().int().min(0).max(366),
    allowedLatenessMs: z.number().min(0),
  }),
  timezone: z.string().min(1),
  peerGrouping: z.enum(PEER_GROUPINGS),
  minGroupRows: z.number().int().min(2),
  referenceShare: z.number().min(0).lt(1),
  shrinkage: z.number().min(0),
  groups: z.array(groupSchema),
  fallback: groupSchema.extend({ forest: forestSchema }),
  threshold: z.number().nullable().transform((v) => (v === null ? Number.NEGATIVE_INFINITY : v)),
  budgetPer1000: z.number().min(0),
  training: z.object({
    from: z.string(),
    to: z.string(),
    events: z.number().int().min(0),
    rows: z.number().int().min(0),
    actorDays: z.number().int().min(0),
    rowsAboveThreshold: z.number().int().min(0),
  }),
});

export interface RowScore {
  readonly score: number;
  /** Which forest scored the row: the group's own, or "*" for the fallback. */
  readonly forest: string;
  /** Share of the score per model column (`features`), summing to 1. */
  readonly contributions: Float64Array;
  /** The peer medians of the row's group, per FEATURE_NAMES column (the fallback's when the role is unknown). */
  readonly medians: readonly number[];
  /** The peer group the medians are of. */
  readonly peers: string;
}

/**
 * A trained behavioural model: the forests, the columns they read, the
 * feature definition's options, the peer medians and the alert threshold.
 * Plain JSON in and out (toJSON / BehaviourModel.fromJSON).
 */
export class BehaviourModel {
  readonly json: BehaviourModelJSON;
  private readonly columns: readonly number[];
  private readonly roleColumn: boolean;
  private readonly groupIndex = new Map<string, number>();
  private readonly roleIndex = new Map<string, number>();
  private readonly forests = new Map<string, IsolationForest>();
  private readonly fallbackForest: IsolationForest;

  constructor(json: BehaviourModelJSON) {
    this.json = json;
    this.roleColumn = json.features.includes(ROLE_COLUMN);
    this.columns = json.features.filter((f) => f !== ROLE_COLUMN).map((f) => FEATURE_NAMES.indexOf(f as FeatureName));
    json.groups.forEach((g, i) => {
      this.groupIndex.set(g.name, i);
      if (!g.name.startsWith(APPLICATION_GROUP_PREFIX)) this.roleIndex.set(g.name, this.roleIndex.size);
      if (g.forest !== null) this.forests.set(g.name, IsolationForest.fromJSON(g.forest));
    });
    this.fallbackForest = IsolationForest.fromJSON(json.fallback.forest);
    for (const [name, f] of [...this.forests, ['*', this.fallbackForest] as const]) {
      if (f.features !== json.features.length) {
        throw new ChartwatchError('CW_ERR_MODEL', `behaviour model ${json.version}: forest of group "${name}" has ${f.features} columns, features lists ${json.features.length}`);
      }
    }
  }

  get version(): string {
    return this.json.version;
  }

  get threshold(): number {
    return this.json.threshold;
  }

  get featureOptions(): FeatureOptions {
    return this.json.featureOptions;
  }

  /** The model's columns for one row of FEATURE_NAMES values. */
  modelRow(values: readonly number[], group: string): number[] {
    const k = this.json.shrinkage;
    const v = k > 0 ? shrinkShares(values, this.peersOf(group).medians, k) : values;
    const out = this.columns.map((c) => v[c] as number);
    if (this.roleColumn) out.push(this.roleIndex.get(group) ?? -1);
    return out;
  }

  /** The group's training summary (medians), or everyone's for a group not seen in training. */
  peersOf(group: string): PeerGroupJSON {
    const index = this.groupIndex.get(group);
    return index === undefined ? this.json.fallback : (this.json.groups[index] as PeerGroupJSON);
  }

  /**
   * The forest that judges a group: its own, else the all-staff one; null
   * for an application without a forest of its own (applications are not
   * each other's peers, and staff are not theirs).
   */
  forestFor(group: string): { name: string; forest: IsolationForest } | null {
    const own = this.forests.get(group);
    if (own !== undefined) return { name: group, forest: own };
    return group.startsWith(APPLICATION_GROUP_PREFIX) ? null : { name: '*', forest: this.fallbackForest };
  }

  /** Score, contributions and peer medians of one row of FEATURE_NAMES values; null when the model does not judge the group. */
  score(values: readonly number[], group: string): RowScore | null {
    const chosen = this.forestFor(group);
    if (chosen === null) return null;
    const row = this.modelRow(values, group);
    const { name, forest } = chosen;
    const score = forest.score([row])[0] as number;
    const index = this.groupIndex.get(group);
    const peers = this.peersOf(group);
    const peerName = index === undefined ? 'all staff' : group.startsWith(APPLICATION_GROUP_PREFIX) ? 'its own days' : group;
    return { score, forest: name, contributions: forest.contributions(row), medians: peers.medians, peers: peerName };
  }

  toJSON(): BehaviourModelJSON {
    return this.json;
  }

  /** Parses and checks a saved model (object or text); throws CW_ERR_MODEL naming the field at fault. */
  static fromJSON(input: unknown, source = 'behaviour model'): BehaviourModel {
    let value = input;
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch (err) {
        throw new ChartwatchError('CW_ERR_MODEL', `${source}: not JSON (${(err as Error).message})`, { cause: err });
      }
    }
    const parsed = modelSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ChartwatchError('CW_ERR_MODEL', `${source}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
    }
    return new BehaviourModel(parsed.data as BehaviourModelJSON);
  }
}
