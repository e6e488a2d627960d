import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStartFlags } from './flags.ts';

describe('parseStartFlags', () => {
  it('leaves what was not given as null, so the data directory or the defaults decide', () => {
    expect(parseStartFlags([])).toEqual({
      input: null,
      simulator: true,
      port: null,
      speed: 300,
      seed: null,
      staff: null,
      days: null,
      backfillDays: null,
      dataDir: null,
      model: null,
      newAdminKey: false,
      help: false,
    });
  });

  it('reads every flag', () => {
    const f = parseStartFlags(['--port', '0', '--speed', '60.5', '--seed', '3', '--staff', '120', '--days', '5', '--backfill-days', '1.5', '--data-dir', 'x', '--new-admin-key', '--model', 'm.json']);
    expect(f).toMatchObject({ model: resolve('m.json'), port: 0, speed: 60.5, seed: 3, staff: 120, days: 5, backfillDays: 1.5, dataDir: resolve('x'), newAdminKey: true });
  });

  it('takes a file with its format and reference directory', () => {
    expect(parseStartFlags(['--input', 'a.ndjson', '--format', 'fhir', '--reference', 'ref']).input).toEqual({ path: resolve('a.ndjson'), format: 'fhir', reference: resolve('ref') });
  });

  it.each([
    [['--port', '70000'], /--port: expected a whole number from 0 to 65535, got "70000"/],
    [['--speed', '0'], /--speed: expected a number from 1 to 86400/],
    [['--staff', '10'], /--staff: expected a whole number from 40 to 20000/],
    [['--days', '2.5'], /--days: expected a whole number/],
    [['--backfill-days', '9', '--days', '7'], /--backfill-days: expected a number from 0 to 7/],
    [['--input', 'a.csv'], /--format: required with --input/],
    [['--input', 'a.csv', '--format', 'xml'], /--format: expected one of fhir, csv, json, got "xml"/],
    [['--format', 'csv'], /--format: only means something with --input FILE/],
    [['--reference', 'r'], /--reference: only means something with --input FILE/],
    [['--input', 'a.csv', '--format', 'csv', '--no-simulator'], /--input: cannot be combined with --no-simulator/],
    [['--data-dir', ' '], /--data-dir: expected a directory path/],
    [['--colour'], /start: Unknown option '--colour'/],
  ])('refuses %j, naming the flag', (argv, message) => {
    expect(() => parseStartFlags(argv)).toThrow(message);
  });
});
