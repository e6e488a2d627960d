import { parse } from 'csv-parse/sync';
import { ACTIONS, OUTCOMES, type AccessEvent, type Action, type Outcome } from './access-event.ts';
import { contentEventId } from './event-id.ts';
import { normaliseTime } from './event-time.ts';
import { failure, quote, type ParseFailure, type ParseResult } from './parse-result.ts';
import { checkAccessEvent } from './validate-event.ts';

/**
 * The CSV access log: one access per row under a header row. Columns, in the
 * order the writer emits them (the parser finds them by name, in any order,
 * case-insensitive; unknown columns are ignored; an empty cell means unknown):
 */
export const CSV_COLUMNS = [
  'event_id',
  'time',
  'actor_id',
  'actor_kind',
  'actor_role',
  'actor_department',
  'patient_ids',
  'action',
  'resource_types',
  'sensitivity',
  'purpose_of_use',
  'break_the_glass',
  'outcome',
  'records',
  'source_system',
  'network_address',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

const REQUIRED_COLUMNS: readonly CsvColumn[] = ['time', 'actor_id', 'patient_ids', 'action'];

/** Event field (as validateAccessEvent names it) → the CSV column holding it, so an error names what the author of the file wrote. */
const COLUMN_OF_FIELD: Readonly<Record<string, CsvColumn>> = {
  eventId: 'event_id',
  time: 'time',
  'actor.id': 'actor_id',
  'actor.kind': 'actor_kind',
  'actor.role': 'actor_role',
  'actor.department': 'actor_department',
  patientIds: 'patient_ids',
  action: 'action',
  resourceTypes: 'resource_types',
  sensitivity: 'sensitivity',
  purposeOfUse: 'purpose_of_use',
  breakTheGlass: 'break_the_glass',
  outcome: 'outcome',
  records: 'records',
  sourceSystem: 'source_system',
  networkAddress: 'network_address',
};

const ACTION_SET: ReadonlySet<string> = new Set(ACTIONS);
const OUTCOME_SET: ReadonlySet<string> = new Set(OUTCOMES);
/** FHIR's numeric outcome codes are accepted too, since many CSV exports come from FHIR servers. */
const FHIR_OUTCOMES: ReadonlyMap<string, Outcome> = new Map<string, Outcome>([
  ['0', 'success'],
  ['4', 'minor-failure'],
  ['8', 'serious-failure'],
  ['12', 'major-failure'],
]);
const TRUE_WORDS: ReadonlySet<string> = new Set(['true', '1', 'yes', 'y']);
const FALSE_WORDS: ReadonlySet<string> = new Set(['false', '0', 'no', 'n']);
const LIST_SEPARATOR = /[|;]/;
const PLACEHOLDER_ID = 'pending';

interface CsvRecord {
  record: string[];
  info: { lines: number };
}

/**
 * A whole CSV access log (header row + rows) → one result per row. Never
 * throws on bad content: a broken row is a failure naming its line and
 * column; a structural CSV error (unclosed quote) or a header without the
 * required columns is a single failure.
 */
export function parseCsvAccessLog(text: string): ParseResult[] {
  let rows: CsvRecord[];
  try {
    rows = parse(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true }) as unknown as CsvRecord[];
  } catch (err) {
    const lines = (err as { lines?: unknown }).lines;
    return [failure('message', `not valid CSV: ${(err as Error).message}`, typeof lines === 'number' ? lines : undefined)];
  }
  const header = rows[0];
  if (header === undefined) return [failure('message', 'the CSV is empty: expected a header row and at least one row')];
  const index = new Map<string, number>();
  header.record.forEach((name, i) => {
    const key = name.trim().toLowerCase();
    if (!index.has(key)) index.set(key, i);
  });
  const missing = REQUIRED_COLUMNS.filter((c) => !index.has(c));
  if (missing.length > 0) {
    return [failure('header', `line ${header.info.lines}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (the header row names the columns; see CSV_COLUMNS)`, header.info.lines)];
  }
  if (rows.length === 1) return [failure('message', 'the CSV has a header row but no rows')];
  const columns = CSV_COLUMNS.map((c) => index.get(c) ?? -1);
  const results: ParseResult[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r] as CsvRecord;
    results.push(parseRow(row.record, columns, row.info.lines));
  }
  return results;
}

function parseRow(record: string[], columns: number[], line: number): ParseResult {
  const cell = (column: CsvColumn): string | null => {
    const i = columns[CSV_COLUMNS.indexOf(column)] as number;
    if (i < 0) return null;
    const value = record[i];
    if (value === undefined) return null;
    const trimmed = value.trim();
    return trimmed === '' ? null : trimmed;
  };
  const fail = (column: CsvColumn, problem: string): ParseFailure => failure(column, `line ${line}, column ${column}: ${problem}`, line);

  const rawTime = cell('time');
  if (rawTime === null) return fail('time', 'is empty');
  const time = normaliseTime(rawTime);
  if (time === null) return fail('time', `${quote(rawTime)} is not an ISO-8601 time with Z or an offset (e.g. 2024-03-01T14:05:00Z)`);

  const actorId = cell('actor_id');
  if (actorId === null) return fail('actor_id', 'is empty');
  const kindCell = cell('actor_kind')?.toLowerCase() ?? 'user';
  if (kindCell !== 'user' && kindCell !== 'application') return fail('actor_kind', `${quote(kindCell)} must be user or application`);

  const patientCell = cell('patient_ids');
  if (patientCell === null) return fail('patient_ids', 'is empty: at least one patient is required');
  const patientIds = list(patientCell, false);

  const actionCell = cell('action');
  if (actionCell === null) return fail('action', 'is empty');
  const action = actionCell.toLowerCase();
  if (!ACTION_SET.has(action)) return fail('action', `${quote(actionCell)} must be one of ${ACTIONS.join(', ')}`);

  const purposeOfUse = list(cell('purpose_of_use'), true);
  const btgCell = cell('break_the_glass');
  let breakTheGlass = purposeOfUse.includes('BTG');
  if (btgCell !== null) {
    const word = btgCell.toLowerCase();
    if (TRUE_WORDS.has(word)) breakTheGlass = true;
    else if (!FALSE_WORDS.has(word)) return fail('break_the_glass', `${quote(btgCell)} must be true/false, 1/0 or yes/no`);
  }

  const outcomeCell = cell('outcome');
  let outcome: Outcome = 'success';
  if (outcomeCell !== null) {
    const o = outcomeCell.toLowerCase();
    const mapped = OUTCOME_SET.has(o) ? (o as Outcome) : FHIR_OUTCOMES.get(o);
    if (mapped === undefined) return fail('outcome', `${quote(outcomeCell)} must be one of ${OUTCOMES.join(', ')} (or FHIR 0, 4, 8, 12)`);
    outcome = mapped;
  }

  const recordsCell = cell('records');
  let records = patientIds.length;
  if (recordsCell !== null) {
    if (!/^\d{1,9}$/.test(recordsCell)) return fail('records', `${quote(recordsCell)} must be a whole number ≥ 0`);
    records = Number(recordsCell);
  }

  const eventIdCell = cell('event_id');
  const candidate: AccessEvent = {
    eventId: eventIdCell ?? PLACEHOLDER_ID,
    time,
    actor: { id: actorId, kind: kindCell, role: cell('actor_role'), department: cell('actor_department') },
    patientIds,
    action: action as Action,
    resourceTypes: list(cell('resource_types'), false),
    sensitivity: list(cell('sensitivity'), true),
    purposeOfUse,
    breakTheGlass,
    outcome,
    records,
    sourceSystem: cell('source_system'),
    networkAddress: cell('network_address'),
    format: 'csv',
  };
  // The candidate was built here with exactly the schema's members: check it, no copy needed.
  const problem = checkAccessEvent(candidate);
  if (problem !== null) {
    const base = problem.field.replace(/\[\d+\]$/, '');
    const column = COLUMN_OF_FIELD[base];
    return column === undefined ? { ...problem, line } : fail(column, problem.field === base ? problem.reason : `${problem.field}: ${problem.reason}`);
  }
  if (eventIdCell === null) candidate.eventId = contentEventId(candidate);
  return { ok: true, event: candidate };
}

/** A `|`- or `;`-separated cell → its items, trimmed, empty ones dropped, de-duplicated in order. */
function list(cell: string | null, upper: boolean): string[] {
  if (cell === null) return [];
  const out: string[] = [];
  for (const part of cell.split(LIST_SEPARATOR)) {
    const item = upper ? part.trim().toUpperCase() : part.trim();
    if (item !== '' && !out.includes(item)) out.push(item);
  }
  return out;
}

// ---------------------------------------------------------------- writer

/** The header line the writer emits (no line ending). */
export function csvHeader(): string {
  return CSV_COLUMNS.join(',');
}

export interface CsvWriteOptions {
  /**
   * Prefix cells that a spreadsheet would run as a formula (starting with
   * = + - @ tab or CR) with a single quote, as OWASP advises for CSV that a
   * person opens in Excel. Off by default because it changes the data: a
   * file written for chartwatch to read back must not set it.
   */
  spreadsheetSafe?: boolean;
}

/** One canonical event as a CSV line in CSV_COLUMNS order (no line ending); lists are `|`-joined. */
export function toCsvRow(event: AccessEvent, options: CsvWriteOptions = {}): string {
  const safe = options.spreadsheetSafe === true;
  const cells = [
    event.eventId,
    event.time,
    event.actor.id,
    event.actor.kind,
    event.actor.role ?? '',
    event.actor.department ?? '',
    event.patientIds.join('|'),
    event.action,
    event.resourceTypes.join('|'),
    event.sensitivity.join('|'),
    event.purposeOfUse.join('|'),
    event.breakTheGlass ? 'true' : 'false',
    event.outcome,
    String(event.records),
    event.sourceSystem ?? '',
    event.networkAddress ?? '',
  ];
  return cells.map((c) => csvCell(c, safe)).join(',');
}

/** A whole CSV document: header, one row per event, each line ending in `\n`. */
export function toCsv(events: Iterable<AccessEvent>, options: CsvWriteOptions = {}): string {
  let out = `${csvHeader()}\n`;
  for (const event of events) out += `${toCsvRow(event, options)}\n`;
  return out;
}

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;
const FORMULA_START = /^[=+\-@\t\r]/;

function csvCell(value: string, spreadsheetSafe: boolean): string {
  const v = spreadsheetSafe && FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}
