/** Canonical ISO text for a time in milliseconds. (Parsing is @chartwatch/event's parseIsoMillis, the one ISO-time parser.) */
export function formatIso(ms: number): string {
  return new Date(ms).toISOString();
}
