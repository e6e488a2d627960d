/** Times are shown in UTC, as the API stores them, so two analysts reading the same screen see the same clock. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

export function formatDay(iso: string): string {
  return iso.slice(0, 10);
}

export function shortDay(day: string): string {
  const d = new Date(`${day.slice(0, 10)}T00:00:00Z`);
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
export function formatNumber(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : NUMBER.format(n);
}

export function humanize(s: string): string {
  return s.replace(/[_-]+/g, ' ');
}

/** A date input's value (YYYY-MM-DD) as the start of that UTC day. */
export function dayStartIso(day: string): string | null {
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? `${day}T00:00:00.000Z` : null;
}

/** The day after a date input's value, so a "to" day is included. */
export function dayEndIso(day: string): string | null {
  const start = dayStartIso(day);
  return start === null ? null : new Date(Date.parse(start) + 86_400_000).toISOString();
}

/** "24 Nov 12:40" (UTC): compact enough for a table column. */
export function shortTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${shortDay(iso)} ${d.toISOString().slice(11, 16)}`;
}
