import { isChartwatchError } from '@chartwatch/errors';
import { scoreCommand, simulateCommand, SIMULATOR_USAGE } from './commands.ts';

/** The simulator's command line: `simulate …` and `score …` (see README.md). Returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const print = (line: string): void => console.log(line);
  try {
    if (command === 'simulate') await simulateCommand(rest, print);
    else if (command === 'score') await scoreCommand(rest, print);
    else {
      console.error(SIMULATOR_USAGE);
      return 2;
    }
    return 0;
  } catch (err) {
    if (isChartwatchError(err)) {
      console.error(err.message);
      return 2;
    }
    if (err instanceof TypeError && 'code' in err && String((err as { code: unknown }).code).startsWith('ERR_PARSE_ARGS')) {
      console.error(`${err.message}\n${SIMULATOR_USAGE}`);
      return 2;
    }
    throw err;
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  process.exitCode = await main(process.argv.slice(2));
}
