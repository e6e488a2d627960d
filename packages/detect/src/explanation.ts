/**
 * Explanation templates: `{name}` placeholders filled from the alert's own
 * values, so the text a person reads always agrees with the alert's fields.
 * Templates are compiled once, when the rule loads; an unknown placeholder is
 * a rule error, not a blank in an analyst's queue.
 */

export const PLACEHOLDERS = [
  'rule',
  'title',
  'severity',
  'actor',
  'actorKind',
  'role',
  'department',
  'key',
  'patient',
  'patients',
  'patientCount',
  'measure',
  'observed',
  'threshold',
  'baseline',
  'spread',
  'comparedWith',
  'quota',
  'window',
  'windowStart',
  'windowEnd',
  'firedAt',
  'evidenceCount',
  // Counts with their noun agreed ("1 access", "3 accesses"): "access(es)" read as a template's seam.
  'accesses',
  'patientsCounted',
  // When the staff directory says the account ended, on the hospital's clock; "no termination on file" when it does not.
  'terminatedAt',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export type ExplanationValues = Record<Placeholder, string>;

type Part = string | { name: Placeholder };

export interface Template {
  readonly source: string;
  render(values: ExplanationValues): string;
}

/** Compiles a template, or returns the first unknown placeholder's name. */
export function compileTemplate(source: string): Template | { unknown: string } {
  const parts: Part[] = [];
  const re = /\{([A-Za-z]+)\}/g;
  let last = 0;
  for (let m = re.exec(source); m !== null; m = re.exec(source)) {
    const name = m[1] as string;
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) return { unknown: name };
    if (m.index > last) parts.push(source.slice(last, m.index));
    parts.push({ name: name as Placeholder });
    last = m.index + m[0].length;
  }
  if (last < source.length) parts.push(source.slice(last));
  return {
    source,
    render(values) {
      let out = '';
      for (const p of parts) out += typeof p === 'string' ? p : values[p.name];
      return out;
    },
  };
}

/** "1 access", "2 accesses": a count with its noun in the right number. */
export function countOf(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Numbers as a person reads them: integers plainly, others with at most two decimals. */
export function formatNumber(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return 'n/a';
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100);
}
