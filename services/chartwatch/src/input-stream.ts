import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseInput } from '@chartwatch/detect';
import { ConfigError } from '@chartwatch/errors';
import { readFlagFile } from '@chartwatch/settings';
import type { InputFormat, ParseResult } from '@chartwatch/event';
import { parseCanonicalLine, parseFhirLine } from '@chartwatch/event';

export interface ReadOptions {
  /** NDJSON: lines to pass over unparsed (a resumed load's done part). */
  skipLines?: number;
  /** CSV or one document: records to pass over. */
  skipRecords?: number;
  /** Called as the file is read, with the bytes read so far (for a progress bar). */
  onBytes?: (bytes: number) => void;
}

/** Whether readInputResults streams the file line by line (NDJSON) or parses it whole. */
export async function streamsByLine(flag: string, path: string, format: InputFormat): Promise<boolean> {
  return format !== 'csv' && !(await isOneDocument(flag, path, format));
}

/** One parse result and the 1-based line it came from (null for a whole-document input). */
export interface LineResult {
  result: ParseResult;
  line: number | null;
}

/**
 * The parse results of an input file, as it streams in. NDJSON (FHIR
 * AuditEvents or Bundles one per line, canonical JSON lines) is parsed line
 * by line, so a file of any length never has to fit in one string (V8 caps a
 * string at 512 MiB: a month of a 300-staff hospital's FHIR log did not fit).
 * A CSV export or a single JSON document (an array, a pretty-printed Bundle)
 * is one parse of the whole text, so it is bounded by that cap.
 */
export async function* readInputResults(flag: string, path: string, format: InputFormat, options: ReadOptions = {}): AsyncGenerator<LineResult, void, undefined> {
  if (format === 'csv' || (await isOneDocument(flag, path, format))) {
    let n = 0;
    for (const result of parseInput(await readFlagFile(flag, path), format)) {
      if (n++ < (options.skipRecords ?? 0)) continue;
      yield { result, line: result.ok ? null : (result.line ?? null) };
    }
    return;
  }
  const input = createReadStream(path, 'utf8');
  if (options.onBytes) input.on('data', () => options.onBytes?.(input.bytesRead));
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  const skip = options.skipLines ?? 0;
  try {
    for await (const raw of lines) {
      n++;
      // Lines a resumed load already stored are not parsed again.
      if (n <= skip) continue;
      const line = raw.trim();
      if (line === '') continue;
      if (format === 'fhir') for (const result of parseFhirLine(line, n)) yield { result, line: n };
      else yield { result: parseCanonicalLine(line, n), line: n };
    }
  } catch (err) {
    throw unreadable(flag, path, err);
  }
}

/** The words readFlagFile uses, so a streamed input fails as a read one does. */
function unreadable(flag: string, path: string, err: unknown): ConfigError {
  const code = (err as NodeJS.ErrnoException).code;
  return new ConfigError(flag, code === 'ENOENT' ? `${JSON.stringify(path)} does not exist` : `${JSON.stringify(path)} cannot be read: ${(err as Error).message}`);
}

async function isOneDocument(flag: string, path: string, format: InputFormat): Promise<boolean> {
  const head = await readHead(flag, path);
  return head.startsWith('[') || (format === 'fhir' && head.startsWith('{') && !/^\{[^\n]*\}\s*(\n|$)/.test(head));
}

async function readHead(flag: string, path: string): Promise<string> {
  const stream = createReadStream(path, { encoding: 'utf8', start: 0, end: 65_535 });
  let text = '';
  try {
    for await (const chunk of stream) text += chunk as string;
  } catch (err) {
    throw unreadable(flag, path, err);
  }
  return text.trimStart();
}
