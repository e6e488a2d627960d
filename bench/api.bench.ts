/**
 * bench:api — the analyst API over at least 10 million stored events.
 *
 * Fills embedded chDB through the store's own schema with server-side
 * generation (INSERT … SELECT FROM numbers(N): rows never pass through JS;
 * the store's patient_access and the API's patient_access_packed views fill
 * as the events land), adds 100,000 alerts (a quarter triaged, half of those
 * closed since), then serves the API on 127.0.0.1 and hits the alert list
 * (a rotating mix of filters, sorts and cursor pages) and the patient access
 * report (random patients) with bounded concurrency over real HTTP.
 * Prints requests/s and latency percentiles, and a final JSON line.
 *
 * Env: BENCH_API_EVENTS (default 10,000,000), BENCH_API_ALERTS (100,000),
 * BENCH_API_REQUESTS per scenario (1,000), BENCH_API_SECONDS cap per
 * scenario (40), BENCH_API_CONCURRENCY (2).
 *
 * `--keep DIR` (after `pnpm bench:api --`): use DIR as the data directory and
 * leave it in place. A DIR already filled with at least as many events and
 * alerts skips the fill (minutes at 10M events) and only runs the API's
 * migrations, so new migrations are tried against the kept data as a
 * deployed store would meet them. Without it, a fresh temporary directory is
 * filled and removed at the end.
 *
 * `--only list|report`: measure one scenario (its warm-up included), to
 * compare one change in alternating runs; both run by default.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { migrateApiTables, openStore } from '../packages/store/src/index.ts';
import { createLogger } from '../packages/logger/src/index.ts';
import { apiConfigFromEnv, buildApi, createApiKey } from '../services/api/src/index.ts';

const EVENTS = Number(process.env['BENCH_API_EVENTS'] ?? 10_000_000);
const ALERTS = Number(process.env['BENCH_API_ALERTS'] ?? 100_000);
const REQUESTS = Number(process.env['BENCH_API_REQUESTS'] ?? 1_000);
/** Two: one request in flight per core of the 2-core machines this runs on. */
const CONCURRENCY = Number(process.env['BENCH_API_CONCURRENCY'] ?? 2);
/** A scenario stops at REQUESTS or after this many seconds, whichever comes first, to keep the run bounded. */
const MAX_SECONDS = Number(process.env['BENCH_API_SECONDS'] ?? 40);
const ACTORS = 5_000;
const PATIENTS = 200_000;
const SPAN_DAYS = 90;
const START = '2025-01-01 00:00:00.000';

const DB = 'bench_api';

function keepDir(argv: readonly string[]): string | undefined {
  const i = argv.indexOf('--keep');
  if (i === -1) return undefined;
  const dir = argv[i + 1];
  if (dir === undefined || dir.startsWith('--')) throw new Error('--keep needs a directory: pnpm bench:api -- --keep /var/tmp/chartwatch-bench-api');
  return dir;
}
const KEEP = keepDir(process.argv.slice(2));

function onlyScenario(argv: readonly string[]): 'list' | 'report' | undefined {
  const i = argv.indexOf('--only');
  if (i === -1) return undefined;
  const which = argv[i + 1];
  if (which !== 'list' && which !== 'report') throw new Error('--only needs list or report: pnpm bench:api -- --only report');
  return which;
}
const ONLY = onlyScenario(process.argv.slice(2));
const DATA = KEEP ?? mkdtempSync(join(tmpdir(), 'chartwatch-bench-api-'));
const removeData = (): void => {
  if (KEEP === undefined) rmSync(DATA, { recursive: true, force: true });
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (n: number, d = 1): number => Math.round(n * 10 ** d) / 10 ** d;

interface Figures {
  requests: number;
  errors: number;
  reqPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanRows: number;
  /** p50/p99 per request variant (alert list filters), when labelled. */
  byVariant?: Record<string, { n: number; p50Ms: number; p99Ms: number }>;
}

async function hammer(
  name: string,
  count: number,
  url: (i: number) => string,
  headers: Record<string, string>,
  rowsOf: (body: unknown) => number,
  label?: (i: number) => string,
): Promise<Figures> {
  const latencies: number[] = [];
  const labelled = new Map<string, number[]>();
  let errors = 0;
  let rows = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + MAX_SECONDS * 1000;
  async function worker(): Promise<void> {
    for (;;) {
      const i = next++;
      if (i >= count || performance.now() > deadline) return;
      const t0 = performance.now();
      const res = await fetch(url(i), { headers });
      const body: unknown = await res.json();
      const ms = performance.now() - t0;
      latencies.push(ms);
      if (label) {
        const key = label(i);
        labelled.set(key, [...(labelled.get(key) ?? []), ms]);
      }
      if (res.status !== 200) {
        errors += 1;
        if (errors <= 3) console.error(`${name}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      } else rows += rowsOf(body);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const done = latencies.length;
  return {
    requests: done,
    errors,
    reqPerSec: round(done / seconds),
    p50Ms: round(percentile(latencies, 50), 2),
    p90Ms: round(percentile(latencies, 90), 2),
    p99Ms: round(percentile(latencies, 99), 2),
    maxMs: round(latencies.at(-1) ?? 0, 2),
    meanRows: round(rows / Math.max(1, done - errors)),
    ...(label
      ? {
          byVariant: Object.fromEntries(
            [...labelled].map(([k, v]) => {
              v.sort((a, b) => a - b);
              return [k, { n: v.length, p50Ms: round(percentile(v, 50), 2), p99Ms: round(percentile(v, 99), 2) }];
            }),
          ),
        }
      : {}),
  };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const store = await openStore({ database: DB, dataDir: DATA });
  await store.migrate();
  // The API's tables first, so its per-patient report view fills as the events land.
  await migrateApiTables(store);
  const db = `\`${DB}\``;
  const countsQuery = `SELECT (SELECT count() FROM ${db}.access_events) AS events, (SELECT count() FROM ${db}.patient_access) AS patient_rows, (SELECT count() FROM ${db}.alerts) AS alerts`;
  const storedCounts = async (): Promise<{ events: number; patientRows: number; alerts: number }> => {
    const [c] = await (await store.client.query({ query: countsQuery, format: 'JSONEachRow' })).json<{ events: string; patient_rows: string; alerts: string }>();
    return { events: Number(c?.events ?? 0), patientRows: Number(c?.patient_rows ?? 0), alerts: Number(c?.alerts ?? 0) };
  };
  const before = await storedCounts();
  const reuse = KEEP !== undefined && existsSync(DATA) && before.events >= EVENTS && before.alerts >= ALERTS;
  if (KEEP !== undefined && !reuse && (before.events > 0 || before.alerts > 0)) {
    throw new Error(`--keep ${DATA}: holds ${before.events} events and ${before.alerts} alerts, fewer than asked and not empty; use an empty or a fuller directory`);
  }
  let fillEventsS = 0;
  let fillAlertsS = 0;
  let settleS = 0;
  if (!reuse) ({ fillEventsS, fillAlertsS, settleS } = await fill(store, db));
  const stored = await storedCounts();
  console.log(
    reuse
      ? `reused ${DATA}: ${stored.events.toLocaleString('en')} events (${stored.patientRows.toLocaleString('en')} per-patient rows), ${stored.alerts.toLocaleString('en')} alerts`
      : `filled ${stored.events.toLocaleString('en')} events (${stored.patientRows.toLocaleString('en')} per-patient rows) in ${round(fillEventsS)} s; ${stored.alerts.toLocaleString('en')} alerts in ${round(fillAlertsS)} s; merges settled in ${round(settleS)} s`,
  );
  await measure(store, stored, { fillEventsS, settleS, t0, reused: reuse });
}

type Store = Awaited<ReturnType<typeof openStore>>;

async function fill(store: Store, db: string): Promise<{ fillEventsS: number; fillAlertsS: number; settleS: number }> {
  // Events: 1 in 50 from one of 20 vendor applications pulling many records; the rest
  // clinicians reading one chart (1 in 20 touching three). Times spread evenly over 90 days.
  const stepMs = Math.floor((SPAN_DAYS * 86_400_000) / EVENTS);
  const fillStart = performance.now();
  await store.client.command({
    query: `INSERT INTO ${db}.access_events
      (event_id, event_time, actor_id, actor_kind, actor_role, actor_department, patient_ids, action, resource_types,
       sensitivity, purpose_of_use, break_the_glass, outcome, records, source_system, network_address, format)
      SELECT
        concat('ev-', toString(number)) AS event_id,
        toDateTime64('${START}', 3, 'UTC') + toIntervalMillisecond(number * ${stepMs}) AS event_time,
        if(number % 50 = 0, concat('app-', toString(number % 20)), concat('u-', toString(cityHash64(number, 1) % ${ACTORS}))) AS actor_id,
        if(number % 50 = 0, 'application', 'user') AS actor_kind,
        if(number % 50 = 0, NULL, ['physician', 'nurse', 'registrar', 'pharmacist'][1 + number % 4]) AS actor_role,
        if(number % 50 = 0, NULL, ['cardiology', 'oncology', 'emergency', 'psychiatry', 'radiology'][1 + number % 5]) AS actor_department,
        if(number % 20 = 0,
           [concat('p-', toString(cityHash64(number, 2) % ${PATIENTS})), concat('p-', toString(cityHash64(number, 3) % ${PATIENTS})), concat('p-', toString(cityHash64(number, 4) % ${PATIENTS}))],
           [concat('p-', toString(cityHash64(number, 2) % ${PATIENTS}))]) AS patient_ids,
        ['read', 'read', 'read', 'update', 'query', 'export'][1 + number % 6] AS action,
        if(number % 3 = 0, ['Patient'], ['Observation', 'DocumentReference']) AS resource_types,
        if(number % 17 = 0, ['PSY'], []) AS sensitivity,
        if(number % 97 = 0, ['BTG'], ['TREAT']) AS purpose_of_use,
        number % 97 = 0 AS break_the_glass,
        if(number % 200 = 0, 'minor-failure', 'success') AS outcome,
        if(number % 50 = 0, toUInt32(100 + number % 900), toUInt32(1)) AS records,
        'epic' AS source_system,
        concat('10.', toString(number % 7), '.', toString(number % 251), '.', toString(number % 13)) AS network_address,
        'fhir' AS format
      FROM numbers_mt(${EVENTS})
      SETTINGS max_insert_threads = 2`,
  });
  const fillEventsS = (performance.now() - fillStart) / 1000;

  const alertStart = performance.now();
  await store.client.command({
    query: `INSERT INTO ${db}.alerts
      (alert_id, rule_id, rule_version, detector, severity, title, alert_key, actor_id, actor_kind, patient_ids, patient_count,
       window_start, window_end, measure, observed, threshold, compared_with, baseline, evidence_event_ids, evidence_count,
       explanation, score, model_version, features, fired_at)
      SELECT
        concat('al-', hex(cityHash64(number))) AS alert_id,
        ['after-hours-bulk', 'vip-snoop', 'family-snoop', 'vendor-over-quota', 'sensitive-snoop', 'coworker-snoop'][1 + number % 6] AS rule_id,
        1, if(number % 10 = 0, 'model', 'rule'),
        ['low', 'medium', 'high', 'critical'][1 + cityHash64(number, 9) % 4] AS severity,
        'Bench alert', concat('actor=u-', toString(number % ${ACTORS})),
        concat('u-', toString(number % ${ACTORS})) AS actor_id, 'user',
        [concat('p-', toString(cityHash64(number, 5) % ${PATIENTS}))], 1,
        toDateTime64('${START}', 3, 'UTC') + toIntervalSecond(number * 77) AS window_start,
        toDateTime64('${START}', 3, 'UTC') + toIntervalSecond(number * 77 + 14400),
        'distinct patients', 40, 30, 'fixed', NULL, ['ev-1', 'ev-2'], 2,
        'u read 40 distinct patients after hours; 30 allowed', NULL, NULL, '[]',
        toDateTime64('${START}', 3, 'UTC') + toIntervalSecond(number * 77 + 14400) AS fired_at
      FROM numbers(${ALERTS})`,
  });
  // Triage, so the status filters and each page's triage read meet state as a working queue has it:
  // a quarter of the alerts taken up by one of 7 analysts, half of those closed since (a second version).
  const triaged = (status: string, resolution: string, version: number, every: number, afterS: number): string => `
    INSERT INTO ${db}.alert_state (alert_id, status, resolution, reason, assignee, updated_at, updated_by, version)
    SELECT concat('al-', hex(cityHash64(number))), '${status}', '${resolution}', 'bench', concat('key:analyst-', toString(number % 7)),
      toDateTime64('${START}', 3, 'UTC') + toIntervalSecond(number * 77 + ${afterS}), concat('key:analyst-', toString(number % 7)), ${version}
    FROM numbers(${ALERTS}) WHERE number % ${every} = 0`;
  await store.client.command({ query: triaged('investigating', '', 1, 4, 20_000) });
  await store.client.command({ query: triaged('closed', 'benign', 2, 8, 30_000) });
  const fillAlertsS = (performance.now() - alertStart) / 1000;

  // Let the merges the fill set off finish (bounded) so the figures are for a settled store, not for one busy merging 10M fresh rows.
  const settleStart = performance.now();
  for (;;) {
    const [m] = await (
      await store.client.query({ query: `SELECT count() AS n FROM system.merges WHERE database = '${DB}'`, format: 'JSONEachRow' })
    ).json<{ n: string }>();
    if (Number(m?.n ?? 0) === 0 || performance.now() - settleStart > 90_000) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const settleS = (performance.now() - settleStart) / 1000;
  return { fillEventsS, fillAlertsS, settleS };
}

async function measure(
  store: Store,
  stored: { events: number; patientRows: number; alerts: number },
  timing: { fillEventsS: number; settleS: number; t0: number; reused: boolean },
): Promise<void> {
  const { fillEventsS, settleS, t0, reused } = timing;
  const app = await buildApi({
    config: apiConfigFromEnv({ API_RATE_LIMIT_MAX: '100000000', LOG_LEVEL: 'warn' }),
    store,
    logger: createLogger({ level: 'warn' }),
  });
  const analyst = await createApiKey(store, { name: 'bench-analyst', role: 'analyst', createdBy: 'bench', at: new Date().toISOString() });
  const officer = await createApiKey(store, { name: 'bench-officer', role: 'privacy_officer', createdBy: 'bench', at: new Date().toISOString() });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });

  // Cursor pages for the list mix: walk a few pages once, then reuse the cursors.
  const cursors: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${base}/alerts?limit=50${cursor ? `&cursor=${cursor}` : ''}`, { headers: { 'x-api-key': analyst.key } });
    cursor = ((await res.json()) as { nextCursor: string | null }).nextCursor;
    if (cursor) cursors.push(cursor);
  }
  const listVariants = [
    '/alerts?limit=50',
    '/alerts?limit=50&severity=critical,high',
    '/alerts?limit=50&status=new&sort=-severity',
    '/alerts?limit=50&rule=vip-snoop&from=2025-01-20T00:00:00Z&to=2025-02-20T00:00:00Z',
    '/alerts?limit=50&actor=u-1234',
    ...cursors.map((c) => `/alerts?limit=50&cursor=${c}`),
  ];
  const rowsOfList = (b: unknown): number => (b as { items: unknown[] }).items.length;
  const rowsOfReport = (b: unknown): number => (b as { accesses: unknown[] }).accesses.length;
  const patientUrl = (i: number): string => `${base}/patients/p-${(i * 7919) % PATIENTS}/access-report?limit=200`;

  // Warm-up (JIT, ClickHouse caches), not measured.
  if (ONLY !== 'report') await hammer('warm-up list', 60, (i) => `${base}${listVariants[i % listVariants.length]}`, { 'x-api-key': analyst.key }, rowsOfList);
  if (ONLY !== 'list') await hammer('warm-up report', 60, (i) => patientUrl(i + 100_000), { 'x-api-key': officer.key }, rowsOfReport);

  const variantName = (i: number): string => {
    const v = listVariants[i % listVariants.length]!;
    return v.includes('cursor=') ? 'next pages (cursor)' : v.replace('/alerts?limit=50', '').replace(/^&/, '') || 'newest first';
  };
  let list: Figures | null = null;
  if (ONLY !== 'report') {
    list = await hammer('alert list', REQUESTS, (i) => `${base}${listVariants[i % listVariants.length]}`, { 'x-api-key': analyst.key }, rowsOfList, variantName);
    console.log(
      `alert list          ${list.requests} requests, ${list.reqPerSec} req/s, p50 ${list.p50Ms} ms, p90 ${list.p90Ms} ms, p99 ${list.p99Ms} ms, max ${list.maxMs} ms, ${list.meanRows} alerts/page, ${list.errors} errors`,
    );
    for (const [k, v] of Object.entries(list.byVariant ?? {})) console.log(`  ${k.padEnd(70)} n ${v.n}, p50 ${v.p50Ms} ms, p99 ${v.p99Ms} ms`);
  }
  let report: Figures | null = null;
  if (ONLY !== 'list') {
    report = await hammer('patient access report', REQUESTS, patientUrl, { 'x-api-key': officer.key }, rowsOfReport);
    console.log(
      `patient report      ${report.requests} requests, ${report.reqPerSec} req/s, p50 ${report.p50Ms} ms, p90 ${report.p90Ms} ms, p99 ${report.p99Ms} ms, max ${report.maxMs} ms, ${report.meanRows} accesses/report, ${report.errors} errors`,
    );
  }

  await app.close();
  await store.close();
  removeData();
  const totalS = (performance.now() - t0) / 1000;
  const verdict = (f: Figures | null): string => (f === null ? 'not run' : f.p99Ms < 100 ? 'met' : 'MISSED');
  console.log(`p99 target 100 ms: alert list ${verdict(list)}, patient report ${verdict(report)}; total ${round(totalS)} s`);
  console.log(
    JSON.stringify({
      bench: 'api',
      events: stored.events,
      patientAccessRows: stored.patientRows,
      alerts: stored.alerts,
      concurrency: CONCURRENCY,
      reusedData: reused,
      ...(ONLY !== undefined ? { only: ONLY } : {}),
      fillEventsSeconds: round(fillEventsS),
      settleSeconds: round(settleS),
      alertList: list,
      patientAccessReport: report,
      p99TargetMs: 100,
      targetMet: [list, report].every((f) => f === null || f.p99Ms < 100),
      totalSeconds: round(totalS),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  removeData();
  process.exit(1);
});
