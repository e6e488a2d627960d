import './styles.css';
import { apiGet, clearCredential, errorText, loadCredential, setUnauthenticatedHandler } from './api-client.ts';
import { h, replace } from './dom.ts';
import { alertDetailPage } from './pages/alert-detail.ts';
import { apiKeysPage } from './pages/api-keys.ts';
import { casesPage } from './pages/cases.ts';
import { auditPage } from './pages/audit.ts';
import { actorTimelinePage, investigatePage, patientReportPage } from './pages/investigate.ts';
import { renderLogin } from './pages/login.ts';
import { overviewPage } from './pages/overview.ts';
import { precisionPage } from './pages/precision.ts';
import { queuePage } from './pages/queue.ts';
import { suppressionsPage } from './pages/suppressions.ts';
import { vendorsPage } from './pages/vendors.ts';
import { go, match } from './router.ts';
import type { RouteDef } from './router.ts';
import { canSeeNames, homePage, mayOpen } from './session.ts';
import type { PageKey } from './session.ts';
import type { Me } from './types.ts';

const ROUTES: readonly RouteDef[] = [
  { path: '/alerts', title: 'Alert queue', nav: 'queue', page: queuePage },
  { path: '/alerts/:alertId', title: 'Alert', nav: 'queue', page: alertDetailPage },
  { path: '/cases', title: 'Cases', nav: 'queue', page: casesPage },
  { path: '/overview', title: 'Overview', nav: 'overview', page: overviewPage },
  { path: '/investigate', title: 'Investigate', nav: 'investigate', page: investigatePage },
  { path: '/actors/:actorId', title: 'Actor timeline', nav: 'investigate', page: actorTimelinePage },
  { path: '/patients/:patientId', title: 'Patient access report', nav: 'investigate', page: patientReportPage },
  { path: '/precision', title: 'Precision per rule', nav: 'precision', page: precisionPage },
  { path: '/suppressions', title: 'Suppressions', nav: 'suppressions', page: suppressionsPage },
  { path: '/vendors', title: 'Vendor access', nav: 'vendors', page: vendorsPage },
  { path: '/audit', title: 'API audit trail', nav: 'audit', page: auditPage },
  { path: '/keys', title: 'API keys', nav: 'keys', page: apiKeysPage },
];

const NAV: readonly [PageKey, string, string][] = [
  ['queue', '#/alerts', 'Alerts'],
  ['overview', '#/overview', 'Overview'],
  ['investigate', '#/investigate', 'Investigate'],
  ['suppressions', '#/suppressions', 'Suppressions'],
  ['precision', '#/precision', 'Precision'],
  ['vendors', '#/vendors', 'Vendors'],
  ['audit', '#/audit', 'Audit trail'],
  ['keys', '#/keys', 'Keys'],
];

let me: Me | null = null;
let current: AbortController | null = null;
/** The path (without query) last rendered: a new page starts at its top, a re-render of the same one keeps the scroll. */
let lastPath: string | null = null;

function header(active: PageKey | null): void {
  const top = document.getElementById('top');
  if (!top) return;
  const brand = h('a', { href: me ? homePage(me) : '#/login', class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '◉'), ' chartwatch');
  if (!me) {
    replace(top, brand);
    return;
  }
  const signOut = h('button', { type: 'button', class: 'link-button' }, 'Sign out');
  signOut.addEventListener('click', () => {
    clearCredential();
    me = null;
    go('#/login');
  });
  const user = me;
  replace(
    top,
    brand,
    h(
      'nav',
      { 'aria-label': 'Main' },
      h(
        'ul',
        null,
        NAV.filter(([key]) => mayOpen(user, key)).map(([key, href, label]) => h('li', null, h('a', { href, 'aria-current': key === active ? 'page' : null }, label))),
      ),
    ),
    h(
      'div',
      { class: 'who' },
      h('span', { 'data-testid': 'principal' }, user.name),
      h('span', { class: 'role-chip', title: canSeeNames(user) ? 'may see patient names' : 'sees ids only' }, user.roles.join(', ')),
      signOut,
    ),
  );
}

function mainEl(): HTMLElement {
  const main = document.getElementById('main');
  if (!main) throw new Error('the page has no <main id="main">');
  return main;
}

async function render(): Promise<void> {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const main = mainEl();
  main.classList.remove('wide-main');

  if (location.hash === '#/login' || loadCredential() === null) {
    me = null;
    header(null);
    document.title = 'Sign in · chartwatch';
    const notice = sessionStorage.getItem('chartwatch.notice') ?? undefined;
    sessionStorage.removeItem('chartwatch.notice');
    renderLogin(main, (who) => {
      me = who;
      const target = sessionStorage.getItem('chartwatch.returnTo');
      sessionStorage.removeItem('chartwatch.returnTo');
      go(target && target !== '#/login' ? target : homePage(who));
    }, notice);
    return;
  }
  if (me === null) {
    try {
      me = await apiGet<Me>('/me');
    } catch (err) {
      replace(main, h('h1', null, 'chartwatch'), h('p', { class: 'error', role: 'alert' }, `Could not reach the API: ${errorText(err)}`));
      return;
    }
  }
  if (controller.signal.aborted) return;
  const found = match(ROUTES, location.hash);
  if (!found) {
    go(homePage(me));
    return;
  }
  header(found.route.nav);
  const path = location.hash.split('?')[0] ?? '';
  if (path !== lastPath) window.scrollTo(0, 0);
  lastPath = path;
  document.title = `${found.route.title} · chartwatch`;
  if (found.route.nav !== null && !mayOpen(me, found.route.nav)) {
    replace(main, h('h1', null, found.route.title), h('p', { role: 'alert' }, `Your role (${me.roles.join(', ')}) does not give access to this page.`));
    return;
  }
  try {
    await found.route.page({ main, params: found.params, query: found.query, signal: controller.signal, me });
  } catch (err) {
    if (!controller.signal.aborted) replace(main, h('h1', null, found.route.title), h('p', { class: 'error', role: 'alert' }, `Something went wrong: ${errorText(err)}`));
  }
  // Move focus to the page's heading region on navigation, unless the page focused something itself.
  if (!controller.signal.aborted && (document.activeElement === document.body || document.activeElement === null)) main.focus({ preventScroll: true });
}

setUnauthenticatedHandler(() => {
  if (location.hash !== '#/login') sessionStorage.setItem('chartwatch.returnTo', location.hash);
  sessionStorage.setItem('chartwatch.notice', 'Your credential was not accepted or has been revoked; sign in again.');
  clearCredential();
  me = null;
  go('#/login');
});

window.addEventListener('hashchange', () => void render());
document.querySelector('.skip-link')?.addEventListener('click', (ev) => {
  // The page uses the hash for routing: move focus without touching it.
  ev.preventDefault();
  mainEl().focus();
});
void render();
