import { relative } from 'node:path';
import { DASHBOARD_PATH } from '@chartwatch/api';
import type { AdminKeyOutcome } from './admin-key.ts';

export interface BannerFacts {
  url: string;
  mode: string;
  adminKey: AdminKeyOutcome;
  dataDir: string;
  logFile: string;
  feed: string;
  detection: string;
  cwd: string;
}

const show = (path: string, cwd: string): string => {
  const r = relative(cwd, path);
  return r === '' ? '.' : r.startsWith('..') ? path : r;
};

/**
 * What the terminal shows once everything listens: where the dashboard is
 * and the credential to sign in with. A newly made admin key is printed
 * here and nowhere else (the log never sees it).
 */
export function banner(f: BannerFacts): string {
  const key =
    f.adminKey.kind === 'created'
      ? [`  Admin key  ${f.adminKey.key}`, '             shown once, now: paste it into the dashboard\'s sign-in (or send it as x-api-key)']
      : [
          `  Admin key  this data directory has ${f.adminKey.admins.length === 1 ? 'an admin key' : `${f.adminKey.admins.length} admin keys`} already (shown once, when made)`,
          '             another: pnpm start --new-admin-key, or pnpm chartwatch api-key create --role admin --name <name>',
        ];
  return [
    '',
    `chartwatch is running (${f.mode})`,
    '',
    `  Dashboard  ${f.url}${DASHBOARD_PATH}`,
    `  API        ${f.url}  (OpenAPI: ${f.url}/docs)`,
    ...key,
    `  Feed       ${f.feed}`,
    `  Detection  ${f.detection}`,
    `  Data       ${show(f.dataDir, f.cwd)}  (log: ${show(f.logFile, f.cwd)})`,
    '',
    'Ctrl-C stops.',
    '',
  ].join('\n');
}
