import type { AccessEvent } from '@chartwatch/event';
import type { CareRelationships } from '@chartwatch/facts';
import type { ActorDirectory, ActorState, PatientDirectory, PatientFacts } from '@chartwatch/facts';
import { shortIdCode } from '@chartwatch/facts';
import type { LocalClock } from '@chartwatch/facts';

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
  private readonly idxs: number[] = [];
  private numbered = false;

  constructor(
    readonly clock: LocalClock,
    readonly directory: PatientDirectory,
    readonly care: CareRelationships,
    private readonly actors: ActorDirectory,
  ) {}

  /** Whether the event's role or the directory's role has one of the categories. */
  actorHasCategory(categories: ReadonlySet<string>): boolean {
    const actors = this.actors;
    for (const c of actors.categoriesOf(this.eventRole)) if (categories.has(c)) return true;
    if (this.actor.role === this.eventRole) return false;
    for (const c of actors.categoriesOf(this.actor.role)) if (categories.has(c)) return true;
    return false;
  }

  reset(event: AccessEvent, t: number, actor: ActorState, role: string | null, department: string | null): void {
    this.event = event;
    this.t = t;
    this.actor = actor;
    this.eventRole = role;
    this.eventDepartment = department;
    this.resolved = false;
    this.numbered = false;
  }

  /**
   * The event's patients as idx numbers (PatientFacts.idx), what windows count. Resolving facts is a
   * look-up in an array of every patient and a read of the record: skipped for events no rule asks
   * facts of (an application's bulk query of random charts: 5.5 patients an event in the bench).
   */
  patientIdxs(): readonly number[] {
    if (!this.numbered) {
      const out = this.idxs;
      if (this.resolved) {
        const facts = this.patients;
        if (out.length !== facts.length) out.length = facts.length;
        for (let i = 0; i < facts.length; i++) out[i] = (facts[i] as PatientFacts).idx;
      } else {
        const ids = this.event.patientIds;
        // One patient: by way of the actor's recent charts (sets idxs and numbered).
        if (ids.length === 1) {
          this.singlePatientIdx();
          return out;
        }
        if (out.length !== ids.length) out.length = ids.length;
        for (let i = 0; i < ids.length; i++) out[i] = this.directory.idxOf(ids[i] as string);
      }
      this.numbered = true;
    }
    return this.idxs;
  }

  /**
   * The number of the event's one patient (call only when it names exactly one), numbered in event
   * order like patientIdxs() but by way of the actor's recent charts (ActorDirectory.recentPatient),
   * and without resolving its facts: the prefilter reads their summary from the patient's row
   * (PatientDirectory.summary) and the care check the rest of that row.
   */
  singlePatientIdx(): number {
    if (this.numbered) return this.idxs[0] as number;
    let idx: number;
    if (this.resolved) idx = (this.patients[0] as PatientFacts).idx;
    else {
      const id = this.event.patientIds[0] as string;
      const code = shortIdCode(id);
      idx = code !== 0 ? this.actors.recentPatient(this.actor, code) : -1;
      if (idx < 0) {
        idx = this.directory.idxOf(id, code);
        if (code !== 0) this.actors.rememberPatient(this.actor, code, idx);
      }
    }
    const out = this.idxs;
    if (out.length !== 1) out.length = 1;
    out[0] = idx;
    this.numbered = true;
    return idx;
  }

  /** The event's patients, resolved against reference data once per event. */
  patientFacts(): readonly PatientFacts[] {
    if (!this.resolved) {
      const ids = this.event.patientIds;
      const out = this.patients;
      // Only when it changes: setting an array's length is a runtime call, and a shorter one gives back its store.
      if (out.length !== ids.length) out.length = ids.length;
      if (ids.length === 1) {
        // The actor's recent patients first: see singlePatientIdx.
        out[0] = this.directory.factsAt(this.singlePatientIdx());
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
