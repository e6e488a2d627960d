import { h } from './dom.ts';
import { formatTime, shortTime } from './format.ts';

/**
 * An instant as the pages show it: on the hospital's clock (format.ts), with
 * the exact UTC instant in `datetime` for machines and in the title for a
 * reader who needs to match it against a log or an export.
 */
export function localTime(iso: string | null | undefined, timeZone: string, options: { short?: boolean; class?: string } = {}): HTMLElement | string {
  if (!iso) return '—';
  const text = options.short === true ? shortTime(iso, timeZone) : formatTime(iso, timeZone);
  const exact = Number.isNaN(Date.parse(iso)) ? iso : new Date(iso).toISOString();
  return h('time', { datetime: exact, title: exact, class: options.class ?? null }, text);
}
