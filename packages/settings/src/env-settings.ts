import { z } from 'zod';
import { ConfigError } from '@chartwatch/errors';

/**
 * The services read their environment the same way: each variable has a zod
 * schema and the words an operator needs when it is wrong. One reader, so a
 * bad value gives the same kind of message whichever service refuses to
 * start.
 */
export interface EnvSetting {
  schema: z.ZodType;
  /** What a good value looks like, as the error message says it. */
  expected: string;
}

export type Env = Record<string, string | undefined>;

/** An empty or blank variable means unset (a compose file's `X=` is common); values are trimmed. */
export function blankAsUnset(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  return t === '' ? undefined : t;
}

/** A whole number in [min, max], `fallback` when unset. */
export function envInt(min: number, max: number, fallback: number) {
  return z.preprocess(blankAsUnset, z.coerce.number().int().min(min).max(max).default(fallback));
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function logLevelSetting(fallback: LogLevel) {
  return { schema: z.preprocess(blankAsUnset, z.enum(LOG_LEVELS).default(fallback)), expected: `one of ${LOG_LEVELS.join(', ')}` };
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function timeZoneSetting(fallback: string) {
  return { schema: z.preprocess(blankAsUnset, z.string().refine(isTimeZone).default(fallback)), expected: 'an IANA time zone such as UTC or Europe/Berlin' };
}

/** A reader over one service's settings table: `read(env, 'NAME')` is typed by NAME's schema and throws ConfigError naming the variable. */
export function envReader<S extends Record<string, EnvSetting>>(settings: S) {
  return function read<K extends keyof S & string>(env: Env, name: K): z.infer<S[K]['schema']> {
    const { schema, expected } = settings[name] as EnvSetting;
    const result = schema.safeParse(env[name]);
    if (!result.success) throw new ConfigError(name, `got ${JSON.stringify(env[name])}, expected ${expected}`);
    return result.data as z.infer<S[K]['schema']>;
  };
}
