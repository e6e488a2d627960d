import { ACTOR_KINDS } from '@chartwatch/event';
import { z } from 'zod';

/**
 * An alert: one rule (or the model) judged one key's behaviour in one window
 * to be worth a person's time. Ids, not names (minimum PHI): the API resolves
 * names for users allowed to see them.
 */

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const featureContributionSchema = z.object({
  feature: z.string(),
  /** The actor's value in this window. */
  value: z.number(),
  /** The median of the actor's peer group (same role) for this feature. */
  peerMedian: z.number().nullable(),
  /** Share of the anomaly score this feature accounts for, 0..1. */
  contribution: z.number(),
});
export type FeatureContribution = z.infer<typeof featureContributionSchema>;

export const alertSchema = z.object({
  /** Deterministic: a hash of (ruleId, key, windowStart), so a replay or redelivery cannot duplicate it. */
  alertId: z.string(),
  ruleId: z.string(),
  ruleVersion: z.number().int(),
  /** 'rule' for rules/*.yaml, 'model' for the isolation forest. */
  detector: z.enum(['rule', 'model']),
  severity: z.enum(SEVERITIES),
  title: z.string(),
  /** The aggregation key as text, e.g. "actor=u123" or "actor=u123,patient=p9". */
  key: z.string(),
  actorId: z.string(),
  actorKind: z.enum(ACTOR_KINDS),
  /** Patients involved (capped at 100; patientCount has the total). */
  patientIds: z.array(z.string()),
  patientCount: z.number().int(),
  windowStart: z.string(),
  windowEnd: z.string(),
  /** What was measured (e.g. "distinct patients"), its value, and what it was compared with. */
  measure: z.string(),
  observed: z.number(),
  threshold: z.number().nullable(),
  /** 'fixed' threshold, 'quota' from reference data, 'baseline-self' / 'baseline-peers', or 'model'. */
  comparedWith: z.enum(['fixed', 'quota', 'baseline-self', 'baseline-peers', 'model', 'condition']),
  baseline: z.number().nullable(),
  /** Evidence event ids, capped at 100; evidenceCount has the total. */
  evidenceEventIds: z.array(z.string()),
  evidenceCount: z.number().int(),
  explanation: z.string(),
  /** Model alerts only. */
  score: z.number().nullable(),
  modelVersion: z.string().nullable(),
  features: z.array(featureContributionSchema),
  /** Event time at which the alert fired (never wall-clock, so replay equals live). */
  firedAt: z.string(),
});
export type Alert = z.infer<typeof alertSchema>;

export const MAX_EVIDENCE_IDS = 100;
