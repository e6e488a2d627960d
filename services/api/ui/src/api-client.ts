/**
 * The dashboard's one door to the API: same origin, credentials from
 * sessionStorage (gone when the tab closes), errors as ApiRequestError with
 * the API's stable code.
 */

export interface Credential {
  kind: 'apiKey' | 'bearer';
  value: string;
}

const STORAGE_KEY = 'chartwatch.credential';

export function loadCredential(): Credential | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (raw === null) return null;
    const c = JSON.parse(raw) as Partial<Credential>;
    return (c.kind === 'apiKey' || c.kind === 'bearer') && typeof c.value === 'string' && c.value !== '' ? { kind: c.kind, value: c.value } : null;
  } catch {
    return null;
  }
}

export function saveCredential(c: Credential): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(c));
}

export function clearCredential(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }

  /** The route does not exist on this server (as opposed to a missing record). */
  get isMissingRoute(): boolean {
    return this.status === 404 && this.message === 'no such route';
  }
}

/** Called when the API says the credential is no good; main.ts sends the user to the login page. */
let onUnauthenticated: () => void = () => undefined;
export function setUnauthenticatedHandler(fn: () => void): void {
  onUnauthenticated = fn;
}

export type Query = Record<string, string | number | boolean | readonly string[] | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === null || v === undefined || v === '' || v === false) continue;
    if (Array.isArray(v)) {
      if (v.length > 0) params.set(k, v.join(','));
    } else {
      params.set(k, String(v));
    }
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

function headers(credential: Credential | null, extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = { accept: 'application/json', ...extra };
  if (credential?.kind === 'apiKey') out['x-api-key'] = credential.value;
  if (credential?.kind === 'bearer') out['authorization'] = `Bearer ${credential.value}`;
  return out;
}

async function failure(res: Response, storedCredential: boolean): Promise<ApiRequestError> {
  let code = `HTTP_${res.status}`;
  let message = res.statusText || `request failed with status ${res.status}`;
  let field: string | undefined;
  try {
    const body = (await res.json()) as { error?: string; message?: string; field?: string };
    if (body.error) code = body.error;
    if (body.message) message = body.message;
    field = body.field;
  } catch {
    // Not JSON (a proxy's error page): keep the status text.
  }
  // A credential being tried on the login form is not a session that ended.
  if (res.status === 401 && storedCredential) onUnauthenticated();
  return new ApiRequestError(res.status, code, message, field);
}

export async function request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, options: { query?: Query; body?: unknown; credential?: Credential | null } = {}): Promise<T> {
  const credential = options.credential === undefined ? loadCredential() : options.credential;
  const init: RequestInit = { method, headers: headers(credential, options.body === undefined ? {} : { 'content-type': 'application/json' }), cache: 'no-store' };
  if (options.body !== undefined) init.body = JSON.stringify(options.body);
  const res = await fetch(withQuery(path, options.query), init);
  if (!res.ok) throw await failure(res, options.credential === undefined);
  return (await res.json()) as T;
}

export const apiGet = <T>(path: string, query?: Query): Promise<T> => request<T>('GET', path, query ? { query } : {});
export const apiPost = <T>(path: string, body: unknown): Promise<T> => request<T>('POST', path, { body });

/**
 * Downloads an export. The credential travels in a header, so a plain link
 * cannot carry it: fetch the file, then hand the browser a blob URL to save.
 */
export async function apiDownload(path: string, query: Query, fallbackName: string): Promise<{ name: string; bytes: number }> {
  const res = await fetch(withQuery(path, query), { headers: headers(loadCredential(), { accept: 'text/csv, application/json' }), cache: 'no-store' });
  if (!res.ok) throw await failure(res, true);
  const disposition = res.headers.get('content-disposition') ?? '';
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { name, bytes: blob.size };
}

export function errorText(err: unknown): string {
  if (err instanceof ApiRequestError) return `${err.message} (${err.code})`;
  return err instanceof Error ? err.message : String(err);
}
