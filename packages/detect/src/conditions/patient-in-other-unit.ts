import type { FlagConditionDef } from '../condition.ts';
import { NO_NEEDS } from '../condition.ts';

/**
 * `patient-in-other-unit`: the patient's department at the time of the access (PatientDirectory.departmentAt:
 * an open encounter, the admission first, else the latest one) is known and is neither the department
 * recorded in the event nor the actor's in the staff directory. A patient with no encounter is in no unit,
 * so never in another one. It reads reference data only: no state, no care memory, no history to warm up.
 */
export const patientInOtherUnit: FlagConditionDef = {
  scope: 'patient',
  // A binary search over the patient's encounters: dearer than a flag, cheaper than the care check.
  cost: 5,
  needs: NO_NEEDS,
  compile: () => (ctx, p) => {
    const own = ctx.eventDepartment ?? ctx.actor.department;
    const unit = ctx.directory.departmentAt(p, ctx.t, own);
    return unit !== null && unit !== ctx.eventDepartment && unit !== ctx.actor.department;
  },
};
