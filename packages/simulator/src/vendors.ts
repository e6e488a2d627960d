import type { SimVendor, VendorProfile } from './model.ts';

/**
 * Third-party and internal applications with their own rhythms: a nightly
 * population-health batch with a bigger Sunday refresh, a claims scrubber
 * that sleeps at weekends, a patient portal busiest in the evening, an
 * imaging AI that follows the scanners. Quotas sit well above the busiest
 * ordinary day, so a weekly peak is never over quota; two apps have quotas
 * far above their use (or none), which is where a spike can hide under quota.
 */

const FLAT = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.2, 1.5, 1.6, 1.6, 1.5, 1.5, 1.6, 1.6, 1.5, 1.3, 1.0, 0.8, 0.6, 0.5, 0.4, 0.3];
const OFFICE = [0, 0, 0, 0, 0, 0, 0.1, 0.4, 1.5, 2, 2, 2, 1.6, 1.8, 2, 2, 1.8, 1.2, 0.4, 0.1, 0, 0, 0, 0];
const NIGHT_BATCH = [0.5, 3, 3, 2.5, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.2];
const EVENING = [0.3, 0.15, 0.1, 0.1, 0.1, 0.2, 0.5, 0.8, 0.9, 0.9, 0.9, 0.9, 1, 1, 0.9, 0.9, 1, 1.3, 1.8, 2.2, 2.3, 2, 1.3, 0.7];
const SCANNERS = [0.3, 0.2, 0.2, 0.2, 0.2, 0.3, 0.6, 1, 1.6, 1.8, 1.8, 1.7, 1.4, 1.6, 1.8, 1.7, 1.5, 1.2, 1, 0.8, 0.6, 0.5, 0.4, 0.3];
const WEEKLY_EXTRACT = [0, 0, 3, 3, 2, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

interface VendorSpec {
  clientId: string;
  name: string;
  /** Quota as a multiple of the busiest weekday's mean; null = no quota. */
  quotaFactor: number | null;
  profile: VendorProfile;
}

const week = (sun: number, mon: number, tue: number, wed: number, thu: number, fri: number, sat: number): number[] => [sun, mon, tue, wed, thu, fri, sat];

const SPECS: readonly VendorSpec[] = [
  {
    clientId: 'app-hie-gateway',
    name: 'Regional HIE Gateway',
    quotaFactor: 2.2,
    profile: {
      weekly: week(550, 1300, 1200, 1200, 1150, 1100, 600),
      hourly: FLAT,
      action: 'query',
      patientsPerEvent: [1, 4],
      recordsPerPatient: [4, 14],
      resourceTypes: ['Patient', 'DocumentReference', 'Condition', 'MedicationStatement', 'AllergyIntolerance'],
      purpose: 'TREAT',
      population: 'recent-encounters',
      address: '203.0.113.21',
    },
  },
  {
    clientId: 'app-pophealth',
    name: 'PopHealth Analytics',
    quotaFactor: 1.8,
    profile: {
      weekly: week(6200, 4000, 4100, 4000, 4000, 4200, 3300),
      hourly: NIGHT_BATCH,
      action: 'query',
      patientsPerEvent: [25, 50],
      recordsPerPatient: [2, 6],
      resourceTypes: ['Patient', 'Condition', 'Observation', 'Immunization'],
      purpose: 'POPHLTH',
      population: 'living',
      address: '203.0.113.45',
    },
  },
  {
    clientId: 'app-claims-scrubber',
    name: 'ClaimRight Scrubber',
    quotaFactor: 2.0,
    profile: {
      weekly: week(250, 1700, 1600, 1500, 1500, 1400, 300),
      hourly: OFFICE,
      action: 'export',
      patientsPerEvent: [4, 12],
      recordsPerPatient: [2, 5],
      resourceTypes: ['Claim', 'Encounter', 'Coverage', 'Procedure'],
      purpose: 'HPAYMT',
      population: 'recent-discharges',
      address: '198.51.100.77',
    },
  },
  {
    clientId: 'app-patient-portal',
    name: 'MyHealth Patient Portal',
    quotaFactor: 2.0,
    profile: {
      weekly: week(950, 800, 780, 780, 760, 720, 900),
      hourly: EVENING,
      action: 'read',
      patientsPerEvent: [1, 1],
      recordsPerPatient: [1, 10],
      resourceTypes: ['Observation', 'DiagnosticReport', 'MedicationRequest', 'Appointment', 'DocumentReference'],
      purpose: 'PATRQT',
      population: 'portal',
      address: '203.0.113.80',
    },
  },
  {
    clientId: 'app-imaging-ai',
    name: 'ScanSight Imaging AI',
    quotaFactor: 15,
    profile: {
      weekly: week(350, 700, 720, 700, 690, 680, 380),
      hourly: SCANNERS,
      action: 'query',
      patientsPerEvent: [1, 1],
      recordsPerPatient: [10, 40],
      resourceTypes: ['ImagingStudy', 'DiagnosticReport', 'Observation'],
      purpose: 'TREAT',
      population: 'radiology',
      address: '198.51.100.140',
    },
  },
  {
    clientId: 'app-research-dw',
    name: 'Research Data Warehouse',
    quotaFactor: null,
    profile: {
      weekly: week(300, 1500, 800, 750, 780, 760, 280),
      hourly: WEEKLY_EXTRACT,
      action: 'query',
      patientsPerEvent: [30, 60],
      recordsPerPatient: [2, 4],
      resourceTypes: ['Patient', 'Condition', 'Observation', 'Procedure'],
      purpose: 'HRESCH',
      population: 'everyone',
      address: '10.20.90.15',
    },
  },
];

export function buildVendors(scale: number): SimVendor[] {
  return SPECS.map((spec, index) => {
    const weekly = spec.profile.weekly.map((v) => Math.round(v * scale));
    const peak = Math.max(...weekly);
    return {
      index,
      clientId: spec.clientId,
      name: spec.name,
      dailyQuota: spec.quotaFactor === null ? null : Math.ceil((peak * spec.quotaFactor) / 100) * 100,
      profile: { ...spec.profile, weekly },
    };
  });
}
