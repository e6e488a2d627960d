import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dashboard, Session } from './harness.ts';
import { screenshot, signIn, startDashboard } from './harness.ts';
import { SEED } from './seed.ts';

/**
 * An analyst's and a privacy officer's day in a real browser against the
 * real API: the queue fitting its card, the alert header following triage,
 * finding a patient by name, an unknown patient, the printable letter.
 */

let d: Dashboard;
const sessions: Session[] = [];

beforeAll(async () => {
  d = await startDashboard();
});
afterAll(async () => {
  for (const s of sessions) await s.context.close();
  await d?.close();
});

async function open(role: Parameters<typeof signIn>[1], viewport?: { width: number; height: number }): Promise<Session> {
  const s = await signIn(d, role);
  sessions.push(s);
  if (viewport) await s.page.setViewportSize(viewport);
  return s;
}

/** Right edges past the viewport or the card, measured in the page (source text: this file is type-checked for Node). */
const OFF_SCREEN_PROBE = `(() => {
  const table = document.querySelector('[data-testid="alert-queue"]');
  const card = table.closest('.card');
  const out = [];
  if (table.scrollWidth > card.clientWidth + 1) out.push('table ' + table.scrollWidth + ' wider than its card ' + card.clientWidth);
  for (const th of table.querySelectorAll('thead th')) {
    const r = th.getBoundingClientRect();
    if (r.right > window.innerWidth) out.push(th.textContent + ' ends at ' + Math.round(r.right) + ' > ' + window.innerWidth);
  }
  if (document.documentElement.scrollWidth > window.innerWidth) out.push('page scrolls sideways: ' + document.documentElement.scrollWidth);
  return out;
})()`;

describe('the analyst’s day', () => {
  it('fits the queue at 1280 px with names resolved: nothing off-screen', async () => {
    for (const width of [1280, 1440, 1920]) {
      const { page } = await open('privacy_officer', { width, height: 900 });
      await page.goto(`${d.baseUrl}/ui/#/alerts`);
      const rows = page.locator('[data-testid="alert-queue"] tbody tr');
      await expect.poll(() => rows.count()).toBeGreaterThan(3);
      // Names are resolved for a privacy officer: the widest the table gets.
      await expect.poll(() => page.locator('[data-testid="alert-queue"]').innerText()).toContain('Marisol Vega');
      expect(await page.evaluate<string[]>(OFF_SCREEN_PROBE), `at ${width} px`).toEqual([]);
      for (const name of ['Fired', 'Status', 'Assignee']) expect(await page.getByRole('columnheader', { name }).isVisible()).toBe(true);
      if (width === 1280) await screenshot(page, 'queue-1280');
    }
  });

  it('keeps the header badge in step with every triage move, and opens an alert at its top', async () => {
    const { page, pageErrors } = await open('analyst', { width: 1280, height: 700 });
    const rows = page.locator('[data-testid="alert-queue"] tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThan(5);
    // Open one from the bottom of a scrolled queue: the alert page starts at "Why this fired".
    const last = rows.last();
    await last.scrollIntoViewIfNeeded();
    expect(await page.evaluate<number>('window.scrollY')).toBeGreaterThan(0);
    await last.locator('.title-cell a').click();
    await page.getByTestId('explanation').waitFor();
    await expect.poll(() => page.evaluate<number>('window.scrollY')).toBe(0);

    const badge = page.getByTestId('head-status-badge');
    await expect.poll(() => badge.textContent()).toBe('new');
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await expect.poll(() => page.getByTestId('head-assignee').textContent()).toBe('assigned to you');
    await page.getByRole('button', { name: 'Start investigating' }).click();
    await expect.poll(() => badge.textContent()).toBe('investigating');
    await page.getByTestId('close-alert').click();
    const dialog = page.getByTestId('close-dialog');
    await dialog.getByLabel(/false positive/).check();
    await dialog.getByLabel('Reason (kept in the alert history)').fill('Rota shows cover.');
    await dialog.getByRole('button', { name: 'Close alert' }).click();
    await expect.poll(() => badge.textContent()).toBe('closed: false positive');
    await screenshot(page, 'header-badge-closed');
    await page.getByRole('button', { name: 'Reopen' }).click();
    await expect.poll(() => badge.textContent()).toBe('investigating');
    expect(pageErrors).toEqual([]);
  });

  it('asks for a resolution on a critical or high alert instead of preselecting "false positive"', async () => {
    const { page } = await open('analyst');
    const vip = d.seed.alerts.find((a) => a.ruleId === 'vip-snoop' && a.actorId === SEED.snooper);
    expect(vip?.severity).toMatch(/high|critical/);
    await page.goto(`${d.baseUrl}/ui/#/alerts/${vip?.alertId ?? ''}`);
    await page.getByTestId('close-alert').click();
    const dialog = page.getByTestId('close-dialog');
    await dialog.waitFor();
    expect(await dialog.locator('input[name="resolution"]:checked').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('finds a patient by name, and shows purpose and sensitivity in words with the alerts that name them', async () => {
    const { page, pageErrors } = await open('privacy_officer');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Investigate' }).click();
    const form = page.getByRole('form', { name: 'Patient access report' });
    await form.getByLabel('Patient id or name').fill('vega');
    await form.getByRole('button', { name: 'Show report' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toContain(`${SEED.vipName} (${SEED.vipPatient})`);
    await page.locator('[data-testid="access-report"]').waitFor();
    const purposes = await page.getByTestId('purpose').allTextContents();
    expect(purposes.some((p) => /^[a-z]/.test(p) && p.includes('('))).toBe(true);
    expect(await page.getByTestId('patient-alerts').locator('a').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('patient-alerts').textContent()).toContain('VIP');
    await screenshot(page, 'patient-by-name');
    // The letter: the print stylesheet hides the dashboard and shows the letter's head.
    await page.emulateMedia({ media: 'print' });
    await expect.poll(() => page.getByTestId('letter-head').isVisible()).toBe(true);
    expect(await page.locator('header.top').isVisible()).toBe(false);
    await screenshot(page, 'patient-letter-print', true);
    await page.emulateMedia({ media: 'screen' });
    expect(pageErrors).toEqual([]);
  });

  it('says an unknown patient id is unknown and offers no export', async () => {
    const { page, pageErrors } = await open('privacy_officer');
    await page.goto(`${d.baseUrl}/ui/#/investigate`);
    const form = page.getByRole('form', { name: 'Patient access report' });
    await form.getByLabel('Patient id or name').fill('p9999999');
    await form.getByRole('button', { name: 'Show report' }).click();
    await page.getByTestId('unknown-patient').waitFor();
    expect(await page.locator('h1').textContent()).toBe('No such patient: p9999999');
    expect(await page.getByTestId('unknown-patient').textContent()).toContain('no stored access names it');
    expect(await page.getByTestId('export-report-csv').count()).toBe(0);
    expect(await page.getByTestId('print-letter').count()).toBe(0);
    await screenshot(page, 'unknown-patient');
    expect(pageErrors).toEqual([]);
  });

  it('answers GET / with the dashboard and /favicon.ico with an icon', async () => {
    const root = await fetch(`${d.baseUrl}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/ui/');
    const icon = await fetch(`${d.baseUrl}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toContain('image/svg+xml');
  });
});
