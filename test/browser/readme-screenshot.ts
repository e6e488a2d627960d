/**
 * Retakes docs/screenshots/dashboard.png from a running `pnpm start`:
 *   node --import tsx test/browser/readme-screenshot.ts URL ADMIN_KEY
 * Signs in as the banner's admin, waits for the queue to list alerts, and
 * captures it at 1440 × 900. Not a test: the README's picture of the real thing.
 */
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM } from './harness.ts';

const [url, key] = process.argv.slice(2);
if (!url || !key) {
  process.stderr.write('usage: node --import tsx test/browser/readme-screenshot.ts URL ADMIN_KEY\n');
  process.exit(2);
}
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${url}/`);
  await page.getByLabel('API key or token').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-testid="alert-queue"] tbody tr').nth(5).waitFor({ timeout: 120_000 });
  const out = join(import.meta.dirname, '..', '..', 'docs', 'screenshots', 'dashboard.png');
  await page.screenshot({ path: out });
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await browser.close();
}
