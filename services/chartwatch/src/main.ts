import { readdirSync } from 'node:fs';
import { describeFailure } from './cli-error.ts';
import type { CommandModule } from './command.ts';

/**
 * `chartwatch <command> [flags]`: a dispatcher over src/commands/<command>.ts.
 * Adding a command is adding a file there; this file does not change.
 */

const COMMANDS_DIR = new URL('./commands/', import.meta.url);

function commandNames(): string[] {
  return readdirSync(COMMANDS_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function load(name: string): Promise<CommandModule> {
  return (await import(new URL(`${name}.ts`, COMMANDS_DIR).href)) as CommandModule;
}

async function usage(): Promise<string> {
  const lines = ['usage: chartwatch <command> [flags]', '', 'commands:'];
  for (const name of commandNames()) lines.push(`  ${name.padEnd(10)} ${(await load(name)).summary}`);
  lines.push('', 'chartwatch <command> --help shows the flags of a command.');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(await usage());
    return name === undefined ? 2 : 0;
  }
  if (!commandNames().includes(name)) {
    console.error(`chartwatch: unknown command "${name}"\n\n${await usage()}`);
    return 2;
  }
  return (await load(name)).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const { message, exitCode } = describeFailure(process.argv[2], err);
    console.error(message);
    process.exitCode = exitCode;
  },
);
