import { scoreCommand } from '@chartwatch/simulator';

export const summary = 'score an alerts file against simulator labels: precision, recall per scenario, false alerts';

export async function run(argv: string[]): Promise<number> {
  await scoreCommand(argv, (line) => console.log(line));
  return 0;
}
