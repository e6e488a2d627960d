import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Dashboard, Session } from './harness.ts';
import { formatTime } from '../../services/api/ui/src/format.ts';
import { BROWSER_TIMEZONE, HOSPITAL_TIMEZONE, OVERVIEW_LAG, OVERVIEW_MODEL, screenshot, signIn, startDashboard } from './harness.ts';
import { SEED } from './seed.ts';

/**
 * The analysts' dashboard in a real browser against the real API: sign in,
 * triage (mouse and keyboard), vendor charts, exports, and minimum PHI.
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

async function open(role: Parameters<typeof signIn>[1]): Promise<Session> {
  const s = await signIn(d, role);
  sessions.push(s);
  return s;
}

async function api<T>(path: string, role: keyof Dashboard['keys'] = 'admin'): Promise<T> {
  const res = await fetch(`${d.baseUrl}${path}`, { headers: { 'x-api-key': d.keys[role] } });
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  return (await res.json()) as T;
}

type Triage = { status: string; resolution: string | null; assignee: string | null; version: number };

const openAlerts = (): number => d.seed.alerts.length;
const vipAlert = () => {
  const a = d.seed.alerts.find((x) => x.ruleId === 'vip-snoop' && x.actorId === SEED.snooper);
  if (!a) throw new Error('the seed raised no vip-snoop alert for the snooper');
  return a;
};

/**
 * Labels, landmarks and tab order that a keyboard or screen-reader user
 * relies on. Run in the page; kept as source text because this file is
 * type-checked for Node, not the DOM.
 */
const ACCESSIBILITY_PROBE = `(() => {
  const problems = [];
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    const named = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!named) problems.push('unlabelled ' + el.tagName.toLowerCase() + ' name=' + (el.getAttribute('name') || ''));
  }
  for (const sel of ['header', 'nav[aria-label]', 'main']) if (!document.querySelector(sel)) problems.push('no ' + sel + ' landmark');
  for (const el of document.querySelectorAll('[tabindex]')) if (Number(el.getAttribute('tabindex')) > 0) problems.push('positive tabindex on ' + el.tagName);
  for (const el of document.querySelectorAll('svg[role=img]')) if (!el.getAttribute('aria-label')) problems.push('chart without aria-label');
  for (const el of document.querySelectorAll('button, a[href]')) if ((el.textContent || '').trim() === '' && !el.getAttribute('aria-label')) problems.push('nameless ' + el.tagName);
  if (!document.querySelector('h1')) problems.push('no h1');
  return problems;
})()`;

async function accessibilityProblems(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(ACCESSIBILITY_PROBE);
}

describe('dashboard', () => {
  it('serves the page with a strict CSP and builds it in well under a second', async () => {
    const res = await fetch(`${d.baseUrl}/ui/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    const js = /src="(\/ui\/assets\/app\.[0-9a-f]{12}\.js)"/.exec(html)?.[1];
    expect(js).toBeDefined();
    const asset = await fetch(`${d.baseUrl}${js}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // No credentials are needed for the shell; the data routes still refuse without them.
    expect((await fetch(`${d.baseUrl}/alerts`)).status).toBe(401);
  });

  it('refuses a bad key on the login form and keeps the credential out of the page', async () => {
    const context = await d.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${d.baseUrl}/ui/`);
    await page.getByLabel('API key or token').fill('cwk_not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#login-error').textContent()).toContain('Not accepted');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await context.close();
  });

  it('signs in with an API key and shows the open alert queue', async () => {
    const { page, pageErrors } = await open('analyst');
    const rows = page.locator('[data-testid="alert-queue"] tbody tr');
    await expect.poll(() => rows.count()).toBe(openAlerts());
    await expect.poll(() => page.locator('#queue-summary').textContent()).toContain(`${openAlerts()} alerts shown`);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'queue');
    expect(pageErrors).toEqual([]);
  });

  it("reads the queue's date filter as the hospital's days, not UTC's nor the browser's", async () => {
    const { page, requests, pageErrors } = await open('analyst');
    await page.getByTestId('alert-queue').waitFor();
    const before = requests.length;
    await page.goto(`${d.baseUrl}/ui/#/alerts?from=2026-03-08&to=2026-03-08`);
    await expect.poll(() => requests.slice(before).some((r) => r.startsWith('/alerts?'))).toBe(true);
    const asked = new URL(`http://x${requests.slice(before).find((r) => r.startsWith('/alerts?')) ?? ''}`).searchParams;
    // 8 March 2026 in New York: midnight EST (05:00Z) to the next midnight, EDT by then (04:00Z), 23 hours.
    expect(asked.get('from')).toBe('2026-03-08T05:00:00.000Z');
    expect(asked.get('to')).toBe('2026-03-09T04:00:00.000Z');
    expect(await page.getByText(`Fired from (day, ${HOSPITAL_TIMEZONE})`).count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  it('opens an alert, closes it as a false positive, and the queue updates', async () => {
    const { page, pageErrors } = await open('analyst');
    const alert = vipAlert();
    const row = page.locator(`tr[data-alert-id="${alert.alertId}"]`);
    await row.getByRole('link', { name: alert.title }).click();

    await expect.poll(() => page.getByTestId('explanation').textContent()).toContain(`VIP patient ${SEED.vipPatient}`);
    await expect.poll(() => page.locator('[data-testid="evidence-timeline"] li').count()).toBe(alert.evidenceEventIds.length);
    await page.getByTestId('actor-activity').waitFor();
    // The actor against their role's peers, from GET /actors/:actorId/peers.
    const peers = page.getByTestId('peer-table');
    await peers.waitFor();
    expect(await peers.locator('caption').textContent()).toContain(alert.actorId);
    expect(await peers.locator('tbody tr').count()).toBe(5);
    expect(await peers.locator('tbody tr').first().textContent()).toContain('Events per day');
    // Times on the hospital's clock (the API's CHARTWATCH_TIMEZONE), not the browser's (JST) nor UTC; the exact instant stays machine-readable.
    expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe(BROWSER_TIMEZONE);
    // Window start, window end, fired at.
    const fired = page.locator('.facts').first().locator('time').nth(2);
    expect(await fired.textContent()).toBe(formatTime(alert.firedAt, HOSPITAL_TIMEZONE));
    expect(await fired.textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} E[SD]T$/);
    expect(await fired.getAttribute('datetime')).toBe(new Date(alert.firedAt).toISOString());
    expect(await fired.getAttribute('title')).toBe(new Date(alert.firedAt).toISOString());
    const evidence = page.locator('[data-testid="evidence-timeline"] time');
    const evidenceTimes = d.seed.events.filter((e) => alert.evidenceEventIds.includes(e.eventId)).map((e) => e.time).sort();
    expect(await evidence.allTextContents()).toEqual(evidenceTimes.map((t) => formatTime(t, HOSPITAL_TIMEZONE)));
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'alert-detail');
    await screenshot(page, 'alert-detail-full', true);

    await page.getByLabel('Add a comment').fill('Checked the rota: u-009 covered emergency radiology that afternoon.');
    await page.getByRole('button', { name: 'Comment', exact: true }).click();
    await expect.poll(() => page.getByTestId('comments').textContent()).toContain('Checked the rota');
    await expect.poll(() => page.getByTestId('history').textContent()).toContain('commented');

    await page.getByTestId('close-alert').click();
    const dialog = page.getByTestId('close-dialog');
    await dialog.getByLabel(/false positive/).check();
    await dialog.getByLabel('Reason (kept in the alert history)').fill('Covering the emergency ward that day; rota confirms.');
    await screenshot(page, 'close-dialog');
    await dialog.getByRole('button', { name: 'Close alert' }).click();
    await expect.poll(() => page.locator('.triage-state [data-testid="status"]').textContent()).toBe('closed: false positive');
    await expect.poll(() => page.getByTestId('history').textContent()).toContain('closed: false positive');
    await expect.poll(() => page.getByTestId('history').textContent()).toContain('Covering the emergency ward');

    // The API agrees.
    const stored = await api<{ triage: Triage }>(`/alerts/${alert.alertId}`);
    expect(stored.triage).toMatchObject({ status: 'closed', resolution: 'false_positive' });

    // Back in the queue: gone from the open view, listed among the closed ones.
    await page.getByRole('link', { name: '← Alert queue' }).click();
    await expect.poll(() => page.locator('[data-testid="alert-queue"] tbody tr').count()).toBe(openAlerts() - 1);
    expect(await page.locator(`tr[data-alert-id="${alert.alertId}"]`).count()).toBe(0);
    await page.getByLabel('closed').check();
    await page.getByRole('button', { name: 'Apply' }).click();
    const closedRow = page.locator(`tr[data-alert-id="${alert.alertId}"]`);
    await expect.poll(() => closedRow.getByTestId('status').textContent()).toBe('closed: false positive');
    expect(pageErrors).toEqual([]);
  });

  it('triages from the keyboard: j/k to move, i to investigate, a to assign, c to close', async () => {
    const { page, pageErrors } = await open('analyst');
    const rows = page.locator('[data-testid="alert-queue"] tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThan(3);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    const selected = page.locator('tr.selected');
    const id = await selected.getAttribute('data-alert-id');
    expect(id).toBe(await rows.nth(1).getAttribute('data-alert-id'));

    await page.keyboard.press('i');
    const row = page.locator(`tr[data-alert-id="${id}"]`);
    await expect.poll(() => row.getByTestId('status').textContent()).toBe('investigating');
    await page.keyboard.press('a');
    await expect.poll(() => row.locator('.assignee').textContent()).toBe('me');
    const stored = await api<{ triage: Triage }>(`/alerts/${id}`);
    expect(stored.triage.status).toBe('investigating');
    expect(stored.triage.assignee).toMatch(/^key:k_[0-9a-f]{16}$/);
    await screenshot(page, 'queue-keyboard');

    const before = await rows.count();
    await page.keyboard.press('c');
    const dialog = page.getByTestId('close-dialog');
    await dialog.getByLabel(/benign/).check();
    await dialog.getByLabel('Reason (kept in the alert history)').fill('Approved audit of the ward.');
    await dialog.getByRole('button', { name: 'Close alert' }).click();
    await expect.poll(() => rows.count()).toBe(before - 1);
    expect(await row.count()).toBe(0);
    // The next alert took the selection, so triage can go on without the mouse.
    expect(await page.locator('tr.selected').count()).toBe(1);
    expect((await api<{ triage: Triage }>(`/alerts/${id}`)).triage).toMatchObject({ status: 'closed', resolution: 'benign' });
    expect(pageErrors).toEqual([]);
  });

  it('draws each vendor’s daily pulls against quota and baseline', async () => {
    const { page, pageErrors } = await open('vendor_manager');
    // A vendor manager lands on the vendor page and sees no triage menu.
    await page.waitForURL(/#\/vendors/);
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).toEqual(['Vendors']);
    const charts = page.locator('svg[data-testid="vendor-chart"][role="img"]');
    // Four usage requests behind the charts: on a busy box they take longer than expect.poll's 1 s default.
    await expect.poll(() => charts.count(), { timeout: 15_000 }).toBe(d.seed.reference.vendors.length);

    const billing = page.locator('[data-vendor="app-billing"] svg[data-testid="vendor-chart"]');
    const usage = await api<{ days: { day: string; overQuota: boolean }[]; totals: { daysOverQuota: number } }>('/vendors/app-billing/usage', 'vendor_manager');
    expect(usage.totals.daysOverQuota).toBeGreaterThan(0);
    const label = await billing.getAttribute('aria-label');
    expect(label).toContain('Billing Co');
    expect(label).toContain('daily quota 300');
    expect(label).toContain(`exceeded on ${usage.totals.daysOverQuota} day`);
    // The default range is drawn from the first day any application pulled records, not the API's 30 days.
    const firstActive = d.seed.events.filter((e) => e.actor.kind === 'application').map((e) => e.time.slice(0, 10)).sort()[0] ?? '';
    const drawn = usage.days.filter((x) => x.day >= firstActive);
    expect(drawn.length).toBeLessThan(usage.days.length);
    expect(await billing.locator('rect.bar').count()).toBe(drawn.length);
    expect(await billing.locator('rect.bar-alarm').count()).toBe(usage.totals.daysOverQuota);
    expect(await billing.locator('line.line-quota').count()).toBe(1);
    expect(await billing.locator('path.line-baseline').count()).toBe(1);
    // The bars have height: the chart is drawn, not just present.
    const box = await billing.boundingBox();
    expect(box?.width).toBeGreaterThan(400);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'vendors');
    expect(pageErrors).toEqual([]);
  });

  it('exports a patient access report as CSV with the accesses the report shows', async () => {
    const { page, pageErrors } = await open('privacy_officer');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Investigate' }).click();
    const form = page.getByRole('form', { name: 'Patient access report' });
    await form.getByLabel('Patient id').fill(SEED.vipPatient);
    await form.getByRole('button', { name: 'Show report' }).click();
    // A privacy officer sees the patient's name.
    await expect.poll(() => page.locator('h1').textContent()).toContain(`${SEED.vipName} (${SEED.vipPatient})`);
    const expected = d.seed.events.filter((e) => e.patientIds.includes(SEED.vipPatient));
    await expect.poll(() => page.locator('[data-testid="access-report"] tbody tr').count()).toBe(expected.length);
    // "Who looked at my chart, when" on the hospital's clock: the newest access first, in New York time.
    const newest = [...expected].sort((a, b) => b.time.localeCompare(a.time))[0];
    const firstTime = page.locator('[data-testid="access-report"] tbody tr').first().locator('time');
    expect(await firstTime.getAttribute('datetime')).toBe(new Date(newest?.time ?? '').toISOString());
    expect(await firstTime.textContent()).toBe(formatTime(newest?.time, HOSPITAL_TIMEZONE));
    expect(await firstTime.textContent()).toMatch(/ E[SD]T$/);
    await screenshot(page, 'access-report');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-report-csv').click()]);
    expect(download.suggestedFilename()).toBe('patient-access-report.csv');
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/^time,event_id,actor_id,actor_kind,actor_role,actor_department,actor_given_name,actor_family_name,action/);
    expect(lines).toHaveLength(expected.length + 1);
    for (const e of expected) expect(csv).toContain(e.eventId);
    // The snooper's two reads are there, under their name (the privacy officer's export resolves names).
    const snooperLines = lines.filter((l) => l.includes(`,${SEED.snooper},`));
    expect(snooperLines).toHaveLength(2);
    expect(pageErrors).toEqual([]);
  });

  it('shows an actor timeline and exports it', async () => {
    const { page, pageErrors } = await open('analyst');
    await page.goto(`${d.baseUrl}/ui/#/actors/${SEED.bulkReader}`);
    await page.getByTestId('actor-timeline-chart').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-timeline-csv').click()]);
    const csv = await readFile(await download.path(), 'utf8');
    expect(csv.split(/\r?\n/)[0]).toMatch(/^time,event_id,patient_ids,action/);
    const nightReads = d.seed.events.filter((e) => e.actor.id === SEED.bulkReader && e.time.slice(11, 13) < '04');
    expect(nightReads.length).toBe(140);
    for (const e of nightReads.slice(0, 5)) expect(csv).toContain(e.eventId);
    await screenshot(page, 'actor-timeline');
    expect(pageErrors).toEqual([]);
  });

  it('never shows or asks for patient names for an analyst; a privacy officer gets them', async () => {
    const analyst = await open('analyst');
    const alert = vipAlert();
    await analyst.page.goto(`${d.baseUrl}/ui/#/alerts/${alert.alertId}`);
    await analyst.page.getByTestId('explanation').waitFor();
    await analyst.page.goto(`${d.baseUrl}/ui/#/patients/${SEED.vipPatient}`);
    await analyst.page.locator('[data-testid="access-report"]').waitFor();
    const text = await analyst.page.locator('body').innerText();
    expect(text).toContain(SEED.vipPatient);
    expect(text).not.toContain('Marisol');
    expect(text).not.toContain('Vega');
    expect(analyst.requests.some((r) => r.includes('resolveNames'))).toBe(false);

    const officer = await open('privacy_officer');
    await officer.page.goto(`${d.baseUrl}/ui/#/alerts/${alert.alertId}`);
    await officer.page.getByTestId('explanation').waitFor();
    await expect.poll(() => officer.page.locator('.facts').first().innerText()).toContain(`${SEED.vipName} (${SEED.vipPatient})`);
    expect(officer.requests.some((r) => r.includes('resolveNames=true'))).toBe(true);
  });

  it('shows the overview from GET /overview: alerts per day by rule and severity, event rate, consumer lag, model version', async () => {
    const { page, pageErrors, requests } = await open('analyst');
    await page.getByTestId('alert-queue').waitFor();
    const before = requests.length;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
    const chart = page.locator('svg[data-testid="alerts-per-day-chart"][role="img"]');
    await chart.waitFor();
    const recent = d.seed.alerts.filter((a) => Date.parse(a.firedAt) >= d.seed.end.getTime() - 13 * 86_400_000);
    expect(await chart.getAttribute('aria-label')).toContain(`${recent.length} in all`);
    expect(await page.getByTestId('rule-table').locator('tbody tr').count()).toBe(new Set(recent.map((a) => a.ruleId)).size);
    // The page asks the API once and counts nothing itself.
    const asked = requests.slice(before);
    expect(asked.filter((r) => r.includes('/overview?')).length).toBe(1);
    expect(asked.some((r) => r.includes('/alerts?'))).toBe(false);
    // The seed's events were stored moments ago: all of them in the last hour's minutes.
    const rate = page.locator('svg[data-testid="event-rate-chart"]');
    expect(await rate.getAttribute('aria-label')).toContain(`${d.seed.events.length.toLocaleString('en-US')} in all`);
    expect(await page.getByTestId('tile-rate').textContent()).toMatch(/\/s/);
    const lag = OVERVIEW_LAG.reduce((s, p) => s + p.lag, 0);
    expect(await page.getByTestId('tile-lag').textContent()).toContain(String(lag));
    expect(await page.getByTestId('lag-table').locator('tbody tr').count()).toBe(OVERVIEW_LAG.length);
    expect(await page.getByTestId('tile-model').textContent()).toContain(OVERVIEW_MODEL.modelVersion);
    expect(await page.getByTestId('not-available').count()).toBe(0);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'overview');
    expect(pageErrors).toEqual([]);
  });

  it('sends a revoked key back to the login page', async () => {
    const context = await d.browser.newContext();
    const page = await context.newPage();
    const created = await fetch(`${d.baseUrl}/api-keys`, {
      method: 'POST',
      headers: { 'x-api-key': d.keys.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'short-lived', role: 'analyst' }),
    });
    const key = (await created.json()) as { key: string; keyId: string };
    await page.goto(`${d.baseUrl}/ui/`);
    await page.getByLabel('API key or token').fill(key.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-testid="alert-queue"]').waitFor();
    const revoked = await fetch(`${d.baseUrl}/api-keys/${key.keyId}`, { method: 'DELETE', headers: { 'x-api-key': d.keys.admin } });
    expect(revoked.status).toBe(200);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.locator('.notice').textContent()).toContain('sign in again');
    expect(await page.evaluate(() => sessionStorage.getItem('chartwatch.credential'))).toBeNull();
    await context.close();
  });
});
