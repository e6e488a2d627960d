import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Serves the analysts' dashboard (services/api/ui) from the API's own
 * origin, so the browser calls the API with no CORS and a strict CSP.
 *
 * Nothing built is committed: the TypeScript and CSS are bundled by esbuild
 * in memory when the plugin registers (~100 ms), once per process and source
 * directory. If the build fails the API still starts and the dashboard
 * answers 503 with the reason, so a UI mistake never takes triage down.
 *
 * Every route carries the route id `ui.static`, which permissions.ts must
 * list as PUBLIC: the page and its script hold no data, and a browser
 * navigating to a page cannot send an API key header. The data is fetched by
 * the script with the user's credential, and the API decides each request.
 */

export const UI_ROUTE_ID = 'ui.static';
/** Where buildApi serves the dashboard's page. */
export const DASHBOARD_PATH = '/ui/';
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../ui/', import.meta.url));

export interface UiPluginOptions {
  /** Where the dashboard is served (default `/ui`). */
  prefix?: string;
  /** The dashboard's source directory (index.html, src/main.ts). */
  uiDir?: string;
}

export interface DashboardAsset {
  body: Buffer;
  contentType: string;
}

export interface DashboardBundle {
  /** index.html with the hashed asset names filled in. */
  html: string;
  /** `app.<hash>.js` / `app.<hash>.css` → content. */
  assets: Map<string, DashboardAsset>;
  buildMs: number;
}

const builds = new Map<string, Promise<DashboardBundle>>();

async function bundle(uiDir: string, prefix: string): Promise<DashboardBundle> {
  const started = performance.now();
  // Imported here so a production image without esbuild still serves the API.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(uiDir, 'src', 'main.ts')],
    bundle: true,
    format: 'esm',
    target: ['chrome120', 'firefox120', 'safari17'],
    minify: true,
    write: false,
    outdir: '/ui-out',
    entryNames: 'app',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const assets = new Map<string, DashboardAsset>();
  const names: Record<string, string> = {};
  for (const file of result.outputFiles) {
    const ext = file.path.endsWith('.css') ? 'css' : file.path.endsWith('.js') ? 'js' : null;
    if (ext === null) continue;
    const hash = createHash('sha256').update(file.contents).digest('hex').slice(0, 12);
    const name = `app.${hash}.${ext}`;
    names[ext] = name;
    assets.set(name, { body: Buffer.from(file.contents), contentType: ext === 'js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8' });
  }
  const template = await readFile(join(uiDir, 'index.html'), 'utf8');
  const html = template.replace('{{js}}', `${prefix}/assets/${names['js'] ?? 'missing.js'}`).replace('{{css}}', `${prefix}/assets/${names['css'] ?? 'missing.css'}`);
  return { html, assets, buildMs: Math.round(performance.now() - started) };
}

/** Builds the dashboard (or returns the build already made in this process for this directory and prefix). */
export function buildDashboard(uiDir: string = DEFAULT_UI_DIR, prefix = '/ui'): Promise<DashboardBundle> {
  const key = `${uiDir}\0${prefix}`;
  let p = builds.get(key);
  if (p === undefined) {
    p = bundle(uiDir, prefix);
    builds.set(key, p);
    // A failed build is retried by the next app rather than cached forever.
    p.catch(() => builds.delete(key));
  }
  return p;
}

/** The header's brand mark (◉) as an icon. */
const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#14213d"/><circle cx="16" cy="16" r="10" fill="none" stroke="#7dd3fc" stroke-width="3"/><circle cx="16" cy="16" r="4.5" fill="#7dd3fc"/></svg>';

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY');
}

/**
 * The Fastify plugin: `await app.register(uiPlugin)` inside buildApi, after
 * the API's routes. GET /ui/ is the page; /ui/assets/* its script and styles.
 */
export async function uiPlugin(app: FastifyInstance, options: UiPluginOptions = {}): Promise<void> {
  const prefix = (options.prefix ?? '/ui').replace(/\/+$/, '');
  const uiDir = options.uiDir ?? DEFAULT_UI_DIR;
  let built: DashboardBundle | null = null;
  let failure: string | null = null;
  try {
    built = await buildDashboard(uiDir, prefix);
    app.log.info({ buildMs: built.buildMs, assets: [...built.assets.keys()] }, 'dashboard built');
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
    app.log.error({ err }, 'dashboard build failed; /ui answers 503');
  }
  const config = { routeId: UI_ROUTE_ID };
  const schema = { hide: true };

  app.get(prefix, { config, schema }, async (_req, reply) => reply.redirect(`${prefix}/`, 302));
  // The address `chartwatch start` prints is the API's root: a browser opening it wants the dashboard.
  app.get('/', { config, schema }, async (_req, reply) => reply.redirect(`${prefix}/`, 302));
  // Browsers ask for /favicon.ico on every page whatever the HTML says; an SVG answers it without a binary in the repo.
  app.get('/favicon.ico', { config, schema }, async (_req, reply) =>
    secure(reply).header('cache-control', 'public, max-age=86400').type('image/svg+xml').send(FAVICON_SVG),
  );

  app.get(`${prefix}/`, { config, schema }, async (_req, reply) => {
    secure(reply).header('cache-control', 'no-cache');
    if (built === null) return reply.code(503).type('text/plain; charset=utf-8').send(`The dashboard could not be built: ${failure ?? 'unknown error'}`);
    return reply.type('text/html; charset=utf-8').send(built.html);
  });

  app.get<{ Params: { file: string } }>(`${prefix}/assets/:file`, { config, schema }, async (req, reply) => {
    const asset = built?.assets.get(req.params.file);
    if (asset === undefined) return reply.code(404).send({ error: 'CW_ERR_NOT_FOUND', message: 'no such dashboard asset' });
    // Names carry a content hash: a new build gets new names, so caching forever is safe.
    return secure(reply).header('cache-control', 'public, max-age=31536000, immutable').type(asset.contentType).send(asset.body);
  });
}
