export {
  accessEventSchema,
  ACTIONS,
  ACTOR_KINDS,
  OUTCOMES,
  INPUT_FORMATS,
  ID_PATTERN,
  MIN_EVENT_TIME,
  MAX_EVENT_TIME,
} from './access-event.ts';
export type { AccessEvent, Action, ActorKind, Outcome, InputFormat } from './access-event.ts';
