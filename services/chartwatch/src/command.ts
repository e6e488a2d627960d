/**
 * What a file in src/commands/ exports to become `chartwatch <name>`:
 * a one-line summary for the help text, and run(), which gets the arguments
 * after the command name and resolves to the process exit code.
 */
export interface CommandModule {
  readonly summary: string;
  run(argv: string[]): Promise<number>;
}
