import { z } from 'zod';
import type { ZodType } from 'zod';
import { ID_PATTERN } from '@chartwatch/event';
import { validationError } from './errors.ts';

/**
 * Zod at the edge: every part of a request (params, query, body) is parsed
 * by its route's schema before the handler runs, and the first problem
 * becomes a 400 naming the field, e.g. `query.limit`.
 */
export type RequestPart = 'params' | 'query' | 'body';

export function parsePart<T>(schema: ZodType<T>, value: unknown, part: RequestPart): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw validationError(part, 'invalid');
  let path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path = [...path, issue.keys[0] ?? ''];
  const field = [part, ...path].join('.');
  const message = issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message;
  throw validationError(field, message);
}

/** JSON Schema for the OpenAPI document (Fastify does not validate with it: zod does). */
export function jsonSchemaOf(schema: ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json['$schema'];
  return json;
}

// Building blocks shared by the route schemas.

/** Ids (actor, patient, event, alert, rule, key): the same safe alphabet the canonical event enforces. */
export const idSchema = z.string().regex(ID_PATTERN, 'must be 1-128 characters of letters, digits and . _ : @ / | + -, starting with a letter or digit');

const ISO_WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A real calendar date and time of day: Date.parse alone would read 2025-02-30 as 2 March. */
function isCalendarTime(s: string): boolean {
  const m = ISO_WITH_ZONE.exec(s);
  if (m === null || !Number.isFinite(Date.parse(s))) return false;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  return mo >= 1 && mo <= 12 && d >= 1 && d === new Date(Date.UTC(y, mo - 1, d)).getUTCDate() && h <= 23 && mi <= 59;
}

/** ISO-8601 time with a zone (Z or ±hh:mm), normalised to UTC with milliseconds. */
export const isoTimeSchema = z
  .string()
  .max(40)
  .refine(isCalendarTime, 'must be an ISO-8601 time with a zone, e.g. 2025-01-31T08:00:00Z')
  .transform((s) => new Date(Date.parse(s)).toISOString())
  .refine((s) => s >= '1970-01-01T00:00:00.000Z' && s < '2200-01-01T00:00:00.000Z', 'must be between 1970 and 2200');

/** `a,b,c` (or the parameter repeated) → a list of allowed values. */
export function listOf<T extends string>(item: ZodType<T>, max = 20) {
  return z
    .union([z.string().max(4096), z.array(z.string().max(4096)).max(max)])
    .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== ''))
    .pipe(z.array(item).min(1).max(max) as unknown as ZodType<T[], string[]>);
}

export const limitSchema = (def: number, max: number) => z.coerce.number().int().min(1).max(max).default(def);

export const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Free text a person typed (reasons, comments): kept verbatim, whatever it contains, up to a bound. */
export const freeText = (max: number) => z.string().min(1).max(max).refine((s) => s.trim() !== '', 'must not be blank');
