import { describe, expect, it } from 'vitest';
import type { AccessEvent } from './access-event.ts';
import { parseCanonicalEvent } from './canonical-json.ts';
import { csvHeader, parseCsvAccessLog, toCsv, toCsvRow } from './csv-access-log.ts';
import type { ParseResult } from './parse-result.ts';

function events(results: ParseResult[]): AccessEvent[] {
  return results.map((r) => {
    if (!r.ok) throw new Error(`expected events, got ${JSON.stringify(r)}`);
    return r.event;
  });
}

const HEADER = 'event_id,time,actor_id,actor_kind,actor_role,actor_department,patient_ids,action,resource_types,sensitivity,purpose_of_use,break_the_glass,outcome,records,source_system,network_address';

describe('parseCsvAccessLog', () => {
  it('maps every column', () => {
    const csv = `${HEADER}\ne-1,2024-03-04T09:15:27.412+01:00,dr.k,user,physician,Cardiology,P1|P2;P3,read,Observation|Patient,psy|ETH,treat;BTG,false,success,3,Epic,10.0.0.1\n`;
    expect(events(parseCsvAccessLog(csv))).toEqual([
      {
        eventId: 'e-1',
        time: '2024-03-04T08:15:27.412Z',
        actor: { id: 'dr.k', kind: 'user', role: 'physician', department: 'Cardiology' },
        patientIds: ['P1', 'P2', 'P3'],
        action: 'read',
        resourceTypes: ['Observation', 'Patient'],
        sensitivity: ['PSY', 'ETH'],
        purposeOfUse: ['TREAT', 'BTG'],
        // The BTG purpose declares break-the-glass even when the flag column says false.
        breakTheGlass: true,
        outcome: 'success',
        records: 3,
        sourceSystem: 'Epic',
        networkAddress: '10.0.0.1',
        format: 'csv',
      },
    ]);
  });

  it('finds columns by name in any order and case, ignores unknown ones, defaults the optional ones', () => {
    const csv = 'Action,Patient_IDs,comment,TIME,actor_id\nQUERY,P1|P1|P2,ignored,2024-03-04T10:00:00Z,acme\n';
    const [e] = events(parseCsvAccessLog(csv));
    expect(e).toMatchObject({
      action: 'query',
      patientIds: ['P1', 'P2'],
      actor: { id: 'acme', kind: 'user', role: null, department: null },
      outcome: 'success',
      records: 2,
      breakTheGlass: false,
      sourceSystem: null,
      networkAddress: null,
      resourceTypes: [],
    });
    expect(e?.eventId).toMatch(/^h-[0-9a-f]{64}$/);
  });

  it.each([
    ['true', true],
    ['1', true],
    ['YES', true],
    ['false', false],
    ['0', false],
    ['no', false],
    ['', false],
  ])('break_the_glass %j → %s', (cell, expected) => {
    const [e] = events(parseCsvAccessLog(`time,actor_id,patient_ids,action,break_the_glass\n2024-03-04T10:00:00Z,u1,P1,read,${cell}\n`));
    expect(e?.breakTheGlass).toBe(expected);
  });

  it('a missing event_id becomes a content hash that is stable across files and equal to the canonical JSON one', () => {
    const row = '2024-03-04T10:00:00Z,u1,application,P1|P2,export,3';
    const a = events(parseCsvAccessLog(`time,actor_id,actor_kind,patient_ids,action,records\n${row}\n`))[0] as AccessEvent;
    const b = events(parseCsvAccessLog(`time,actor_id,actor_kind,patient_ids,action,records,note\n2024-03-04T11:00:00+01:00,u1,application,P1;P2,EXPORT,3,x\n`))[0] as AccessEvent;
    expect(b.eventId).toBe(a.eventId);
    const asJson = parseCanonicalEvent({ ...a, eventId: undefined, format: 'json' });
    expect(asJson.ok && asJson.event.eventId).toBe(a.eventId);
  });

  it('errors name the line and the column, and good rows still pass', () => {
    const csv = [
      'time,actor_id,patient_ids,action,actor_kind,records,outcome',
      '2024-03-04T10:00:00Z,u1,P1,read,,,',
      "2024-03-04T10:00:00Z,'; DROP TABLE staff; --,P1,read,,,",
      '2024-03-04T10:00:00,u1,P1,read,,,',
      '2024-03-04T10:00:00Z,u1,P1|<script>,read,,,',
      '2024-03-04T10:00:00Z,u1,P1,look,,,',
      '2024-03-04T10:00:00Z,u1,P1,read,robot,,',
      '2024-03-04T10:00:00Z,u1,P1,read,,-2,',
      '2024-03-04T10:00:00Z,u1,P1,read,,,failed',
      '2024-03-04T10:00:00Z,u1,,read,,,',
    ].join('\n');
    const results = parseCsvAccessLog(csv);
    expect(results[0]?.ok).toBe(true);
    const failures = results.slice(1).map((r) => (r.ok ? { field: 'ok', line: 0, reason: '' } : { field: r.field, line: r.line, reason: r.reason }));
    expect(failures.map((f) => [f.line, f.field])).toEqual([
      [3, 'actor_id'],
      [4, 'time'],
      [5, 'patient_ids'],
      [6, 'action'],
      [7, 'actor_kind'],
      [8, 'records'],
      [9, 'outcome'],
      [10, 'patient_ids'],
    ]);
    for (const f of failures) expect(f.reason).toMatch(new RegExp(`^line ${f.line}, column ${f.field}: `));
  });

  it('free text keeps injection strings verbatim', () => {
    const attack = '"\'; DROP TABLE x; --<script>alert(1)</script>../../"';
    const [e] = events(parseCsvAccessLog(`time,actor_id,patient_ids,action,actor_role,actor_department,source_system\n2024-03-04T10:00:00Z,u1,P1,read,${attack},${attack},${attack}\n`));
    const text = "'; DROP TABLE x; --<script>alert(1)</script>../../";
    expect(e?.actor).toMatchObject({ role: text, department: text });
    expect(e?.sourceSystem).toBe(text);
  });

  it('a header without the required columns is one failure naming them', () => {
    expect(parseCsvAccessLog('time,user,patient\n2024-03-04T10:00:00Z,u1,P1\n')).toEqual([
      { ok: false, field: 'header', reason: expect.stringContaining('missing columns actor_id, patient_ids, action') as string, line: 1 },
    ]);
  });

  it('broken CSV (an unclosed quote) is one failure with its line', () => {
    expect(parseCsvAccessLog('time,actor_id,patient_ids,action\n2024-03-04T10:00:00Z,"u1,P1,read\n')).toMatchObject([{ ok: false, field: 'message', line: 2 }]);
  });

  it('empty input and header-only input are failures, not silence', () => {
    expect(parseCsvAccessLog('')).toMatchObject([{ ok: false, field: 'message' }]);
    expect(parseCsvAccessLog('time,actor_id,patient_ids,action\n')).toMatchObject([{ ok: false, field: 'message' }]);
  });
});

describe('CSV writer', () => {
  const sample: AccessEvent = {
    eventId: 'e-9',
    time: '2024-03-04T10:00:00.000Z',
    actor: { id: 'u1', kind: 'application', role: 'Doctor, "senior"', department: null },
    patientIds: ['P1', 'P2'],
    action: 'export',
    resourceTypes: ['Patient', 'Encounter'],
    sensitivity: ['PSY'],
    purposeOfUse: ['HPAYMT'],
    breakTheGlass: false,
    outcome: 'serious-failure',
    records: 0,
    sourceSystem: '=HYPERLINK("http://x")',
    networkAddress: 'line1\nline2',
    format: 'json',
  };

  it('writes the header and quotes what needs quoting', () => {
    expect(csvHeader()).toBe(HEADER);
    expect(toCsvRow(sample)).toBe('e-9,2024-03-04T10:00:00.000Z,u1,application,"Doctor, ""senior""",,P1|P2,export,Patient|Encounter,PSY,HPAYMT,false,serious-failure,0,"=HYPERLINK(""http://x"")","line1\nline2"');
  });

  it('round-trips through the parser (format becomes csv)', () => {
    const other: AccessEvent = { ...sample, eventId: 'e-10', actor: { id: 'dr.k', kind: 'user', role: null, department: 'ICU' }, breakTheGlass: true, sourceSystem: null, networkAddress: null };
    expect(events(parseCsvAccessLog(toCsv([sample, other])))).toEqual([
      { ...sample, format: 'csv' },
      { ...other, format: 'csv' },
    ]);
  });

  it('spreadsheetSafe defuses formulas', () => {
    expect(toCsvRow(sample, { spreadsheetSafe: true })).toContain(`"'=HYPERLINK(""http://x"")"`);
  });
});
