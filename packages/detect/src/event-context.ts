import type { AccessEvent } from '@chartwatch/event';
import type { CareRelationships } from './care-relationship.ts';
import type { ActorState, PatientDirectory, PatientFacts } from './directory.ts';
import type { LocalClock } from './local-clock.ts';

/**
 * Everything rules ask about the event being processed. One instance is
 * reused for every event (no per-event allocation); patient facts are
 * resolved on first request, because most rules never look at patients.
 */
export class EventContext {
  event!: AccessEvent;
  /** Event time in ms, parsed once. */
  t = 0;
  actor!: ActorState;
  /** Role and department as recorded in the event, normalised. */
  eventRole: string | null = null;
  eventDepartment: string | null = null;
  private readonly patients: PatientFacts[] = [];
  private resolved = false;

  constructor(
    readonly clock: LocalClock,
    readonly directory: PatientDirectory,
    readonly care: CareRelationships,
  ) {}

  reset(event: AccessEvent, t: number, actor: ActorState, role: string | null, department: string | null): void {
    this.event = event;
    this.t = t;
    this.actor = actor;
    this.eventRole = role;
    this.eventDepartment = department;
    this.resolved = false;
  }

  /** The event's patients, resolved against reference data once per event. */
  patientFacts(): readonly PatientFacts[] {
    if (!this.resolved) {
      const ids = this.event.patientIds;
      const out = this.patients;
      out.length = ids.length;
      if (ids.length === 1) {
        // The actor's previous patient first: see ActorState.lastPatient.
        const id = ids[0] as string;
        const actor = this.actor;
        let p = actor.lastPatient;
        if (p === null || p.id !== id) actor.lastPatient = p = this.directory.get(id);
        out[0] = p;
      } else {
        for (let i = 0; i < ids.length; i++) out[i] = this.directory.get(ids[i] as string);
      }
      this.resolved = true;
    }
    return this.patients;
  }

  hasCare(p: PatientFacts): boolean {
    return this.care.has(this.eventRole, this.eventDepartment, this.actor, p, this.t);
  }
}
