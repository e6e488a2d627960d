/**
 * HL7 v3 codes as a patient or privacy officer reads them. Purposes are
 * v3-ActReason (FHIR AuditEvent.purposeOfUse); sensitivity is the security
 * labels of v3-ActCode / v3-Confidentiality (FHIR meta.security). An unknown
 * code is shown as itself: a hospital's local code must never vanish.
 */

const PURPOSES: Record<string, string> = {
  TREAT: 'treatment',
  ETREAT: 'emergency treatment',
  CLINTRCH: 'clinical trial research',
  COVERAGE: 'coverage under a policy',
  HPAYMT: 'payment',
  HOPERAT: 'healthcare operations',
  HRESCH: 'research',
  HLEGAL: 'legal',
  HMARKT: 'marketing',
  HSYSADMIN: 'system administration',
  PATRQT: 'the patient’s own request',
  FAMRQT: 'a family member’s request',
  PWATRNY: 'a power of attorney’s request',
  PUBHLTH: 'public health',
  POPHLTH: 'population health',
  IRCP: 'information recipient’s care',
  BTG: 'break-the-glass (emergency access)',
  TRANSRCH: 'translational research',
  CAREMGT: 'care management',
  HQUALIMP: 'quality improvement',
};

const SENSITIVITY: Record<string, string> = {
  PSY: 'psychiatry',
  PSYTHPN: 'psychotherapy note',
  ETH: 'substance use',
  SUD: 'substance use',
  HIV: 'HIV/AIDS',
  STD: 'sexually transmitted disease',
  SDV: 'sexual or domestic violence',
  SEX: 'sexuality and reproductive health',
  GDIS: 'genetic disease',
  BH: 'behavioural health',
  R: 'restricted',
  V: 'very restricted',
  N: 'normal',
  M: 'moderate',
  L: 'low',
};

/** "research (HRESCH)"; an unknown code alone. */
export function purposeText(code: string): string {
  const w = PURPOSES[code.toUpperCase()];
  return w === undefined ? code : `${w} (${code})`;
}

export function sensitivityText(code: string): string {
  const w = SENSITIVITY[code.toUpperCase()];
  return w === undefined ? code : `${w} (${code})`;
}
