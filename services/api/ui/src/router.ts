import type { PageKey } from './session.ts';
import type { Me } from './types.ts';

/** Hash routes (#/alerts/abc?x=1): the server serves one page, and the back button works. */

export interface PageContext {
  main: HTMLElement;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Aborted when the user leaves the page: listeners registered with it go away. */
  signal: AbortSignal;
  me: Me;
}

export type Page = (ctx: PageContext) => Promise<void> | void;

export interface RouteDef {
  path: string;
  title: string;
  /** Which menu entry this page belongs to (and whose roles may open it); null for pages anyone signed in may see. */
  nav: PageKey | null;
  page: Page;
}

export interface Matched {
  route: RouteDef;
  params: Record<string, string>;
  query: URLSearchParams;
}

export function parseHash(hash: string): { path: string; query: URLSearchParams } {
  const raw = hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  return { path: q < 0 ? raw : raw.slice(0, q), query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

export function match(routes: readonly RouteDef[], hash: string): Matched | null {
  const { path, query } = parseHash(hash);
  const parts = path.split('/').filter((p) => p !== '');
  for (const route of routes) {
    const pattern = route.path.split('/').filter((p) => p !== '');
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    pattern.forEach((seg, i) => {
      const part = parts[i] ?? '';
      if (seg.startsWith(':')) {
        try {
          params[seg.slice(1)] = decodeURIComponent(part);
        } catch {
          ok = false;
        }
      } else if (seg !== part) {
        ok = false;
      }
    });
    if (ok) return { route, params, query };
  }
  return null;
}

export function hashFor(path: string, query?: URLSearchParams | Record<string, string | null | undefined>): string {
  const params = query instanceof URLSearchParams ? query : new URLSearchParams(Object.entries(query ?? {}).filter((e): e is [string, string] => e[1] !== null && e[1] !== undefined && e[1] !== ''));
  const qs = params.toString();
  return `#${path}${qs ? `?${qs}` : ''}`;
}

export function go(hash: string): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}
