import type { AccessEvent } from '@chartwatch/event';
import type { BusinessHours } from '@chartwatch/detect';
import type { CareOptions, ReferenceLookup } from '@chartwatch/facts';
// The detector's own care relationship, clock and directories: the features must not have a second definition.
import { ActorDirectory, CareRelationships, DEFAULT_CARE_OPTIONS, LabelCache, LocalClock, PatientDirectory } from '@chartwatch/facts';

/**
 * What the feature accumulator asks about an access beyond the event itself:
 * the hospital's clock, the care relationship and the reference data. An
 * interface so the accumulator's own tests can pin each answer.
 */
export interface AccessFacts {
  /** UTC start of the window of `sizeMs` containing t, aligned on the hospital's local clock (a day starts at local midnight). */
  windowStart(t: number, sizeMs: number): number;
  /** Outside business hours on the hospital's local clock. */
  afterHours(t: number): boolean;
  /**
   * The actor's peer group: the staff directory's role, else the event's,
   * else "unknown". An application is its own peer group
   * ("application:<client id>"): applications share no common behaviour.
   */
  peerGroup(event: AccessEvent): string;
  /** The actor's department (directory, else event), for the explanation. */
  department(event: AccessEvent): string | null;
  /**
   * Whether the actor had a care relationship with each of the event's
   * patients at t (out[i] for patientIds[i]), judged before this access is
   * remembered; then remembers it, exactly as the detector does.
   */
  judgeCare(event: AccessEvent, t: number, out: boolean[]): void;
  /**
   * The patient's department at t: `preferred` (the actor's own) when one
   * of the encounters open at t is there; else the department of the
   * earliest-started open encounter (the admission, not the laboratory
   * visit beside it); else that of the latest encounter before t; null
   * when the patient has none.
   */
  patientDepartment(patientId: string, t: number, preferred: string | null): string | null;
  /** Reference data was reloaded. */
  setReference(reference: ReferenceLookup): void;
}

export const DEFAULT_BUSINESS_HOURS: BusinessHours = { start: 7 * 60, end: 19 * 60, days: ['mon', 'tue', 'wed', 'thu', 'fri'], holidays: [] };

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const WRITE_ACTIONS: ReadonlySet<string> = new Set(['create', 'update']);
export const APPLICATION_GROUP_PREFIX = 'application:';
const UNKNOWN_GROUP = 'unknown';

export interface AccessFactsOptions {
  reference: ReferenceLookup;
  /** IANA zone of the hospital. Default UTC. */
  timezone?: string;
  businessHours?: BusinessHours;
  care?: Partial<CareOptions>;
}

/** AccessFacts answered by @chartwatch/facts' care relationship, directories and local clock over reference data: the detector's own. */
export function createAccessFacts(options: AccessFactsOptions): AccessFacts {
  return new DetectAccessFacts(options);
}

class DetectAccessFacts implements AccessFacts {
  private readonly clock: LocalClock;
  private readonly patients: PatientDirectory;
  private readonly actors: ActorDirectory;
  private readonly care: CareRelationships;
  private readonly labels = new LabelCache();
  private readonly days: boolean[];
  private readonly holidays: Set<number>;
  private readonly hours: BusinessHours;

  constructor(options: AccessFactsOptions) {
    this.clock = new LocalClock(options.timezone ?? 'UTC');
    this.patients = new PatientDirectory(options.reference);
    this.actors = new ActorDirectory(options.reference);
    this.care = new CareRelationships({ ...DEFAULT_CARE_OPTIONS, ...options.care }, this.patients, this.actors);
    this.hours = options.businessHours ?? DEFAULT_BUSINESS_HOURS;
    this.days = WEEKDAYS.map((d) => this.hours.days.includes(d));
    this.holidays = new Set(this.hours.holidays.map((h) => Math.floor(Date.UTC(Number(h.slice(0, 4)), Number(h.slice(5, 7)) - 1, Number(h.slice(8, 10))) / 86_400_000)));
  }

  windowStart(t: number, sizeMs: number): number {
    return this.clock.alignedStart(t, sizeMs);
  }

  afterHours(t: number): boolean {
    const clock = this.clock;
    if (!this.days[clock.weekday(t)]) return true;
    if (this.holidays.size > 0 && this.holidays.has(clock.dayIndex(t))) return true;
    const m = clock.minuteOfDay(t);
    const { start, end } = this.hours;
    return end <= start ? !(m >= start || m < end) : !(m >= start && m < end);
  }

  peerGroup(event: AccessEvent): string {
    if (event.actor.kind === 'application') return `${APPLICATION_GROUP_PREFIX}${event.actor.id}`;
    return this.actors.get(event.actor.id).role ?? this.labels.get(event.actor.role) ?? UNKNOWN_GROUP;
  }

  department(event: AccessEvent): string | null {
    if (event.actor.kind === 'application') return null;
    return this.actors.get(event.actor.id).department ?? this.labels.get(event.actor.department);
  }

  judgeCare(event: AccessEvent, t: number, out: boolean[]): void {
    const ids = event.patientIds;
    out.length = ids.length;
    const actor = this.actors.get(event.actor.id);
    const role = this.labels.get(event.actor.role);
    const dept = this.labels.get(event.actor.department);
    for (let i = 0; i < ids.length; i++) out[i] = this.care.has(role, dept, actor, this.patients.get(ids[i] as string), t);
    // As the detector's rememberCare: only successful user accesses build care memory.
    if (event.outcome !== 'success' || event.actor.kind !== 'user') return;
    const wrote = WRITE_ACTIONS.has(event.action);
    for (let i = 0; i < ids.length; i++) this.care.record(dept, actor, this.patients.get(ids[i] as string), t, wrote);
  }

  patientDepartment(patientId: string, t: number, preferred: string | null): string | null {
    return this.patients.departmentAt(this.patients.get(patientId), t, preferred);
  }

  setReference(reference: ReferenceLookup): void {
    this.patients.setReference(reference);
    this.actors.setReference(reference);
  }
}
