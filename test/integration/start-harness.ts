import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * `chartwatch start` as a child process, the way `pnpm start` runs it, for
 * the start*.test.ts files: output collected, helpers to wait on it and on
 * the API it prints.
 */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface StartedProcess {
  child: ChildProcess;
  spawnedAt: number;
  stdout: string;
  stderr: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns `node --import tsx services/chartwatch/src/main.ts start …`: one
 * process, so a signal reaches the command itself (the tsx CLI wrapper
 * kills a child whose event loop does not answer within 60 ms, which a busy
 * backfill cannot promise). `env` replaces the variables named in it;
 * undefined removes one.
 */
export function spawnStart(args: readonly string[], env: Record<string, string | undefined>): StartedProcess {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[name];
    else childEnv[name] = value;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/chartwatch/src/main.ts', 'start', ...args], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const started: StartedProcess = {
    child,
    spawnedAt: Date.now(),
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  child.stdout?.on('data', (b: Buffer) => (started.stdout += b.toString('utf8')));
  child.stderr?.on('data', (b: Buffer) => (started.stderr += b.toString('utf8')));
  return started;
}

/** Polls `probe` every half second until it returns a value; fails with the process's output at `deadline` or if it exits. */
export async function until<T>(p: StartedProcess, what: string, deadline: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (p.child.exitCode !== null || p.child.signalCode !== null) {
      throw new Error(`chartwatch start exited (${p.child.exitCode ?? p.child.signalCode}) while waiting for ${what}\n--- stdout\n${p.stdout}\n--- stderr (end)\n${p.stderr.slice(-4000)}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- stdout\n${p.stdout}\n--- stderr (end)\n${p.stderr.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The dashboard URL and, when one was made, the admin key the banner printed. */
export function printed(p: StartedProcess): { url: string; key: string | null } | undefined {
  const url = /Dashboard\s+(http:\/\/\S+?)\/ui\//.exec(p.stdout)?.[1];
  if (url === undefined || !p.stdout.includes('Ctrl-C stops.')) return undefined;
  return { url, key: /Admin key\s+(cwk_[A-Za-z0-9_-]{43})\b/.exec(p.stdout)?.[1] ?? null };
}

export interface AlertItem {
  alertId: string;
  ruleId: string;
  detector: string;
  evidenceEventIds: string[];
}

/** GET /alerts with an API key: the newest alerts, or undefined while there are none. */
export async function alertsNow(url: string, key: string, limit = 100): Promise<AlertItem[] | undefined> {
  const res = await fetch(`${url}/alerts?limit=${limit}`, { headers: { 'x-api-key': key } });
  if (res.status !== 200) throw new Error(`GET /alerts answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { items: AlertItem[] };
  return body.items.length > 0 ? body.items : undefined;
}

/** SIGTERM, then the exit (or a failure after `ms`). */
export async function stopWithSigterm(p: StartedProcess, ms = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; seconds: number }> {
  const asked = Date.now();
  p.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no exit ${ms} ms after SIGTERM\n${p.stderr.slice(-2000)}`)), ms);
  });
  try {
    const { code, signal } = await Promise.race([p.exit, timeout]);
    return { code, signal, seconds: (Date.now() - asked) / 1000 };
  } finally {
    clearTimeout(timer);
  }
}

/** For afterAll: whatever is still running is killed. */
export async function killIfRunning(p: StartedProcess | undefined): Promise<void> {
  if (p === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGKILL');
  await p.exit;
}
