import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSuppressionHits } from '@chartwatch/store';
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
    const vip = d.seed.alerts.find((a) => a.ruleId === 'vip-snoop' && a.actorId === SEED.snooper);
    expect(vip?.severity).toMatch(/high|critical/);
    // An analyst may close it but not suppress the rule: the dialog does not offer it.
    const analyst = (await open('analyst')).page;
    await analyst.goto(`${d.baseUrl}/ui/#/alerts/${vip?.alertId ?? ''}`);
    await analyst.getByTestId('close-alert').click();
    const analystDialog = analyst.getByTestId('close-dialog');
    await analystDialog.waitFor();
    expect(await analystDialog.locator('input[name="resolution"]:checked').count()).toBe(0);
    await analystDialog.getByLabel(/false positive/).check();
    expect(await analystDialog.getByLabel(/^Suppress vip-snoop/).isVisible()).toBe(false);
    await analystDialog.getByRole('button', { name: 'Cancel' }).click();

    const { page } = await open('privacy_officer');
    await page.goto(`${d.baseUrl}/ui/#/alerts/${vip?.alertId ?? ''}`);
    await page.getByTestId('close-alert').click();
    const dialog = page.getByTestId('close-dialog');
    await dialog.waitFor();
    expect(await dialog.locator('input[name="resolution"]:checked').count()).toBe(0);
    // Suppressing from the dialog shows its backtest first: here the alert itself, open, no confirmed incident.
    await dialog.getByLabel(/false positive/).check();
    await dialog.getByLabel(/^Suppress vip-snoop/).check();
    await expect.poll(() => dialog.getByTestId('close-backtest').textContent()).toContain('it would have hidden 1 alert, no confirmed incident');
    await screenshot(page, 'close-dialog-backtest');
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

  it('turns closed alerts into precision per rule: one confirmed, one false positive is 50 %', async () => {
    const vip = d.seed.alerts.filter((a) => a.ruleId === 'vip-snoop' && a.actorId !== SEED.snooper);
    expect(vip.length).toBeGreaterThanOrEqual(2);
    const [confirmed, falsePositive] = vip as [(typeof vip)[number], (typeof vip)[number]];
    for (const [alert, resolution] of [[confirmed, 'confirmed'], [falsePositive, 'false_positive']] as const) {
      const res = await fetch(`${d.baseUrl}/alerts/${alert.alertId}/transition`, {
        method: 'POST',
        headers: { 'x-api-key': d.keys.analyst, 'content-type': 'application/json' },
        body: JSON.stringify({ to: 'closed', resolution, reason: `closed as ${resolution} by the precision test`, expectedVersion: 0 }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
    }
    const { page, pageErrors } = await open('privacy_officer');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Precision' }).click();
    const row = page.locator('[data-testid="precision-table"] tr[data-rule-id="vip-snoop"]');
    await row.waitFor();
    expect(await row.getByTestId('confirmed').textContent()).toBe('1');
    expect(await row.getByTestId('false-positive').textContent()).toBe('1');
    expect(await row.getByTestId('precision').textContent()).toBe('50 %');
    expect(await row.getByTestId('precision-trend').getAttribute('aria-label')).toContain('50 % of 2 closed');
    await screenshot(page, 'precision');
    expect(pageErrors).toEqual([]);
  });

  it('backtests a suppression before saving it, and asks again when a confirmed incident is among what it would hide', async () => {
    const confirmedAlert = d.seed.alerts.filter((a) => a.ruleId === 'vip-snoop' && a.actorId !== SEED.snooper)[0];
    const actor = confirmedAlert?.actorId ?? '';
    const { page, pageErrors } = await open('privacy_officer');
    await page.goto(`${d.baseUrl}/ui/#/suppressions?rule=vip-snoop&actor=${actor}`);
    await page.getByRole('button', { name: 'Check what it would hide' }).click();
    const table = page.getByTestId('backtest-table');
    await table.waitFor();
    expect(await table.locator(`tr[data-alert-id="${confirmedAlert?.alertId ?? ''}"]`).getByTestId('backtest-resolution').textContent()).toBe('closed: confirmed');
    expect(await page.getByTestId('backtest-summary').textContent()).toContain('1 of them closed as a confirmed incident');
    const create = page.getByTestId('create-suppression');
    expect(await create.isDisabled()).toBe(true);
    await page.getByLabel('Reason (kept with the suppression)').fill('Covering the VIP ward this month.');
    await screenshot(page, 'suppression-backtest');
    await page.getByTestId('ack-label').click();
    expect(await create.isDisabled()).toBe(false);
    await create.click();
    const row = page.locator('[data-testid="suppression-table"] tbody tr').filter({ hasText: actor });
    await row.waitFor();
    expect(await row.getByTestId('suppression-state').textContent()).toBe('active');
    // The made-by column names the key ("Privacy Officer Pat"), not key:k_….
    expect(await row.textContent()).toContain('Privacy Officer Pat');

    // What it hid: the detector records each alert a suppression kept out (here written as the start stack's recorder would).
    const id = (await row.getAttribute('data-suppression-id')) ?? '';
    await insertSuppressionHits(d.store, [
      { suppressionId: id, alertId: 'hidden-1', ruleId: 'vip-snoop', actorId: actor, patientIds: [SEED.vipPatient], severity: 'high', title: 'VIP chart opened without a care relationship', firedAt: new Date().toISOString() },
    ]);
    await page.reload();
    const again = page.locator(`tr[data-suppression-id="${id}"]`);
    await expect.poll(() => again.getByTestId('hidden-count').textContent()).toBe('1 hidden');
    await again.getByTestId('hidden-count').click();
    await expect.poll(() => again.getByTestId('hidden-alerts').locator('li').count()).toBe(1);
    await screenshot(page, 'suppressions');

    // Lifted: the row says so and the button is gone.
    page.once('dialog', (dialog) => void dialog.accept());
    await again.getByRole('button', { name: 'Lift' }).click();
    await expect.poll(() => page.locator(`tr[data-suppression-id="${id}"]`).getByTestId('suppression-state').textContent()).toContain('lifted by');
    expect(pageErrors).toEqual([]);
  });

  it('lets an admin make, see once and revoke an API key on its page; the audit trail names keys', async () => {
    const { page, pageErrors } = await open('admin');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Keys' }).click();
    const form = page.getByRole('form', { name: 'New API key' });
    await form.getByLabel('Name (who holds it)').fill('Night shift Nia');
    await form.getByLabel('Role').selectOption('analyst');
    await form.getByRole('button', { name: 'Create key' }).click();
    await expect.poll(() => page.getByTestId('new-key').textContent()).toMatch(/cwk_[A-Za-z0-9_-]{43}/);
    const row = page.locator('[data-testid="key-table"] tbody tr').filter({ hasText: 'Night shift Nia' });
    await row.waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => row.locator('td').nth(5).textContent()).toContain('revoked');
    await screenshot(page, 'api-keys');

    // The privacy officer has the audit trail in the menu, with names, filtered by principal in the URL.
    const officer = await open('privacy_officer');
    await officer.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit trail' }).click();
    const who = officer.page.getByTestId('audit-principal');
    await expect.poll(() => who.count()).toBeGreaterThan(0);
    expect(await who.allTextContents()).not.toContainEqual(expect.stringMatching(/^key:k_/));
    await who.first().locator('a').click();
    await expect.poll(() => officer.page.getByLabel('Principal').inputValue()).toMatch(/^key:k_/);
    // Filtered: every row is that principal's.
    await expect.poll(() => officer.page.getByTestId('audit-principal').count()).toBeGreaterThan(0);
    expect(new Set(await officer.page.getByTestId('audit-principal').allTextContents()).size).toBe(1);
    await screenshot(officer.page, 'audit-trail');
    expect(pageErrors).toEqual([]);
    expect(officer.pageErrors).toEqual([]);
  });

  it('groups one actor’s alerts into a case with one timeline, one owner and one resolution', async () => {
    const { page, pageErrors } = await open('analyst');
    // The seed's actor with the most alerts; a 30-day span chains them all.
    const counts = new Map<string, number>();
    for (const a of d.seed.alerts) counts.set(a.actorId, (counts.get(a.actorId) ?? 0) + 1);
    const [actor, n] = [...counts].sort((x, y) => y[1] - x[1])[0] ?? ['', 0];
    expect(n).toBeGreaterThanOrEqual(3);
    await page.getByTestId('view-cases').click();
    await page.goto(`${d.baseUrl}/ui/#/cases?by=actor&span=720`);
    const card = page.locator(`[data-testid="case"][data-case-id^="actor:${actor}:"]`);
    await card.waitFor();
    const actorAlerts = d.seed.alerts.filter((a) => a.actorId === actor);
    // Earlier tests in this file may have closed one of them: the case holds the open ones.
    const items = card.getByTestId('case-timeline').locator('li');
    await expect.poll(() => items.count()).toBeGreaterThanOrEqual(3);
    expect(await items.count()).toBeLessThanOrEqual(actorAlerts.length);
    const times = await items.locator('time').evaluateAll((els: { getAttribute(name: string): string | null }[]) => els.map((e) => e.getAttribute('datetime') ?? ''));
    expect(times).toEqual([...times].sort());
    await screenshot(page, 'case');
    await card.getByRole('button', { name: 'Assign case to me' }).click();
    await expect.poll(() => page.locator(`[data-testid="case"][data-case-id^="actor:${actor}:"]`).getByTestId('case-owner').textContent()).toBe('owner: you');
    const ids = await page.locator(`[data-testid="case"][data-case-id^="actor:${actor}:"] [data-testid="case-timeline"] li`).evaluateAll((els: { getAttribute(name: string): string | null }[]) => els.map((e) => e.getAttribute('data-alert-id') ?? ''));
    await page.locator(`[data-testid="case"][data-case-id^="actor:${actor}:"]`).getByTestId('close-case').click();
    const dialog = page.getByTestId('close-dialog');
    await dialog.getByLabel(/benign/).check();
    await dialog.getByLabel('Reason (kept in the alert history)').fill('Approved audit of the ward, all three.');
    await dialog.getByRole('button', { name: 'Close alert' }).click();
    await expect.poll(() => page.locator(`[data-testid="case"][data-case-id^="actor:${actor}:"]`).count()).toBe(0);
    for (const id of ids) {
      const res = await fetch(`${d.baseUrl}/alerts/${id}`, { headers: { 'x-api-key': d.keys.admin } });
      expect(((await res.json()) as { triage: { status: string; resolution: string } }).triage).toMatchObject({ status: 'closed', resolution: 'benign' });
    }
    expect(pageErrors).toEqual([]);
  });
});
