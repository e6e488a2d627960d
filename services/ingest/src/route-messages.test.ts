import { describe, expect, it } from 'vitest';
import type { ConsumedMessage } from '@chartwatch/bus';
import { csvHeader, toCsvRow, type AccessEvent } from '@chartwatch/event';
import { HEADERS, routeMessages } from './route-messages.ts';

const event: AccessEvent = {
  eventId: 'evt-1',
  time: '2024-03-04T08:15:27.412Z',
  actor: { id: 'dr.kowalski', kind: 'user', role: 'physician', department: 'Cardiology' },
  patientIds: ['P000123'],
  action: 'read',
  resourceTypes: ['Observation'],
  sensitivity: [],
  purposeOfUse: ['TREAT'],
  breakTheGlass: false,
  outcome: 'success',
  records: 1,
  sourceSystem: 'ehr',
  networkAddress: '10.0.0.1',
  format: 'json',
};

let offset = 0;
function message(value: string | Buffer, headers: Record<string, string> = {}): ConsumedMessage {
  offset += 1;
  return { offset: String(offset), key: 'dr.kowalski', value: Buffer.isBuffer(value) ? value : Buffer.from(value), headers, timestamp: '0' };
}

const options = { topic: 'ehr.audit.raw', partition: 3, maxMessageBytes: 4096 };

describe('routeMessages', () => {
  it('sends a valid event to the store and the events topic, keyed by actor, as canonical JSON', () => {
    const routed = routeMessages([message(JSON.stringify(event))], options);
    expect(routed.events).toEqual([event]);
    expect(routed.deadLetters).toEqual([]);
    expect(routed.eventMessages).toEqual([{ key: 'dr.kowalski', value: JSON.stringify(event), headers: { [HEADERS.format]: 'json' } }]);
  });

  it('dead-letters a broken message with its original bytes, the reason and where it came from', () => {
    const bytes = Buffer.from('{"eventId": "x", ');
    const m = message(bytes, { 'cw-format': 'json', trace: 't1' });
    const routed = routeMessages([m], options);
    expect(routed.events).toEqual([]);
    expect(routed.deadLetters).toHaveLength(1);
    const dead = routed.deadLetters[0]!;
    expect(Buffer.compare(dead.value as Buffer, bytes)).toBe(0);
    expect(dead.key).toBe('dr.kowalski');
    expect(dead.headers).toMatchObject({
      trace: 't1',
      'cw-format': 'json',
      [HEADERS.dlqField]: 'message',
      [HEADERS.sourceTopic]: 'ehr.audit.raw',
      [HEADERS.sourcePartition]: '3',
      [HEADERS.sourceOffset]: m.offset,
      [HEADERS.dlqFailures]: '1',
      [HEADERS.dlqEventsStored]: '0',
    });
    expect(dead.headers?.[HEADERS.dlqReason]).toMatch(/JSON/);
  });

  it('names the field of an invalid event', () => {
    const routed = routeMessages([message(JSON.stringify({ ...event, patientIds: ['<script>'] }))], options);
    expect(routed.deadLetters[0]?.headers?.[HEADERS.dlqField]).toMatch(/^patientIds/);
  });

  it('refuses an unknown cw-format header and an oversized message without parsing', () => {
    const routed = routeMessages([message(JSON.stringify(event), { 'cw-format': 'xml' }), message('x'.repeat(5000))], options);
    expect(routed.deadLetters.map((d) => d.headers?.[HEADERS.dlqField])).toEqual([HEADERS.format, 'message']);
    expect(routed.deadLetters[1]?.headers?.[HEADERS.dlqReason]).toMatch(/5000 bytes/);
  });

  it('reads CSV when the header says so, and stores each event id once per sub-batch', () => {
    const csv = `${csvHeader()}\n${toCsvRow(event)}\n`;
    const routed = routeMessages([message(csv, { 'cw-format': 'csv' }), message(JSON.stringify(event))], options);
    expect(routed.events).toHaveLength(1);
    expect(routed.events[0]?.format).toBe('csv');
    expect(routed.eventMessages).toHaveLength(1);
  });

  it('stores the valid part of a mixed message and dead-letters the whole message', () => {
    const bad = { ...event, eventId: 'evt-2', actor: { ...event.actor, id: "x' OR 1=1 --" } };
    const routed = routeMessages([message(`${JSON.stringify(event)}\n${JSON.stringify(bad)}\n`)], options);
    expect(routed.events.map((e) => e.eventId)).toEqual(['evt-1']);
    expect(routed.deadLetters).toHaveLength(1);
    expect(routed.deadLetters[0]?.headers).toMatchObject({ [HEADERS.dlqFailures]: '1', [HEADERS.dlqEventsStored]: '1', [HEADERS.dlqField]: 'actor.id' });
    expect(routed.invalidEvents).toBe(1);
  });

  it('dead-letters a message that is not UTF-8', () => {
    const routed = routeMessages([message(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))], options);
    expect(routed.deadLetters[0]?.headers?.[HEADERS.dlqReason]).toMatch(/UTF-8/);
  });

  it('dead-letters a tombstone as a tombstone (null value), with the reason', () => {
    const tomb: ConsumedMessage = { ...message(Buffer.alloc(0)), tombstone: true };
    const routed = routeMessages([tomb], options);
    expect(routed.events).toEqual([]);
    expect(routed.deadLetters).toHaveLength(1);
    expect(routed.deadLetters[0]?.value).toBeNull();
    expect(routed.deadLetters[0]?.headers?.[HEADERS.dlqReason]).toContain('tombstone');
  });

  it('an empty value that is not a tombstone stays an empty value', () => {
    const routed = routeMessages([message(Buffer.alloc(0))], options);
    expect(Buffer.isBuffer(routed.deadLetters[0]?.value)).toBe(true);
  });

  it('dead-letters an event dated after the latest plausible time (field time), and keeps the message\'s valid neighbours', () => {
    const latestEventMs = Date.parse('2024-03-04T09:00:00.000Z');
    const ahead = { ...event, eventId: 'evt-ahead', time: '2024-03-06T09:00:00.000Z' };
    const routed = routeMessages([message(JSON.stringify(event)), message(JSON.stringify(ahead))], { ...options, latestEventMs });
    expect(routed.events.map((e) => e.eventId)).toEqual(['evt-1']);
    expect(routed.deadLetters).toHaveLength(1);
    expect(routed.deadLetters[0]?.headers?.[HEADERS.dlqField]).toBe('time');
    expect(routed.deadLetters[0]?.headers?.[HEADERS.dlqReason]).toContain('INGEST_MAX_FUTURE_MS');
  });
});

