import { ApiRequestError, apiDownload, apiGet, errorText } from '../api-client.ts';
import { purposeText, sensitivityText } from '../codes.ts';
import type { Query } from '../api-client.ts';
import { announce, field, h, replace, section } from '../dom.ts';
import { bucketLabel, dayEndIso, dayStartIso, formatNumber, formatTime, shortDay, shortLocalDay } from '../format.ts';
import { localTime } from '../local-time.ts';
import { go, hashFor } from '../router.ts';
import type { PageContext } from '../router.ts';
import { actorLabel, canSeeNames, mergeNames, patientLabel } from '../session.ts';
import { activityStrip, dataTable } from '../svg-chart.ts';
import type { AccessReport, ActorTimeline, Me, Names, PatientDetail, PatientMatch, PatientSearchResult, ReportAccess } from '../types.ts';

function rangeFields(query: URLSearchParams): { from: HTMLInputElement; to: HTMLInputElement } {
  return {
    from: h('input', { type: 'date', name: 'from', value: query.get('from') ?? '' }),
    to: h('input', { type: 'date', name: 'to', value: query.get('to') ?? '' }),
  };
}

/** The date inputs are the hospital's days: "accesses on 4 March" means its 4 March. */
function rangeQuery(query: URLSearchParams, timeZone: string): Query {
  return { from: dayStartIso(query.get('from') ?? '', timeZone), to: dayEndIso(query.get('to') ?? '', timeZone) };
}

function lookupForm(kind: 'actor' | 'patient', query: URLSearchParams, me: Me, initial = ''): HTMLFormElement {
  const timeZone = me.timezone;
  const byName = kind === 'patient' && canSeeNames(me);
  const id = h('input', { type: 'text', name: 'id', required: true, value: initial, autocomplete: 'off', spellcheck: 'false' });
  const { from, to } = rangeFields(query);
  const matches = h('div', { class: 'patient-matches', 'data-testid': 'patient-matches', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'lookup inline-form', 'aria-label': kind === 'actor' ? 'Actor timeline' : 'Patient access report' },
    field(kind === 'actor' ? 'Actor id (user or application)' : byName ? 'Patient id or name' : 'Patient id', id),
    field(`From (day, ${timeZone})`, from),
    field(`To (day, ${timeZone}, included)`, to),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'primary' }, kind === 'actor' ? 'Show timeline' : 'Show report')),
    kind === 'patient' ? matches : null,
  );
  const open = (v: string): void => go(hashFor(`/${kind === 'actor' ? 'actors' : 'patients'}/${encodeURIComponent(v)}`, { from: from.value, to: to.value }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = id.value.trim();
    if (v === '') return;
    if (kind === 'actor') return open(v);
    // A patient is looked up first: an exact id or a single match opens the report, several are listed to choose from.
    apiGet<PatientSearchResult>('/patients', { q: v, limit: 20 })
      .then((r) => {
        const exact = r.items.find((p) => p.patientId === v);
        if (exact !== undefined || r.items.length === 1) return open((exact ?? r.items[0] as PatientMatch).patientId);
        // None: the report page says plainly that no such patient is known (and offers no export).
        if (r.items.length === 0) return open(v);
        replace(
          matches,
          h('p', null, `${r.items.length} patients match “${v}”:`),
          h(
            'ul',
            null,
            r.items.map((p) =>
              h(
                'li',
                null,
                h('a', { href: hashFor(`/patients/${encodeURIComponent(p.patientId)}`, { from: from.value, to: to.value }) }, patientLabel(p.patientId, { actors: {}, patients: { [p.patientId]: p } })),
                p.birthDate ? h('span', { class: 'muted' }, ` · born ${p.birthDate}`) : null,
                p.vip ? h('span', { class: 'badge sev-high' }, 'VIP') : null,
              ),
            ),
          ),
        );
      })
      .catch((err: unknown) => replace(matches, h('p', { class: 'error', role: 'alert' }, `Could not search: ${errorText(err)}`)));
  });
  return form;
}

function exportButton(label: string, run: () => Promise<{ name: string; bytes: number }>, testId: string): HTMLButtonElement {
  const b = h('button', { type: 'button', 'data-testid': testId }, label);
  b.addEventListener('click', () => {
    b.disabled = true;
    run()
      .then((r) => announce(`Downloaded ${r.name} (${formatNumber(r.bytes)} bytes).`))
      .catch((err: unknown) => announce(`Export failed: ${errorText(err)}`))
      .finally(() => {
        b.disabled = false;
      });
  });
  return b;
}

export function investigatePage(ctx: PageContext): void {
  replace(
    ctx.main,
    h('div', { class: 'page-head' }, h('h1', null, 'Investigate')),
    h(
      'div',
      { class: 'two-col' },
      section('Actor timeline', 'actor-lookup', h('p', { class: 'muted' }, 'Everything one user or application opened, hour by hour.'), lookupForm('actor', ctx.query, ctx.me)),
      section('Patient access report', 'patient-lookup', h('p', { class: 'muted' }, canSeeNames(ctx.me) ? 'Who opened one patient’s chart, when, from where and why. Find the patient by id or by name.' : 'Who opened one patient’s chart, when, from where and why.'), lookupForm('patient', ctx.query, ctx.me)),
    ),
  );
}

const EXPORT_LIMIT = 10_000;

export async function actorTimelinePage(ctx: PageContext): Promise<void> {
  const { main, params, query, me, signal } = ctx;
  const actorId = params['actorId'] ?? '';
  const base = `/actors/${encodeURIComponent(actorId)}/timeline`;
  const tz = me.timezone;
  const range = rangeQuery(query, tz);
  const withNames = canSeeNames(me);
  const head = h('div', { class: 'page-head' }, h('h1', null, `Actor timeline: ${actorId}`));
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  replace(main, h('nav', { 'aria-label': 'Breadcrumb', class: 'breadcrumb' }, h('a', { href: '#/investigate' }, '← Investigate')), head, section('Range', 'range-title', lookupForm('actor', query, me, actorId)), body);

  let tl: ActorTimeline;
  try {
    tl = await apiGet<ActorTimeline>(base, { ...range, limit: 200, resolveNames: withNames ? 'true' : null });
  } catch (err) {
    replace(body, h('p', { class: 'error', role: 'alert' }, `Could not load the timeline: ${errorText(err)}`));
    return;
  }
  if (signal.aborted) return;
  let names: Names | undefined = tl.names;
  replace(head, h('h1', null, `Actor timeline: ${actorLabel(actorId, names)}`));
  const a = tl.activity;
  const buckets = a?.buckets ?? [];
  const tbody = h('tbody');
  const more = h('button', { type: 'button', hidden: tl.nextCursor === null }, 'Load more');
  let cursor = tl.nextCursor;
  const addRows = (events: ActorTimeline['events']): void => {
    for (const e of events) {
      tbody.appendChild(
        h(
          'tr',
          null,
          h('td', { class: 'nowrap' }, localTime(e.time, tz)),
          h('td', null, e.action),
          h('td', null, e.patientIds.slice(0, 3).map((p, i) => [i ? ', ' : '', h('a', { href: `#/patients/${encodeURIComponent(p)}` }, patientLabel(p, names))]), e.patientIds.length > 3 ? ` +${e.patientIds.length - 3}` : ''),
          h('td', null, e.resourceTypes.join(', ')),
          h('td', null, e.sensitivity.map(sensitivityText).join(', ') || '—'),
          h('td', null, e.purposeOfUse.map(purposeText).join(', ') || '—'),
          h('td', null, e.breakTheGlass ? 'yes' : ''),
          h('td', { class: 'num' }, formatNumber(e.records)),
          h('td', null, e.outcome),
        ),
      );
    }
  };
  addRows(tl.events);
  more.addEventListener('click', () => {
    more.disabled = true;
    apiGet<ActorTimeline>(base, { ...range, limit: 200, cursor, resolveNames: withNames ? 'true' : null })
      .then((next) => {
        names = mergeNames(names, next.names);
        cursor = next.nextCursor;
        addRows(next.events);
        more.hidden = cursor === null;
      })
      .catch((err: unknown) => announce(`Could not load more: ${errorText(err)}`))
      .finally(() => {
        more.disabled = false;
      });
  });

  replace(
    body,
    section(
      'Activity',
      'activity-title',
      h(
        'p',
        { class: 'muted' },
        `${formatTime(tl.from, tz)} – ${formatTime(tl.to, tz)}: ${formatNumber(a?.totals.events ?? 0)} events, ${formatNumber(a?.totals.distinctPatients ?? 0)} distinct patients, ${formatNumber(a?.totals.records ?? 0)} records, ${formatNumber(a?.totals.breakTheGlass ?? 0)} break-the-glass.`,
      ),
      buckets.length === 0
        ? h('p', { class: 'muted' }, 'No activity in this range.')
        : [
            activityStrip({
              starts: buckets.map((b) => b.start),
              values: buckets.map((b) => b.events),
              tickLabel: a?.bucket === 'day' ? shortDay : (iso) => shortLocalDay(iso, tz),
              label: `Events per ${a?.bucket === 'day' ? 'UTC day' : (a?.bucket ?? 'bucket')} for ${actorId} from ${formatTime(tl.from, tz)} to ${formatTime(tl.to, tz)}, peak ${formatNumber(Math.max(0, ...buckets.map((b) => b.events)))}.`,
              testId: 'actor-timeline-chart',
              width: 1200,
            }),
            dataTable('Activity', ['Start', 'Events', 'Distinct patients', 'Records', 'Break-the-glass'], buckets.filter((b) => b.events > 0).map((b) => [bucketLabel(b.start, a?.bucket, tz), b.events, b.distinctPatients, b.records, b.breakTheGlass])),
          ],
    ),
    section(
      'Accesses',
      'events-title',
      h(
        'div',
        { class: 'actions' },
        exportButton('Export accesses (CSV)', () => apiDownload(base, { ...range, format: 'csv', limit: EXPORT_LIMIT, resolveNames: withNames ? 'true' : null }, 'actor-timeline.csv'), 'export-timeline-csv'),
        exportButton('Export hourly activity (CSV)', () => apiDownload(base, { ...range, format: 'csv', part: 'activity', limit: 1 }, 'actor-activity.csv'), 'export-activity-csv'),
      ),
      h(
        'table',
        { class: 'table compact' },
        h('caption', { class: 'visually-hidden' }, 'Accesses, newest first'),
        h('thead', null, h('tr', null, ['Time', 'Action', 'Patients', 'Resources', 'Sensitivity', 'Purpose', 'Break-the-glass', 'Records', 'Outcome'].map((t) => h('th', { scope: 'col' }, t)))),
        tbody,
      ),
      more,
    ),
  );
}

function accessRow(x: ReportAccess, names: Names | undefined, timeZone: string): HTMLTableRowElement {
  const given = x.actor.givenName ?? null;
  const family = x.actor.familyName ?? null;
  const actorName = given || family ? `${[given, family].filter(Boolean).join(' ')} (${x.actor.id})` : actorLabel(x.actor.id, names);
  return h(
    'tr',
    { 'data-event-id': x.eventId },
    h('td', { class: 'nowrap' }, localTime(x.time, timeZone)),
    h('td', null, h('a', { href: `#/actors/${encodeURIComponent(x.actor.id)}` }, actorName), h('div', { class: 'small muted' }, [x.actor.kind, x.actor.role, x.actor.department].filter(Boolean).join(' · '))),
    h('td', null, x.action),
    h('td', null, x.resourceTypes.join(', ')),
    h('td', { 'data-testid': 'sensitivity' }, x.sensitivity.map(sensitivityText).join(', ') || '—'),
    h('td', { 'data-testid': 'purpose' }, x.purposeOfUse.map(purposeText).join(', ') || '—'),
    h('td', null, x.breakTheGlass ? 'yes' : ''),
    h('td', null, x.sourceSystem ?? '—', h('div', { class: 'small muted' }, x.networkAddress ?? '')),
    h('td', null, x.outcome),
  );
}

export async function patientReportPage(ctx: PageContext): Promise<void> {
  const { main, params, query, me, signal } = ctx;
  const patientId = params['patientId'] ?? '';
  const base = `/patients/${encodeURIComponent(patientId)}/access-report`;
  const tz = me.timezone;
  const range = rangeQuery(query, tz);
  const withNames = canSeeNames(me);
  const head = h('div', { class: 'page-head' }, h('h1', null, `Access report: ${patientId}`));
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  replace(main, h('nav', { 'aria-label': 'Breadcrumb', class: 'breadcrumb' }, h('a', { href: '#/investigate' }, '← Investigate')), head, section('Range', 'range-title', lookupForm('patient', query, me, patientId)), body);

  // Who the patient is first: an id nobody knows is said to be unknown, with nothing to export or print.
  let detail: PatientDetail;
  try {
    detail = await apiGet<PatientDetail>(`/patients/${encodeURIComponent(patientId)}`);
  } catch (err) {
    if (err instanceof ApiRequestError && err.status === 404) {
      replace(head, h('h1', null, `No such patient: ${patientId}`));
      replace(
        body,
        h(
          'div',
          { class: 'notice', role: 'alert', 'data-testid': 'unknown-patient' },
          h('p', null, `No patient with the id “${patientId}” is in the patient directory, and no stored access names it.`),
          h('p', null, 'Check the id (or search by name). There is no report to export or send for an id that is not a patient.'),
        ),
      );
      return;
    }
    replace(body, h('p', { class: 'error', role: 'alert' }, `Could not look the patient up: ${errorText(err)}`));
    return;
  }
  if (signal.aborted) return;
  let report: AccessReport;
  try {
    report = await apiGet<AccessReport>(base, { ...range, limit: 200, resolveNames: withNames ? 'true' : null });
  } catch (err) {
    replace(body, h('p', { class: 'error', role: 'alert' }, `Could not load the report: ${errorText(err)}`));
    return;
  }
  if (signal.aborted) return;
  const names: Names | undefined = report.patient ? { actors: {}, patients: { [patientId]: report.patient } } : undefined;
  replace(head, h('h1', null, `Access report: ${patientLabel(patientId, names)}`));
  const tbody = h('tbody', null, report.accesses.map((x) => accessRow(x, undefined, tz)));
  let cursor = report.nextCursor;
  let shown = report.accesses.length;
  const count = h('p', { class: 'muted', 'data-testid': 'report-count' });
  const setCount = (): void => {
    count.textContent = `${formatNumber(shown)} access${shown === 1 ? '' : 'es'} from ${formatTime(report.from, tz)} to ${formatTime(report.to, tz)}${cursor ? ' (more available)' : ''}.`;
  };
  setCount();
  const more = h('button', { type: 'button', hidden: cursor === null }, 'Load more');
  more.addEventListener('click', () => {
    more.disabled = true;
    apiGet<AccessReport>(base, { ...range, limit: 200, cursor, resolveNames: withNames ? 'true' : null })
      .then((next) => {
        cursor = next.nextCursor;
        shown += next.accesses.length;
        for (const x of next.accesses) tbody.appendChild(accessRow(x, undefined, tz));
        more.hidden = cursor === null;
        setCount();
      })
      .catch((err: unknown) => announce(`Could not load more: ${errorText(err)}`))
      .finally(() => {
        more.disabled = false;
      });
  });
  const exportQuery = { ...range, limit: EXPORT_LIMIT, resolveNames: withNames ? 'true' : null };
  const pt = detail.patient;
  const facts = h(
    'dl',
    { class: 'facts', 'data-testid': 'patient-facts' },
    h('dt', null, 'Patient'),
    h('dd', null, patientLabel(patientId, names)),
    pt.birthDate ? [h('dt', null, 'Born'), h('dd', null, pt.birthDate)] : null,
    h('dt', null, 'Flags'),
    h('dd', null, [pt.vip ? 'VIP' : null, pt.deceased ? 'deceased' : null, pt.inDirectory ? null : 'not in the patient directory'].filter(Boolean).join(', ') || 'none'),
  );
  const alertList =
    detail.alerts.length === 0
      ? h('p', { class: 'muted' }, 'No alert names this patient.')
      : h(
          'ul',
          { 'data-testid': 'patient-alerts' },
          detail.alerts.map((a) =>
            h('li', null, h('span', { class: `badge sev-${a.severity}` }, a.severity), ' ', h('a', { href: `#/alerts/${encodeURIComponent(a.alertId)}` }, a.title), h('span', { class: 'muted' }, ` · ${a.actorId} · `), localTime(a.firedAt, tz)),
          ),
        );
  const printButton = h('button', { type: 'button', 'data-testid': 'print-letter' }, 'Print letter for the patient');
  printButton.addEventListener('click', () => window.print());
  // Shown only in print (styles.css @media print): the report as a letter a privacy officer can hand to the patient.
  const letterHead = h(
    'div',
    { class: 'print-only letter-head', 'data-testid': 'letter-head' },
    h('p', null, formatTime(new Date().toISOString(), tz)),
    h('p', null, `Dear ${patientLabel(patientId, names)},`),
    h(
      'p',
      null,
      `You asked who opened your medical record. Below is every access recorded from ${formatTime(report.from, tz)} to ${formatTime(report.to, tz)}: when, by whom, what was done and for what purpose.`,
    ),
  );
  const letterFoot = h('div', { class: 'print-only letter-foot' }, h('p', null, 'If an access listed here looks wrong to you, contact the privacy office: every access is investigated.'), h('p', null, `Privacy office · prepared by ${me.name}`));
  replace(
    body,
    letterHead,
    section('Patient', 'patient-title', facts, h('h3', null, 'Alerts that name this patient'), alertList),
    section(
      'Accesses',
      'accesses-title',
      count,
      h(
        'div',
        { class: 'actions' },
        exportButton('Export CSV', () => apiDownload(base, { ...exportQuery, format: 'csv' }, 'patient-access-report.csv'), 'export-report-csv'),
        exportButton('Export JSON', () => apiDownload(base, { ...exportQuery, format: 'json' }, 'patient-access-report.json'), 'export-report-json'),
        printButton,
      ),
      report.accesses.length === 0
        ? h('p', { class: 'muted' }, 'Nobody opened this chart in the range.')
        : h(
            'table',
            { class: 'table compact', 'data-testid': 'access-report' },
            h('caption', { class: 'visually-hidden' }, 'Accesses to the chart, newest first'),
            h('thead', null, h('tr', null, ['Time', 'Who', 'Action', 'Resources', 'Sensitivity', 'Purpose', 'Break-the-glass', 'From', 'Outcome'].map((t) => h('th', { scope: 'col' }, t)))),
            tbody,
          ),
      more,
    ),
    letterFoot,
  );
}
