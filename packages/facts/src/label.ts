/**
 * Roles and departments are free text in exports ("Behavioral Health",
 * "behavioral-health", " BEHAVIORAL_HEALTH "); rules and encounters compare
 * them ignoring case, and treat blanks, dashes and underscores alike.
 */
export function normalizeLabel(text: string): string {
  return text.toLowerCase().replace(/[\s_-]+/g, ' ').trim();
}

/**
 * Events repeat a handful of role and department spellings millions of
 * times: remembering each spelling's normal form keeps normalisation off the
 * hot path. Bounded, because a broken source could send unbounded spellings.
 */
export class LabelCache {
  private readonly map = new Map<string, string>();
  constructor(private readonly capacity = 10_000) {}

  get(text: string | null): string | null {
    if (text === null) return null;
    let v = this.map.get(text);
    if (v === undefined) {
      v = normalizeLabel(text);
      if (this.map.size >= this.capacity) this.map.clear();
      this.map.set(text, v);
    }
    return v === '' ? null : v;
  }
}
