import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { modelRegistryMigrations, openStore, saveModel } from '@chartwatch/store';
import type { Store } from '@chartwatch/store';
import { createLogger } from '../../packages/logger/src/index.ts';
// test/package.json does not list @chartwatch/api: its one door is reached by path, as the API integration tests do.
import { apiConfigFromEnv, buildApi, createApiKey } from '../../services/api/src/index.ts';
import type { ApiApp, Role } from '../../services/api/src/index.ts';
import type { SeededHospital } from './seed.ts';
import { RULES_DIR, seedHospital } from './seed.ts';

export const OVERVIEW_MODEL = { version: 1, modelVersion: 'v1', features: ['events'], threshold: 0.6, budgetPer1000: 1, rows: 100, actorDays: 100, events: 1000, json: '{}' };
export const OVERVIEW_LAG = [
  { group: 'chartwatch-ingest', topic: 'ehr.audit.raw', partition: 0, lag: 5 },
  { group: 'chartwatch-detector', topic: 'ehr.audit.events', partition: 0, lag: 37 },
];

/**
 * The real thing, end to end: the API built by buildApi on an embedded chDB
 * store seeded with a small hospital (alerts raised by the real rule pack),
 * listening on a loopback port, and Debian's Chromium driven by
 * playwright-core.
 */

/** The hospital's zone the API is configured with (CHARTWATCH_TIMEZONE): the dashboard must show times on this clock. */
export const HOSPITAL_TIMEZONE = 'America/New_York';
/** The browser's own zone, deliberately another one: a page that fell back to the browser's clock would show JST. */
export const BROWSER_TIMEZONE = 'Asia/Tokyo';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(import.meta.dirname, '..', 'output', 'screenshots');
export const VIEWPORT = { width: 1440, height: 900 };

export interface Dashboard {
  store: Store;
  app: ApiApp;
  baseUrl: string;
  seed: SeededHospital;
  /** API keys per role; admin's was made with the key-admin call, the others through POST /api-keys. */
  keys: Record<Role, string>;
  browser: Browser;
  close(): Promise<void>;
}

export async function startDashboard(): Promise<Dashboard> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'chartwatch-browser-'));
  const store = await openStore({ database: 'browser', dataDir });
  await store.migrate();
  const seed = await seedHospital(new Date(), RULES_DIR);
  await store.replaceReference(seed.reference);
  await store.writeEvents(seed.events);
  await store.writeAlerts(seed.alerts);
  // A model in the registry, as the trainer leaves it: the overview names the newest.
  await store.migrate(modelRegistryMigrations);
  await saveModel(store, { ...OVERVIEW_MODEL, trainFrom: new Date(Date.now() - 28 * 86_400_000).toISOString(), trainTo: new Date().toISOString(), createdAt: new Date().toISOString() });

  const app = await buildApi({
    config: apiConfigFromEnv({ API_RATE_LIMIT_MAX: '1000000', LOG_LEVEL: 'warn', CHARTWATCH_TIMEZONE: HOSPITAL_TIMEZONE }),
    store,
    logger: createLogger({ level: 'warn' }),
    // What chartwatch start's stack would report; a fixed figure the overview test can find.
    consumerLag: { lag: async () => OVERVIEW_LAG, close: async () => undefined },
  });
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });

  const admin = await createApiKey(store, { name: 'Admin Ada', role: 'admin', createdBy: 'browser-test', at: new Date().toISOString() });
  const keys = { admin: admin.key } as Record<Role, string>;
  const names: Record<Exclude<Role, 'admin'>, string> = {
    analyst: 'Analyst Ari',
    privacy_officer: 'Privacy Officer Pat',
    vendor_manager: 'Vendor Manager Val',
    auditor: 'Auditor Aud',
  };
  for (const [role, name] of Object.entries(names) as [Exclude<Role, 'admin'>, string][]) {
    const res = await fetch(`${baseUrl}/api-keys`, {
      method: 'POST',
      headers: { 'x-api-key': admin.key, 'content-type': 'application/json' },
      body: JSON.stringify({ name, role }),
    });
    if (res.status !== 201) throw new Error(`POST /api-keys for ${role}: ${res.status} ${await res.text()}`);
    keys[role] = ((await res.json()) as { key: string }).key;
  }

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    store,
    app,
    baseUrl,
    seed,
    keys,
    browser,
    async close() {
      await browser.close();
      await app.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions in the page: a test fails if any appear. */
  pageErrors: string[];
  /** Every API request URL the page made (path and query). */
  requests: string[];
}

/** A fresh browser context (own sessionStorage), signed in through the login form. */
export async function signIn(d: Dashboard, role: Role): Promise<Session> {
  const context = await d.browser.newContext({ viewport: VIEWPORT, acceptDownloads: true, reducedMotion: 'reduce', timezoneId: BROWSER_TIMEZONE });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (!url.pathname.startsWith('/ui')) requests.push(`${url.pathname}${url.search}`);
  });
  await page.goto(`${d.baseUrl}/ui/`);
  await page.getByLabel('API key or token').fill(d.keys[role]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-testid="principal"]').waitFor();
  return { context, page, pageErrors, requests };
}

export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}
