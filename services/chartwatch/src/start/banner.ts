import { relative } from 'node:path';
import { DASHBOARD_PATH } from '@chartwatch/api';
import type { TrainerConfig } from '@chartwatch/trainer';
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

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** What the banner says of the model when none is pinned: the in-process trainer supplies one (stack.ts). */
export function trainerLine(trainer: Pick<TrainerConfig, 'intervalMs' | 'historyMs'>): string {
  const every = trainer.intervalMs % HOUR === 0 ? `${trainer.intervalMs / HOUR} h` : `${Math.round(trainer.intervalMs / 60_000)} min`;
  const history = trainer.historyMs % DAY === 0 ? `${trainer.historyMs / DAY} days` : `${Math.round(trainer.historyMs / HOUR)} h`;
  return (
    `model trained in-process once the backfill is stored (up to ${history} of history, again every ${every}) ` +
    'and swapped in within a minute; rules only until then, or the newest model this data directory already has (--model FILE pins one)'
  );
}
