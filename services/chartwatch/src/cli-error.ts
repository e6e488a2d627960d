import { isChartwatchError } from '@chartwatch/errors';

/** What the dispatcher prints for an error a command threw, and the exit code. */
export interface CliFailure {
  message: string;
  exitCode: number;
}

/**
 * Node's parseArgs throws a TypeError with a code (`ERR_PARSE_ARGS_UNKNOWN_OPTION`, `…_INVALID_OPTION_VALUE`,
 * `…_UNEXPECTED_POSITIONAL`) for a mistyped flag. It is the operator's mistake, not a crash: one line naming the
 * command and the flag, and exit 2 like any other bad configuration, instead of a stack trace.
 */
function isParseArgsError(err: unknown): err is Error & { code: string } {
  if (!(err instanceof Error)) return false;
  const code: unknown = (err as Error & { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

export function describeFailure(command: string | undefined, err: unknown): CliFailure {
  const who = command === undefined ? 'chartwatch' : `chartwatch ${command}`;
  if (isChartwatchError(err)) return { message: `${who}: ${err.message}`, exitCode: err.code === 'CW_ERR_CONFIG' ? 2 : 1 };
  if (isParseArgsError(err)) {
    const help = command === undefined ? 'chartwatch --help' : `chartwatch ${command} --help`;
    return { message: `${who}: ${err.message}\n${help} shows the flags.`, exitCode: 2 };
  }
  return { message: `${who}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, exitCode: 1 };
}
