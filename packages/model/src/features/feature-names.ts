/**
 * The behavioural features, one value per actor per window, in the column
 * order the model is fitted on. The order is part of a saved model (its
 * `features` list), so a new feature goes at the end and bumps
 * FEATURE_SET_VERSION.
 */
export const FEATURE_NAMES = [
  /** Events in the window. */
  'events',
  /** Distinct patients touched. */
  'patients',
  /** Share of events outside business hours (the hospital's local clock). */
  'afterHoursShare',
  /** Distinct departments of the patients seen (each patient's department at the time: AccessFacts.patientDepartment). */
  'departments',
  /** Share of distinct patients with no care relationship on any access in the window. */
  'noCareShare',
  /** Share of events carrying a security label (PSY, HIV, ETH, …). */
  'sensitiveShare',
  /** Share of clinical resources among clinical and administrative ones. */
  'clinicalShare',
  /** Export events. */
  'exports',
  /** Print events. */
  'prints',
  /** Share of distinct patients the actor did not touch in the look-back before the window. */
  'newPatientShare',
  /** Records pulled (the events' `records`), what an application's quota counts. */
  'records',
  /** Distinct patients with no care relationship (the count behind noCareShare). */
  'noCarePatients',
  /** Share of distinct patients whose department (as for `departments`) is not the actor's own. */
  'otherDepartmentShare',
  /**
   * Cross-day features: this window and the actor's windows of the
   * CROSS_DAY_SPAN before it (FeatureAccumulator). A slow insider spreads
   * over days what a day's counts cannot tell from ordinary work: a few
   * charts without care a day, one export a day.
   */
  /** Distinct patients without a care relationship over the span. */
  'noCarePatients7d',
  /** Patients without a care relationship in this window who were opened without one on an earlier day of the span too. */
  'noCareRepeatPatients',
  /** Export events over the span. */
  'exports7d',
  /** Departments of this window's patients, other than the actor's own, not reached in the earlier days of the span. */
  'newDepartments',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Bumped whenever a feature's definition or the column order changes; saved with each model. */
export const FEATURE_SET_VERSION = 2;

export const FEATURE_INDEX: Readonly<Record<FeatureName, number>> = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i])) as Record<FeatureName, number>;
