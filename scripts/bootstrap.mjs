#!/usr/bin/env node
// `npm start` / `npm test` on a machine with any Node >= 18 and npm, and
// `pnpm start` / `pnpm test` for those who have the toolchain: brings Node 24
// and pnpm 10 into the project's cache when they are missing, installs the
// workspace when it is not installed, then runs the real script
// (`chartwatch start`, or the `test:all` script) with that toolchain first on PATH.
//
// Plain JavaScript on purpose: it must run on the Node a newcomer has, before
// anything is installed. It never calls itself: `test:all` has its own name, and
// start runs main.ts directly, so `pnpm start` reaching this file is one hop, not a loop.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const NODE_MAJOR = 24;
const PNPM_MAJOR = 10;
const COMMANDS = ['start', 'test'];

const command = process.argv[2];
const args = process.argv.slice(3);
if (!COMMANDS.includes(command)) {
  process.stderr.write(`usage: node scripts/bootstrap.mjs start|test [args...] (got ${JSON.stringify(command ?? '')})\n`);
  process.exit(2);
}

function say(line) {
  process.stderr.write(`chartwatch: ${line}\n`);
}

function majorOf(bin, flag = '--version') {
  const r = spawnSync(bin, [flag], { encoding: 'utf8', shell: process.platform === 'win32' });
  if (r.status !== 0 || typeof r.stdout !== 'string') return 0;
  const m = /^v?(\d+)\./.exec(r.stdout.trim());
  return m ? Number(m[1]) : 0;
}

function run(bin, argv, env) {
  const r = spawnSync(bin, argv, { cwd: ROOT, stdio: 'inherit', env, shell: process.platform === 'win32' });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

// 1. The toolchain: the Node running this script and the pnpm on PATH when they fit, else the project's cache.
const env = { ...process.env };
const nodeFits = Number(process.versions.node.split('.')[0]) === NODE_MAJOR;
let node = process.execPath;
if (!nodeFits || majorOf('pnpm') !== PNPM_MAJOR) {
  const tools = process.env.CHARTWATCH_TOOLS_DIR ?? join(homedir(), '.cache', 'chartwatch', `node${NODE_MAJOR}`);
  const bin = process.platform === 'win32' ? tools : join(tools, 'bin');
  if (!existsSync(join(bin, 'node')) || !existsSync(join(bin, 'pnpm'))) {
    say(`Node ${process.versions.node} here; fetching Node ${NODE_MAJOR} and pnpm ${PNPM_MAJOR} from the npm registry into ${tools} (once)`);
    const status = run('npm', ['install', '--global', '--no-fund', '--no-audit', '--prefix', tools, `node@${NODE_MAJOR}`, `pnpm@${PNPM_MAJOR}`], env);
    if (status !== 0) {
      say(`could not install Node ${NODE_MAJOR} and pnpm with npm (exit ${status}); install them yourself and run pnpm ${command}`);
      process.exit(status);
    }
  }
  env.PATH = `${bin}${delimiter}${env.PATH ?? ''}`;
  if (!nodeFits) node = join(bin, 'node');
}

// 2. The workspace: installed once; a lockfile newer than the install is installed again.
const marker = join(ROOT, 'node_modules', '.modules.yaml');
if (!existsSync(marker)) {
  say('installing the workspace (pnpm install --frozen-lockfile)');
  const status = run('pnpm', ['install', '--frozen-lockfile'], env);
  if (status !== 0) process.exit(status);
}

// 3. The browser tests drive Debian's Chromium: say so before the suite fails on it.
if (command === 'test' && !env.CHROMIUM_PATH && !existsSync('/usr/bin/chromium')) {
  say('the browser tests need Chromium at /usr/bin/chromium (Debian: sudo apt-get install -y chromium) or CHROMIUM_PATH; they will fail without it');
}

// 4. The real command, in its own process group; its exit code is ours. `start` runs main.ts itself rather than
// through pnpm and a shell, which did not pass SIGTERM on (chartwatch start kept running after its parents died).
// Ctrl-C (SIGINT to our group only) and SIGTERM are passed to the child's group once.
const [bin, argv] = command === 'start' ? [node, ['--import', 'tsx', 'services/chartwatch/src/main.ts', 'start', ...args]] : ['pnpm', ['run', 'test:all', ...args]];
const child = spawn(bin, argv, { cwd: ROOT, stdio: 'inherit', env, detached: process.platform !== 'win32', shell: process.platform === 'win32' });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    try {
      process.kill(process.platform === 'win32' ? child.pid : -child.pid, sig);
    } catch {
      // Already gone.
    }
  });
}
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
