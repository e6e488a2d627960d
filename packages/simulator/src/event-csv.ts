import { csvHeader, toCsvRow, type AccessEvent } from '@chartwatch/event';

/**
 * CSV text for a batch of events; `header` for the first batch of a file.
 * The columns and cell rules are @chartwatch/event's, so what the simulator
 * writes is exactly what the access-log parser reads.
 */
export function eventsToCsv(events: readonly AccessEvent[], header: boolean): string {
  let out = header ? `${csvHeader()}\n` : '';
  for (const event of events) out += `${toCsvRow(event)}\n`;
  return out;
}
