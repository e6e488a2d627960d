import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError, FileContentError } from '@chartwatch/errors';
import { START_DEFAULTS } from './flags.ts';

/**
 * The simulated hospital a data directory holds. Kept beside the data so a
 * restart resumes the same hospital (same seed, size and dates, so the same
 * event ids: re-sent events add nothing) instead of mixing a second
 * hospital's traffic into the first one's history.
 */
export const simulationStateSchema = z.object({
  seed: z.number().int().min(0),
  staff: z.number().int().min(1),
  days: z.number().int().min(1),
  /** Local date of day 0, YYYY-MM-DD. */
  start: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  timezone: z.string().min(1),
  /** UTC ISO time of the newest event sent so far; null before the first send. */
  fedThrough: z.string().nullable(),
});

export type SimulationState = z.infer<typeof simulationStateSchema>;

export async function loadSimulationState(file: string): Promise<SimulationState | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new FileContentError('CW_ERR_INPUT', file, 'json', `${(err as Error).message}; delete the file (or the data directory) to start a new simulation`);
  }
  const parsed = simulationStateSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FileContentError('CW_ERR_INPUT', file, issue?.path.join('.') || 'state', `${issue?.message ?? 'invalid'}; delete the file (or the data directory) to start a new simulation`);
  }
  return parsed.data;
}

/** Written to a temporary file and renamed over the old one, so a crash leaves the old state or the new. */
export async function saveSimulationState(file: string, state: SimulationState): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

/** YYYY-MM-DD of `atMs` in `timezone`. */
export function localDate(atMs: number, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(atMs);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The local date `days` before `date` (both YYYY-MM-DD). */
export function daysBefore(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00.000Z`) - days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

export interface SimulationRequest {
  /** null = not given on the command line. */
  seed: number | null;
  staff: number | null;
  days: number | null;
}

/**
 * The simulation to run: the one the data directory holds, or a new one
 * whose last day is today (so the dashboard's recent days show it). A flag
 * that contradicts the stored simulation stops the start, naming the flag.
 */
export function resolveSimulation(request: SimulationRequest, saved: SimulationState | null, context: { nowMs: number; timezone: string; stateFile: string }): { state: SimulationState; resumed: boolean } {
  if (saved !== null) {
    for (const [flag, wanted, held] of [
      ['--seed', request.seed, saved.seed],
      ['--staff', request.staff, saved.staff],
      ['--days', request.days, saved.days],
    ] as const) {
      if (wanted !== null && wanted !== held) {
        throw new ConfigError(flag, `${wanted} differs from the simulation this data directory holds (${flag.slice(2)} ${held}, see ${context.stateFile}): pass --data-dir DIR for a new one, or delete the data directory`);
      }
    }
    if (saved.timezone !== context.timezone) {
      throw new ConfigError('CHARTWATCH_TIMEZONE', `${context.timezone} differs from the time zone of the simulation this data directory holds (${saved.timezone}, see ${context.stateFile})`);
    }
    return { state: saved, resumed: true };
  }
  const days = request.days ?? START_DEFAULTS.days;
  return {
    state: {
      seed: request.seed ?? START_DEFAULTS.seed,
      staff: request.staff ?? START_DEFAULTS.staff,
      days,
      start: daysBefore(localDate(context.nowMs, context.timezone), days - 1),
      timezone: context.timezone,
      fedThrough: null,
    },
    resumed: false,
  };
}
