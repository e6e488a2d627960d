import { stringify } from 'csv-stringify/sync';

/**
 * CSV exports. Text cells starting with = + - @ or a control character get
 * a leading apostrophe so a spreadsheet shows them instead of running them
 * as formulas (OWASP's CSV-injection advice); JSON exports stay verbatim.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

type Cell = string | number | boolean | null | undefined | readonly string[];

function cell(value: Cell): string | number | boolean {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return cell(value.join(';'));
  if (typeof value === 'string') return FORMULA_START.test(value) ? `'${value}` : value;
  return value as number | boolean;
}

export function toCsv(columns: readonly string[], rows: readonly Cell[][]): string {
  return stringify(rows.map((r) => r.map(cell)), { header: true, columns: [...columns], cast: { boolean: (b) => (b ? 'true' : 'false') } });
}
