import { simulateCommand } from '@chartwatch/simulator';

export const summary = 'write a seeded hospital: events (fhir|csv|json), reference CSVs, incident labels';

export async function run(argv: string[]): Promise<number> {
  await simulateCommand(argv, (line) => console.log(line));
  return 0;
}
