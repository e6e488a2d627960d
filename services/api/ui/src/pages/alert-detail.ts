import { ApiRequestError, apiGet, apiPost, errorText } from '../api-client.ts';
import { announce, field, h, notAvailable, replace, section } from '../dom.ts';
import { bucketLabel, formatNumber, formatTime, humanize, shortDay, shortLocalDay } from '../format.ts';
import { localTime } from '../local-time.ts';
import type { PageContext } from '../router.ts';
import { actorLabel, canSeeNames, patientLabel } from '../session.ts';
import { activityStrip, dataTable, meter } from '../svg-chart.ts';
import { askCloseReason, assignToMe, closeAlert, severityBadge, startInvestigating, statusBadge, statusText } from '../triage-actions.ts';
import type { AccessEvent, ActorPeers, ActorTimeline, AlertDetail, Comment, HistoryEntry, Me, Names, PeerMetric, Triage } from '../types.ts';
import { LAST_QUEUE_KEY, assigneeText } from './queue.ts';

const DAY = 86_400_000;

const PEER_LABELS: Record<string, string> = {
  eventsPerDay: 'Events per day',
  patientsPerDay: 'Distinct patients per day',
  afterHoursShare: 'After-hours share',
  sensitiveShare: 'Sensitive-record share',
  activeDays: 'Active days',
};

function evidenceItem(e: AccessEvent, names: Names | undefined, timeZone: string): HTMLElement {
  const flags = [
    e.breakTheGlass ? h('span', { class: 'badge flag-btg' }, 'break-the-glass') : null,
    ...e.sensitivity.map((sv) => h('span', { class: 'badge flag-sensitive', title: 'sensitivity code' }, sv)),
    e.outcome !== 'success' ? h('span', { class: 'badge flag-failure' }, e.outcome) : null,
  ];
  return h(
    'li',
    { class: 'timeline-item', 'data-event-id': e.eventId },
    localTime(e.time, timeZone, { class: 'timeline-time' }),
    h(
      'div',
      { class: 'timeline-body' },
      h('div', null, h('strong', null, e.action), ' ', e.resourceTypes.join(', ') || 'record', ' · ', `${formatNumber(e.records)} record${e.records === 1 ? '' : 's'}`, ' ', ...flags),
      h('div', { class: 'small' }, 'Patients: ', e.patientIds.map((p) => patientLabel(p, names)).join(', ')),
      h(
        'div',
        { class: 'small muted' },
        `purpose ${e.purposeOfUse.join(', ') || '—'} · source ${e.sourceSystem ?? '—'} · address ${e.networkAddress ?? '—'} · event ${e.eventId}`,
      ),
    ),
  );
}

function historyItem(e: HistoryEntry, me: Me): HTMLElement {
  const who = e.principalId === me.id ? 'you' : e.principalId;
  let what: string;
  if (e.change === 'status') what = `status ${e.from} → ${e.to.replace(':', ': ').replace('_', ' ')}`;
  else if (e.change === 'assignment') what = e.to ? `assigned to ${e.to === me.id ? 'you' : e.to}` : 'unassigned';
  else if (e.change === 'comment') what = 'commented';
  else what = `suppression created (${e.to})`;
  return h(
    'li',
    null,
    localTime(e.at, me.timezone, { class: 'muted small' }),
    ' ',
    h('strong', null, who),
    e.principalRole ? h('span', { class: 'muted' }, ` (${humanize(e.principalRole)})`) : null,
    `: ${what}`,
    e.reason ? h('div', { class: 'reason' }, `“${e.reason}”`) : null,
  );
}

/** One alert: why it fired, the evidence, the actor's activity, and the triage panel. */
export async function alertDetailPage(ctx: PageContext): Promise<void> {
  const { main, params, me, signal } = ctx;
  const tz = me.timezone;
  const alertId = params['alertId'] ?? '';
  const path = `/alerts/${encodeURIComponent(alertId)}`;
  const back = sessionStorage.getItem(LAST_QUEUE_KEY) ?? '#/alerts';
  let alert: AlertDetail;
  try {
    alert = await apiGet<AlertDetail>(path, canSeeNames(me) ? { resolveNames: 'true' } : undefined);
  } catch (err) {
    replace(main, h('h1', null, 'Alert'), h('p', { class: 'error', role: 'alert' }, err instanceof ApiRequestError && err.status === 404 ? `Alert ${alertId} does not exist.` : `Could not load the alert: ${errorText(err)}`), h('a', { href: back }, '← Back to the queue'));
    return;
  }
  if (signal.aborted) return;
  const names = alert.names;

  // ── why it fired ──
  const facts: [string, HTMLElement | string][] = [
    ['Rule', h('span', null, h('code', null, alert.ruleId), ` v${alert.ruleVersion} (${alert.detector})`)],
    ['Actor', h('a', { href: `#/actors/${encodeURIComponent(alert.actorId)}` }, `${actorLabel(alert.actorId, names)} · ${alert.actorKind}`)],
    [
      'Patients',
      h(
        'span',
        null,
        alert.patientIds.slice(0, 8).flatMap((p, i) => [i > 0 ? ', ' : '', h('a', { href: `#/patients/${encodeURIComponent(p)}` }, patientLabel(p, names))]),
        alert.patientCount > 8 ? ` and ${alert.patientCount - 8} more` : '',
      ),
    ],
    ['Window', h('span', null, localTime(alert.windowStart, tz), ' – ', localTime(alert.windowEnd, tz))],
    ['Fired at', localTime(alert.firedAt, tz)],
    ['Compared with', humanize(alert.comparedWith)],
  ];
  if (alert.detector === 'model') facts.push(['Model', `${alert.modelVersion ?? 'unknown version'} · score ${formatNumber(alert.score)}`]);
  const why = section(
    'Why this fired',
    'why-title',
    h('p', { class: 'explanation', 'data-testid': 'explanation' }, alert.explanation),
    alert.comparedWith === 'condition' ? null : meter({ observed: alert.observed, threshold: alert.threshold, baseline: alert.baseline, measure: alert.measure }),
    h('dl', { class: 'facts' }, facts.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
  );

  // ── evidence ──
  const evidence = section(
    `Evidence (${alert.evidence.length}${alert.evidenceCount > alert.evidence.length ? ` of ${alert.evidenceCount}` : ''} event${alert.evidenceCount === 1 ? '' : 's'})`,
    'evidence-title',
    alert.evidence.length === 0
      ? h('p', { class: 'muted' }, 'No evidence events are stored for this alert.')
      : h('ol', { class: 'timeline', 'data-testid': 'evidence-timeline' }, [...alert.evidence].sort((a, b) => (a.time < b.time ? -1 : 1)).map((e) => evidenceItem(e, names, tz))),
  );

  // ── actor against peers ──
  const peers = section('Actor against peers', 'peers-title', h('p', { class: 'muted' }, 'Loading…'));
  const activity = section('Actor activity around the alert', 'activity-title', h('p', { class: 'muted' }, 'Loading…'));

  // ── triage panel ──
  const triageBox = h('div', { class: 'triage-state' });
  const buttons = {
    assign: h('button', { type: 'button', 'aria-keyshortcuts': 'a' }, 'Assign to me'),
    investigate: h('button', { type: 'button', 'aria-keyshortcuts': 'i' }, 'Start investigating'),
    close: h('button', { type: 'button', class: 'primary', 'aria-keyshortcuts': 'c', 'data-testid': 'close-alert' }, 'Close…'),
    reopen: h('button', { type: 'button' }, 'Reopen'),
  };
  const historyList = h('ol', { class: 'history', 'data-testid': 'history' });
  const commentList = h('ul', { class: 'comments', 'data-testid': 'comments' });
  const commentText = h('textarea', { rows: 3, maxlength: 10000, class: 'wide', name: 'comment' });
  const commentForm = h('form', { class: 'comment-form' }, field('Add a comment', commentText), h('button', { type: 'submit' }, 'Comment'));

  // The header's status badge and the triage panel show one state: both are redrawn on every change.
  const headStatus = h('span', { class: 'head-status' });
  function renderTriage(t: Triage): void {
    alert.triage = t;
    replace(
      headStatus,
      statusBadge(t, 'head-status-badge'),
      t.assignee ? h('span', { class: 'badge status-assigned', 'data-testid': 'head-assignee' }, `assigned to ${t.assignee === me.id ? 'you' : t.assignee}`) : null,
    );
    replace(
      triageBox,
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, 'Status'),
        h('dd', null, statusBadge(t)),
        h('dt', null, 'Assignee'),
        h('dd', { 'data-testid': 'assignee' }, t.assignee === me.id ? `you (${me.name})` : assigneeText(t.assignee, me)),
        t.reason ? [h('dt', null, 'Reason'), h('dd', null, t.reason)] : null,
        h('dt', null, 'Updated'),
        h('dd', null, t.updatedAt ? `${formatTime(t.updatedAt, me.timezone)} by ${t.updatedBy === me.id ? 'you' : (t.updatedBy ?? '—')}` : 'never'),
      ),
    );
    buttons.investigate.hidden = t.status !== 'new';
    buttons.close.hidden = t.status === 'closed';
    buttons.reopen.hidden = t.status !== 'closed';
  }

  async function refreshLists(): Promise<void> {
    try {
      const [history, comments] = await Promise.all([
        apiGet<{ items: HistoryEntry[] }>(`${path}/history`),
        apiGet<{ items: Comment[] }>(`${path}/comments`),
      ]);
      replace(historyList, history.items.length === 0 ? h('li', { class: 'muted' }, 'No changes yet.') : history.items.map((e) => historyItem(e, me)));
      replace(
        commentList,
        comments.items.length === 0
          ? h('li', { class: 'muted' }, 'No comments yet.')
          : comments.items.map((c) => h('li', null, h('div', { class: 'muted small' }, `${c.principalId === me.id ? 'you' : c.principalId} · ${formatTime(c.at, me.timezone)}`), h('p', null, c.body))),
      );
    } catch (err) {
      replace(historyList, h('li', { class: 'error' }, `Could not load the history: ${errorText(err)}`));
    }
  }

  async function act(kind: 'assign' | 'investigate' | 'close' | 'reopen'): Promise<void> {
    try {
      let t: Triage;
      if (kind === 'assign') t = await assignToMe(alert, me);
      else if (kind === 'investigate') t = await startInvestigating(alert);
      else if (kind === 'reopen') t = await startInvestigating(alert, 'Reopened');
      else {
        const choice = await askCloseReason(alert, me);
        if (choice === null) return;
        t = await closeAlert(alert, choice);
      }
      renderTriage(t);
      announce(kind === 'assign' ? 'Assigned to you.' : `Alert is now ${statusText(t)}.`);
      await refreshLists();
    } catch (err) {
      if (err instanceof ApiRequestError && err.status === 409) {
        const fresh = await apiGet<AlertDetail>(path);
        renderTriage(fresh.triage);
        await refreshLists();
        announce('Someone else changed this alert meanwhile; it has been reloaded.');
      } else {
        announce(`Could not update the alert: ${errorText(err)}`);
      }
    }
  }
  buttons.assign.addEventListener('click', () => void act('assign'));
  buttons.investigate.addEventListener('click', () => void act('investigate'));
  buttons.close.addEventListener('click', () => void act('close'));
  buttons.reopen.addEventListener('click', () => void act('reopen'));
  document.addEventListener(
    'keydown',
    (ev) => {
      const t = ev.target;
      if (ev.altKey || ev.ctrlKey || ev.metaKey || document.querySelector('dialog[open]')) return;
      if (t instanceof HTMLElement && ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName)) return;
      if (ev.key === 'a') void act('assign');
      else if (ev.key === 'i' && alert.triage.status === 'new') void act('investigate');
      else if (ev.key === 'c' && alert.triage.status !== 'closed') void act('close');
      else return;
      ev.preventDefault();
    },
    { signal },
  );
  commentForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = commentText.value.trim();
    if (body === '') return;
    apiPost<{ triage: Triage }>(`${path}/comments`, { body })
      .then(async (r) => {
        commentText.value = '';
        renderTriage(r.triage);
        announce('Comment added.');
        await refreshLists();
      })
      .catch((err: unknown) => announce(`Could not add the comment: ${errorText(err)}`));
  });
  renderTriage(alert.triage);

  replace(
    main,
    h('nav', { 'aria-label': 'Breadcrumb', class: 'breadcrumb' }, h('a', { href: back }, '← Alert queue')),
    h('div', { class: 'page-head' }, h('h1', null, alert.title), h('div', { class: 'badges' }, severityBadge(alert.severity), headStatus)),
    h(
      'div',
      { class: 'detail-layout' },
      h('div', { class: 'detail-main' }, why, evidence, peers, activity),
      h(
        'aside',
        { class: 'detail-side', 'aria-label': 'Triage' },
        section('Triage', 'triage-title', triageBox, h('div', { class: 'actions' }, buttons.assign, buttons.investigate, buttons.close, buttons.reopen), h('p', { class: 'keys small' }, h('kbd', null, 'a'), ' assign · ', h('kbd', null, 'i'), ' investigate · ', h('kbd', null, 'c'), ' close')),
        section('History', 'history-title', historyList),
        section('Comments', 'comments-title', commentList, commentForm),
      ),
    ),
  );
  await refreshLists();

  // Peers: the model's features carry the peer median; rule alerts need the peer route.
  const windowTo = new Date(Math.max(Date.parse(alert.windowEnd), Date.parse(alert.firedAt))).toISOString();
  const windowFrom = new Date(Date.parse(alert.windowStart) - 6 * DAY).toISOString();
  const peerParts: HTMLElement[] = [];
  if (alert.features.length > 0) {
    peerParts.push(
      h(
        'table',
        { class: 'table compact', 'data-testid': 'feature-table' },
        h('caption', null, 'What drove the model score: the actor against the median of their peers (same role)'),
        h('thead', null, h('tr', null, ['Feature', 'Actor', 'Peer median', 'Share of score'].map((t) => h('th', { scope: 'col' }, t)))),
        h(
          'tbody',
          null,
          [...alert.features]
            .sort((a, b) => b.contribution - a.contribution)
            .map((f) => h('tr', null, h('td', null, humanize(f.feature)), h('td', null, formatNumber(f.value)), h('td', null, formatNumber(f.peerMedian)), h('td', null, `${Math.round(f.contribution * 100)} %`))),
        ),
      ),
    );
  }
  try {
    const cmp = await apiGet<ActorPeers>(`/actors/${encodeURIComponent(alert.actorId)}/peers`, { from: windowFrom, to: windowTo });
    const shown = (m: PeerMetric, v: number | null): string => (v === null ? '—' : m.unit === 'share' ? `${Math.round(v * 1000) / 10} %` : formatNumber(Math.round(v * 10) / 10));
    const caption =
      cmp.peerGroup === null
        ? `${alert.actorId} has no role in the staff table: no peer group (the actor's own figures only)`
        : `${alert.actorId} against ${cmp.peerGroup.size} ${cmp.peerGroup.role} peers active from ${formatTime(cmp.from, tz)} to ${formatTime(cmp.to, tz)} (${cmp.timezone} days; after hours: outside Mon–Fri 07:00–19:00)`;
    peerParts.push(
      h(
        'table',
        { class: 'table compact', 'data-testid': 'peer-table' },
        h('caption', null, caption),
        h('thead', null, h('tr', null, ['Measure', 'Actor', 'Peer median', 'Peer 90th percentile'].map((t) => h('th', { scope: 'col' }, t)))),
        h(
          'tbody',
          null,
          cmp.metrics.map((m) =>
            h(
              'tr',
              { class: m.peerP90 !== null && m.actor > m.peerP90 ? 'above-peers' : '' },
              h('th', { scope: 'row' }, PEER_LABELS[m.name] ?? humanize(m.name)),
              h('td', { class: 'num' }, shown(m, m.actor)),
              h('td', { class: 'num' }, shown(m, m.peerMedian)),
              h('td', { class: 'num' }, shown(m, m.peerP90)),
            ),
          ),
        ),
      ),
    );
  } catch (err) {
    // A role without the route (vendor managers, auditors) sees the model's features only, or nothing.
    if (err instanceof ApiRequestError && err.status === 403) {
      if (peerParts.length === 0) peerParts.push(notAvailable('Peer comparison', 'your role may not compare actors with their peers.'));
    } else {
      peerParts.push(h('p', { class: 'error' }, `Could not load the peer comparison: ${errorText(err)}`));
    }
  }
  if (signal.aborted) return;
  replace(peers, h('h2', { id: 'peers-title' }, 'Actor against peers'), peerParts);

  try {
    const tl = await apiGet<ActorTimeline>(`/actors/${encodeURIComponent(alert.actorId)}/timeline`, { from: windowFrom, to: windowTo, limit: 1 });
    if (signal.aborted) return;
    const buckets = tl.activity?.buckets ?? [];
    const total = tl.activity?.totals;
    replace(
      activity,
      h('h2', { id: 'activity-title' }, 'Actor activity around the alert'),
      buckets.length === 0
        ? h('p', { class: 'muted' }, 'No activity recorded for this actor in the week before the alert.')
        : [
            activityStrip({
              starts: buckets.map((b) => b.start),
              values: buckets.map((b) => b.distinctPatients),
              mark: { from: alert.windowStart, to: alert.windowEnd },
              tickLabel: tl.activity?.bucket === 'day' ? shortDay : (iso) => shortLocalDay(iso, tz),
              label: `Distinct patients per ${tl.activity?.bucket === 'day' ? 'UTC day' : (tl.activity?.bucket ?? 'bucket')} for ${alert.actorId} from ${formatTime(windowFrom, tz)} to ${formatTime(windowTo, tz)}; the alert window is shaded. Total ${formatNumber(total?.events)} events, ${formatNumber(total?.distinctPatients)} distinct patients.`,
              testId: 'actor-activity',
              width: 900,
            }),
            h('p', { class: 'small muted' }, `Distinct patients per ${tl.activity?.bucket ?? 'bucket'}; the shaded band is the alert window. `, h('a', { href: `#/actors/${encodeURIComponent(alert.actorId)}` }, 'Open the full timeline')),
            dataTable(
              'Actor activity',
              ['Start', 'Events', 'Distinct patients', 'Records'],
              buckets.filter((b) => b.events > 0).map((b) => [bucketLabel(b.start, tl.activity?.bucket, tz), b.events, b.distinctPatients, b.records]),
            ),
          ],
    );
  } catch (err) {
    replace(activity, h('h2', { id: 'activity-title' }, 'Actor activity around the alert'), h('p', { class: 'error' }, `Could not load the activity: ${errorText(err)}`));
  }
}
